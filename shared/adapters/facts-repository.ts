import { gunzipSync, gzipSync } from 'node:zlib';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { batchGet, batchPut, isConditionFailed, queryAll } from '#shared/adapters/dynamo';
import type { UnknownCodes } from '#shared/domain/quality';
import type { IngestAnswer, RecordError, Source } from '#shared/schemas/ingest';

/** Kinds of entity that keep their lifecycle events. */
export type EntityKind = 'ticket' | 'case';

/** An entity item: its events by eventId, and the state derived from them when it was last written. */
export interface EntityItem<Event> {
  readonly kind: EntityKind;
  readonly entityId: string;
  readonly events: Record<string, Event>;
  /** Cohort day derived from the events, if any. */
  readonly cohortDay: string | undefined;
  /** Sync announcements already made for this entity (e.g. `case-requested`, `resolved:<eventId>`). */
  readonly announced: ReadonlySet<string>;
}

/** A rejected record kept for `GET /quarantine`. */
export interface QuarantinedRecord {
  readonly source: Source;
  readonly arrivedAt: string;
  readonly requestId: string;
  readonly index: number;
  readonly errors: RecordError[];
  /** The record as received, as JSON, cut to 64 KiB. */
  readonly record: string;
  readonly truncated: boolean;
}

/** Quarantined records are kept 30 days; webhook replies 24 hours (CONTRACT §2, §4). */
export const QUARANTINE_TTL_SECONDS = 30 * 86_400;
export const WEBHOOK_REPLY_TTL_SECONDS = 86_400;
/** How far a feed's freshness moves before it is written again (`GET /feeds` shows ages in seconds). */
export const FRESHNESS_STEP_MS = 10_000;
/** A claim on a webhook-id lapses after a minute, in case the request that made it died. */
const CLAIM_SECONDS = 60;

/** The outcome of claiming a webhook-id: ours to process, or the first answer, or still in progress. */
export type WebhookClaim = { claimed: true } | { claimed: false; answer?: IngestAnswer };
const MAX_QUARANTINED_RECORD_CHARS = 65_536;

const ENTITY_SK = 'entity';
const DAYS_PK = 'days';
const QUALITY_PK = 'quality';
const entityKey = (kind: EntityKind, entityId: string) => ({ pk: `${kind}#${entityId}`, sk: ENTITY_SK });
const dedupeKey = (source: Source, eventId: string) => ({
  pk: `dedupe#${source}#${eventId}`,
  sk: 'accepted',
});
const replyKey = (source: Source, webhookId: string) => ({
  pk: `webhook#${source}#${webhookId}`,
  sk: 'reply',
});
const cohortPartition = (kind: EntityKind, day: string) => `cohort#${kind}#${day}`;
/** One item per source (not one shared item): no key that every batch of every feed writes. */
const feedKey = (source: Source) => ({ pk: `feed#${source}`, sk: 'freshness' });

const epochSeconds = (ms: number) => Math.floor(ms / 1000);

/**
 * Storage of everything that arrives: dedupe marks, webhook replies, quarantine and entities.
 * Key design: docs/architecture.md.
 */
export class FactsRepository {
  /** Days this repository has put in the index of days. */
  private readonly markedDays = new Set<string>();
  /** The latest accepted time this repository wrote per source, in epoch ms. */
  private readonly freshnessWritten = new Map<Source, number>();

  /**
   * `freshnessStepMs`: a feed's freshness is written when it moves at least this far past the time
   * this repository last wrote for that source (so a busy feed costs a write per step, not per batch).
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly freshnessStepMs = FRESHNESS_STEP_MS,
  ) {}

  /** Which of these eventIds were accepted before for `source`. */
  async findAccepted(source: Source, eventIds: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(eventIds)];
    const items = await batchGet(
      this.client,
      this.table,
      unique.map((eventId) => dedupeKey(source, eventId)),
      'pk',
      true,
    );
    const prefix = `dedupe#${source}#`;
    return new Set(items.map((item) => String(item.pk).slice(prefix.length)));
  }

  /** Remembers that these eventIds were accepted for `source` (kept for good: dedupe never expires). */
  async markAccepted(source: Source, eventIds: readonly string[], acceptedAt: string): Promise<void> {
    await batchPut(
      this.client,
      this.table,
      eventIds.map((eventId) => ({ ...dedupeKey(source, eventId), acceptedAt })),
    );
  }

  /**
   * Records that `source` had records accepted at `acceptedAt` (an ISO 8601 UTC time as
   * `Date.toISOString` writes it), keeping the latest: a conditional put, which an earlier time
   * loses, so batches finishing out of order never move it back. Within `freshnessStepMs` of the
   * time this repository last wrote for the source nothing is written: the stored time lags the
   * latest batch by less than that step.
   */
  async markFeedFresh(source: Source, acceptedAt: string): Promise<void> {
    const at = Date.parse(acceptedAt);
    const written = this.freshnessWritten.get(source);
    if (written !== undefined && at < written + this.freshnessStepMs) return;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...feedKey(source), source, lastAcceptedAt: acceptedAt },
          ConditionExpression: 'attribute_not_exists(pk) OR lastAcceptedAt < :at',
          ExpressionAttributeValues: { ':at': acceptedAt },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    // Remembered only once stored: a batch skipped meanwhile never depends on a write that failed.
    if (at > (this.freshnessWritten.get(source) ?? Number.NEGATIVE_INFINITY))
      this.freshnessWritten.set(source, at);
  }

  /** When each of `sources` last had records accepted; a source that never had any is absent. */
  async feedFreshness(sources: readonly Source[]): Promise<Map<Source, string>> {
    const items = await batchGet(this.client, this.table, sources.map(feedKey), 'pk, lastAcceptedAt');
    return new Map(
      items.map((item) => [String(item.pk).slice('feed#'.length) as Source, String(item.lastAcceptedAt)]),
    );
  }

  /**
   * Claims a webhook-id of `source` for one request: succeeds when the id was never seen (or its 24 h
   * passed, or an earlier claim was abandoned over a minute ago); otherwise returns the first answer,
   * or nothing when the first request is still being processed.
   */
  async claimReply(source: Source, webhookId: string, now: number): Promise<WebhookClaim> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...replyKey(source, webhookId), expiresAt: epochSeconds(now) + CLAIM_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': epochSeconds(now) },
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: replyKey(source, webhookId), ConsistentRead: true }),
    );
    if (!Item?.answer) return { claimed: false };
    return {
      claimed: false,
      answer: JSON.parse(gunzipSync(Item.answer as Uint8Array).toString('utf8')) as IngestAnswer,
    };
  }

  /** Gives up a claim (the request failed before answering), so the source's retry is processed. */
  async releaseReply(source: Source, webhookId: string): Promise<void> {
    await this.client
      .send(
        new DeleteCommand({
          TableName: this.table,
          Key: replyKey(source, webhookId),
          ConditionExpression: 'attribute_not_exists(answer)',
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailed(error)) throw error;
      });
  }

  /** Stores the answer to a claimed webhook-id for 24 hours. */
  async saveReply(source: Source, webhookId: string, answer: IngestAnswer, now: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...replyKey(source, webhookId),
          // Gzipped: a 1000-record answer with every record's errors is far over 400 KB as JSON.
          answer: gzipSync(JSON.stringify(answer)),
          expiresAt: epochSeconds(now) + WEBHOOK_REPLY_TTL_SECONDS,
        },
      }),
    );
  }

  /** Keeps rejected records with their errors for 30 days. */
  async quarantine(
    source: Source,
    entries: readonly { index: number; record: unknown; errors: RecordError[] }[],
    requestId: string,
    now: number,
  ): Promise<void> {
    const arrivedAt = new Date(now).toISOString();
    await batchPut(
      this.client,
      this.table,
      entries.map(({ index, record, errors }) => {
        const json = JSON.stringify(record) ?? 'undefined';
        const truncated = json.length > MAX_QUARANTINED_RECORD_CHARS;
        return {
          pk: `quarantine#${source}`,
          sk: `${arrivedAt}#${requestId}#${String(index).padStart(4, '0')}`,
          source,
          arrivedAt,
          requestId,
          index,
          errors,
          record: truncated ? json.slice(0, MAX_QUARANTINED_RECORD_CHARS) : json,
          truncated,
          expiresAt: epochSeconds(now) + QUARANTINE_TTL_SECONDS,
        };
      }),
    );
  }

  /** The newest quarantined records of `source`, newest first. */
  async listQuarantine(source: Source, limit: number, now: number): Promise<QuarantinedRecord[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: 'expiresAt > :now',
          ExpressionAttributeValues: { ':pk': `quarantine#${source}`, ':now': epochSeconds(now) },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.slice(0, limit).map((item) => ({
      source: item.source as Source,
      arrivedAt: String(item.arrivedAt),
      requestId: String(item.requestId),
      index: Number(item.index),
      errors: item.errors as RecordError[],
      record: String(item.record),
      truncated: Boolean(item.truncated),
    }));
  }

  /**
   * Adds one event to an entity (idempotent: the event is stored under its eventId) and returns the
   * entity as it is right after the write, with every event stored so far. `likelyNew` (the event
   * usually opens its entity) tries creating the entity first, with `cohortDayIfNew` (the cohort day
   * of the event alone) already in place, so a new entity costs one write instead of a failed update,
   * a put and a cohort update.
   */
  async appendEvent<Event extends { eventId: string }>(
    kind: EntityKind,
    entityId: string,
    event: Event,
    { likelyNew = false, cohortDayIfNew }: { likelyNew?: boolean; cohortDayIfNew?: string | undefined } = {},
  ): Promise<EntityItem<Event>> {
    const key = entityKey(kind, entityId);
    const create = async (): Promise<EntityItem<Event> | undefined> => {
      const created = {
        ...key,
        kind,
        entityId,
        events: { [event.eventId]: event },
        ...(cohortDayIfNew === undefined
          ? {}
          : {
              derivedFrom: 1,
              cohortDay: cohortDayIfNew,
              gsi1pk: cohortPartition(kind, cohortDayIfNew),
              gsi1sk: entityId,
            }),
      };
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: created,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return toEntity<Event>(created);
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        return undefined;
      }
    };
    if (likelyNew) {
      const created = await create();
      if (created) return created;
    }
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { Attributes } = await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: key,
            UpdateExpression: 'SET events.#eventId = :event',
            ConditionExpression: 'attribute_exists(events)',
            ExpressionAttributeNames: { '#eventId': event.eventId },
            ExpressionAttributeValues: { ':event': event },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toEntity<Event>(Attributes ?? {});
      } catch (error) {
        if (!isConditionFailed(error) || attempt > 0) throw error;
      }
      const created = await create();
      if (created) return created;
    }
  }

  /**
   * Records the entity's derived cohort day, unless a write derived from at least as many events
   * got there first (so a slower consumer never overwrites a newer derivation).
   */
  async saveCohort(
    kind: EntityKind,
    entityId: string,
    cohortDay: string | undefined,
    eventCount: number,
  ): Promise<void> {
    // The day goes into the index first, so a retry after a failure below still finds it there.
    if (cohortDay !== undefined) await this.markDay(cohortDay);
    const common = {
      TableName: this.table,
      Key: entityKey(kind, entityId),
      ConditionExpression: 'attribute_not_exists(derivedFrom) OR derivedFrom < :count',
    };
    try {
      await this.client.send(
        cohortDay === undefined
          ? new UpdateCommand({
              ...common,
              UpdateExpression: 'SET derivedFrom = :count REMOVE cohortDay, gsi1pk, gsi1sk',
              ExpressionAttributeValues: { ':count': eventCount },
            })
          : new UpdateCommand({
              ...common,
              UpdateExpression: 'SET derivedFrom = :count, cohortDay = :day, gsi1pk = :cohort, gsi1sk = :id',
              ExpressionAttributeValues: {
                ':count': eventCount,
                ':day': cohortDay,
                ':cohort': cohortPartition(kind, cohortDay),
                ':id': entityId,
              },
            }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  /** Adds a day to the index of days with data (once per repository: the index only grows). */
  async markDay(day: string): Promise<void> {
    if (this.markedDays.has(day)) return;
    await this.client.send(new PutCommand({ TableName: this.table, Item: { pk: DAYS_PK, sk: day } }));
    this.markedDays.add(day);
  }

  /** Every day that has (or had) a ticket or case in its cohort, sorted. */
  async listDays(): Promise<string[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': DAYS_PK },
    });
    return items.map((item) => String(item.sk));
  }

  /** Stores the data-quality findings of one day (replacing earlier ones). */
  async saveQuality(date: string, unknownCodes: UnknownCodes): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.table, Item: { pk: QUALITY_PK, sk: date, unknownCodes } }),
    );
  }

  /** Data-quality findings of the days from `from` to `to`. */
  async listQuality(from: string, to: string): Promise<{ date: string; unknownCodes: UnknownCodes }[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': QUALITY_PK, ':from': from, ':to': to },
    });
    return items.map((item) => ({ date: String(item.sk), unknownCodes: item.unknownCodes as UnknownCodes }));
  }

  /** Records sync announcements made for an entity, so they are never made twice. */
  async markAnnounced(kind: EntityKind, entityId: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: entityKey(kind, entityId),
        UpdateExpression: 'ADD announced :keys',
        ExpressionAttributeValues: { ':keys': new Set(keys) },
      }),
    );
  }

  /** Every entity of a kind whose cohort day is `day`. */
  async listCohort<Event>(kind: EntityKind, day: string): Promise<EntityItem<Event>[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :cohort',
      ExpressionAttributeValues: { ':cohort': cohortPartition(kind, day) },
    });
    return items.map((item) => toEntity<Event>(item));
  }
}

const toEntity = <Event>(item: Record<string, unknown>): EntityItem<Event> => ({
  kind: item.kind as EntityKind,
  entityId: String(item.entityId),
  events: (item.events ?? {}) as Record<string, Event>,
  cohortDay: typeof item.cohortDay === 'string' ? item.cohortDay : undefined,
  announced: new Set(item.announced instanceof Set ? [...(item.announced as Set<string>)] : []),
});
