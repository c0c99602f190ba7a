import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import pMap from 'p-map';
import { batchGet, isConditionFailed, queryAll } from '#shared/adapters/dynamo';
import type { IndicatorsReader } from '#shared/app/query-indicators';
import type { IndicatorsStore, SaveOutcome } from '#shared/app/recompute';
import { type IndicatorValues, indicatorNames } from '#shared/domain/indicators/catalogue';
import { announcedTag, type IndicatorItem } from '#shared/domain/indicators/item';
import type { AreaKey } from '#shared/schemas/common';

/** Conditional deletes a removal keeps in flight at once. */
const REMOVE_CONCURRENCY = 8;
/**
 * The item of a day that records what was announced of each area (its `area` is no area key). One
 * item per day, not an attribute per (day, area) item: a run that announces every area of a day
 * writes it once.
 */
const ANNOUNCED = '#announced';
/** Areas one update of the announced item names (an update expression holds at most 4 KB). */
const ANNOUNCED_PER_UPDATE = 200;
const announcedAttribute = (area: AreaKey) => `a:${area}`;

/** The document client leaves the item of a refused conditional write in DynamoDB's attribute-value form. */
const refusedItem = (error: unknown): Record<string, unknown> | undefined => {
  const item = (error as { Item?: Record<string, AttributeValue> }).Item;
  return item ? unmarshall(item) : undefined;
};

const digestOf = (timezone: string, indicators: IndicatorValues): string =>
  createHash('sha256')
    .update(JSON.stringify([timezone, ...indicatorNames.map((name) => indicators[name])]))
    .digest('base64url');

/** Values in catalogue order; a name missing from an older item is null. */
const inCatalogueOrder = (stored: Partial<IndicatorValues>): IndicatorValues =>
  Object.fromEntries(indicatorNames.map((name) => [name, stored[name] ?? null])) as IndicatorValues;

const toItem = (item: Record<string, unknown>): IndicatorItem => ({
  date: String(item.date),
  area: String(item.area) as AreaKey,
  timezone: String(item.timezone),
  indicators: inCatalogueOrder(item.indicators as Partial<IndicatorValues>),
  revision: Number(item.revision),
  computedAt: String(item.computedAt),
  announcedRevision: item.announcedRevision === undefined ? undefined : Number(item.announcedRevision),
  digest: typeof item.digest === 'string' ? item.digest : undefined,
});

/**
 * Published indicators: base table keyed (area, date) for one area over a range, index `byDateKeys`
 * keyed (date, area) for every area of a day.
 */
export class IndicatorsRepository implements IndicatorsStore, IndicatorsReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Writes the values of one (day, area) as a new revision, unless the stored values are the same
   * (then the stored revision and computedAt stay) or were computed from facts read later than
   * `readAt` (then ours are older and must not win). "The same" is judged by the stored digest;
   * `force` skips that judgement (for values that differ from what their digest says) but not the
   * `readAt` one. `stored`, the item as read before (by {@link listDay}), saves a write when its
   * values are ours: one write confirms them instead of a refused update and a confirmation.
   * Returns the item as stored afterwards, whoever wrote it.
   */
  async save(
    date: string,
    area: AreaKey,
    timezone: string,
    indicators: IndicatorValues,
    computedAt: string,
    readAt: string = computedAt,
    options: { readonly force?: boolean; readonly stored?: IndicatorItem | undefined } = {},
  ): Promise<SaveOutcome> {
    const digest = digestOf(timezone, indicators);
    if (!options.force && options.stored?.digest === digest) {
      const confirmed = await this.confirm(date, area, digest, readAt);
      if (confirmed) return { changed: false, item: confirmed };
    }
    const newer = '(attribute_not_exists(readAt) OR readAt <= :readAt)';
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { area, date },
          UpdateExpression:
            'SET indicators = :indicators, #timezone = :timezone, digest = :digest, computedAt = :computedAt, ' +
            'readAt = :readAt, revision = if_not_exists(revision, :zero) + :one',
          ConditionExpression: options.force
            ? newer
            : `(attribute_not_exists(digest) OR digest <> :digest) AND ${newer}`,
          ExpressionAttributeNames: { '#timezone': 'timezone' },
          ExpressionAttributeValues: {
            ':indicators': indicators,
            ':timezone': timezone,
            ':digest': digest,
            ':computedAt': computedAt,
            ':readAt': readAt,
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { changed: true, item: toItem(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const old = refusedItem(error);
      // The same values (or a newer read already stored): record that facts read at `readAt` agree, so
      // a slower recompute that read older facts cannot overwrite them afterwards.
      if (old?.digest === digest && (old.readAt === undefined || String(old.readAt) < readAt))
        return { changed: false, item: (await this.confirm(date, area, digest, readAt)) ?? toItem(old) };
      return { changed: false, item: old ? toItem(old) : undefined };
    }
  }

  /**
   * Records that facts read at `readAt` give the stored values (those with `digest`); returns the item,
   * or undefined when its values are others now (or it is gone). A later read stored already stays.
   */
  private async confirm(
    date: string,
    area: AreaKey,
    digest: string,
    readAt: string,
  ): Promise<IndicatorItem | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { area, date },
          UpdateExpression: 'SET readAt = :readAt',
          ConditionExpression: 'digest = :digest AND (attribute_not_exists(readAt) OR readAt < :readAt)',
          ExpressionAttributeValues: { ':readAt': readAt, ':digest': digest },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return toItem(Attributes ?? {});
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const old = refusedItem(error);
      return old?.digest === digest ? toItem(old) : undefined;
    }
  }

  /** What was announced of each area of a day, as {@link announcedTag}s (an eventually consistent read). */
  async announced(date: string): Promise<Map<AreaKey, string>> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { area: ANNOUNCED, date } }),
    );
    const tags = new Map<AreaKey, string>();
    for (const [name, value] of Object.entries(Item ?? {}))
      if (name.startsWith('a:') && typeof value === 'string') tags.set(name.slice(2) as AreaKey, value);
    return tags;
  }

  /**
   * Records that these items were announced and forgets the removed areas: one write for a day's
   * areas (one per 200 of them). Not conditional: a slower run that records an older tag only makes the
   * next run announce that revision again (subscribers may get an announcement twice, never none).
   */
  async markAnnounced(
    date: string,
    items: readonly Pick<IndicatorItem, 'area' | 'revision' | 'digest'>[],
    removed: readonly AreaKey[] = [],
  ): Promise<void> {
    const changes: ({ area: AreaKey; tag: string } | { area: AreaKey; tag?: undefined })[] = [
      ...items.map((item) => ({ area: item.area, tag: announcedTag(item) })),
      ...removed.map((area) => ({ area })),
    ];
    for (let start = 0; start < changes.length; start += ANNOUNCED_PER_UPDATE) {
      const chunk = changes.slice(start, start + ANNOUNCED_PER_UPDATE);
      const names: Record<string, string> = {};
      const values: Record<string, string> = {};
      const set: string[] = [];
      const remove: string[] = [];
      chunk.forEach((change, index) => {
        names[`#a${index}`] = announcedAttribute(change.area);
        if (change.tag === undefined) remove.push(`#a${index}`);
        else {
          values[`:a${index}`] = change.tag;
          set.push(`#a${index} = :a${index}`);
        }
      });
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { area: ANNOUNCED, date },
          UpdateExpression: [
            set.length > 0 ? `SET ${set.join(', ')}` : '',
            remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '',
          ]
            .join(' ')
            .trim(),
          ExpressionAttributeNames: names,
          ...(set.length > 0 ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    }
  }

  /** Every area published for one day, sorted by area: the day's keys from `byDateKeys`, then the items. */
  async listDay(date: string): Promise<IndicatorItem[]> {
    const keys = await queryAll(this.client, {
      TableName: this.table,
      IndexName: 'byDateKeys',
      KeyConditionExpression: '#date = :date',
      ExpressionAttributeNames: { '#date': 'date' },
      ExpressionAttributeValues: { ':date': date },
    });
    const items = await batchGet(
      this.client,
      this.table,
      keys.filter((key) => key.area !== ANNOUNCED).map((key) => ({ area: key.area, date: key.date })),
      undefined,
      true,
    );
    return items.map(toItem).sort((a, b) => (a.area < b.area ? -1 : a.area > b.area ? 1 : 0));
  }

  /** One area's items from `from` to `to`, by date. */
  async listArea(area: AreaKey, from: string, to: string): Promise<IndicatorItem[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'area = :area AND #date BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#date': 'date' },
        ExpressionAttributeValues: { ':area': area, ':from': from, ':to': to },
      }),
    );
    return (Items ?? []).map(toItem);
  }

  /** Removes (day, area) items whose area no longer has data that day. */
  /**
   * Removes areas of a day, each unless its values were computed from facts read after `readAt`: a
   * recompute that read earlier never deletes what a later one wrote. Returns the areas removed.
   */
  async remove(date: string, areas: readonly AreaKey[], readAt: string): Promise<AreaKey[]> {
    const removed = await pMap(
      areas,
      async (area) => {
        try {
          await this.client.send(
            new DeleteCommand({
              TableName: this.table,
              Key: { area, date },
              ConditionExpression: 'attribute_not_exists(readAt) OR readAt <= :readAt',
              ExpressionAttributeValues: { ':readAt': readAt },
            }),
          );
          return area;
        } catch (error) {
          if (isConditionFailed(error)) return undefined;
          throw error;
        }
      },
      { concurrency: REMOVE_CONCURRENCY },
    );
    return removed.filter((area): area is AreaKey => area !== undefined);
  }
}
