import { createHash } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import { batchGet, isConditionFailed, queryAll } from '#shared/adapters/dynamo';

/** Conditional deletes a removal keeps in flight at once. */
const REMOVE_CONCURRENCY = 8;

import type { IndicatorsReader } from '#shared/app/query-indicators';
import type { IndicatorsStore, SaveOutcome } from '#shared/app/recompute';
import { type IndicatorValues, indicatorNames } from '#shared/domain/indicators/catalogue';
import type { IndicatorItem } from '#shared/domain/indicators/item';
import type { AreaKey } from '#shared/schemas/common';

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
   * `readAt` one.
   */
  async save(
    date: string,
    area: AreaKey,
    timezone: string,
    indicators: IndicatorValues,
    computedAt: string,
    readAt: string = computedAt,
    options: { readonly force?: boolean } = {},
  ): Promise<SaveOutcome> {
    const digest = digestOf(timezone, indicators);
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
        }),
      );
      return { changed: true, item: toItem(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    // Unchanged values (or a newer read already stored): record that facts read at `readAt` agree, so a
    // slower recompute that read older facts cannot overwrite them afterwards.
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { area, date },
          UpdateExpression: 'SET readAt = :readAt',
          ConditionExpression:
            'attribute_exists(digest) AND (attribute_not_exists(readAt) OR readAt < :readAt)',
          ExpressionAttributeValues: { ':readAt': readAt },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    return { changed: false };
  }

  /** Records that a revision was announced (never moves back to an older one). */
  async markAnnounced(date: string, area: AreaKey, revision: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { area, date },
          UpdateExpression: 'SET announcedRevision = :revision',
          ConditionExpression:
            'attribute_exists(revision) AND (attribute_not_exists(announcedRevision) OR announcedRevision < :revision)',
          ExpressionAttributeValues: { ':revision': revision },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
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
      keys.map((key) => ({ area: key.area, date: key.date })),
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
