import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  batchGet,
  DUPLICATE_ITEM,
  executeStatements,
  isConditionFailed,
  queryAll,
} from '#shared/adapters/dynamo';
import { type EventWriter, eventPairKey, type StoreOutcome } from '#shared/app/ingest';
import type { EntityEventsReader } from '#shared/app/reconcile';
import type { EntityEvents } from '#shared/app/record-entity-event';
import type { EntityKind } from '#shared/domain/entity-events';

const partition = (kind: EntityKind, entityId: string) => `${kind}#${entityId}`;
const EVENT_PREFIX = 'e#';
const ANNOUNCED_SK = 'announced';
const eventKey = (kind: EntityKind, entityId: string, eventId: string) => ({
  pk: partition(kind, entityId),
  sk: `${EVENT_PREFIX}${eventId}`,
});

/**
 * Tickets and cases as their events: one item per event in the entity's partition, written once (by
 * ingest once the event is on the bus, or by the facts consumer when ingest died before) with its own
 * absence as the condition, which is the deduplication, and the webhook-id of the request that brought
 * it; and one item of the sync announcements made for the entity. Key design: docs/architecture.md.
 */
export class EventStore implements EntityEvents, EntityEventsReader, EventWriter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Stores one event of an entity unless an event with its id is stored; true when this call stored it. */
  async putEvent<Event extends { eventId: string }>(
    kind: EntityKind,
    entityId: string,
    event: Event,
    acceptedAt: string,
  ): Promise<boolean> {
    // Stored by the facts consumer (ingest did not get to it): no webhook-id.
    return (await this.put(kind, entityId, event, acceptedAt)).stored;
  }

  /**
   * The one write of an event: a put conditional on its absence. When an event with its id is stored,
   * says which webhook-id that one came with (from the refused write's answer; read only when the
   * answer lacks the item).
   */
  private async put(
    kind: EntityKind,
    entityId: string,
    event: { eventId: string },
    acceptedAt: string,
    webhookId?: string,
  ): Promise<{ stored: true } | { stored: false; by: string | undefined }> {
    const key = eventKey(kind, entityId, event.eventId);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key, event, acceptedAt, ...(webhookId === undefined ? {} : { w: webhookId }) },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { stored: true };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const old = (error as { Item?: Record<string, unknown> }).Item;
      if (old) return { stored: false, by: webhookIdOf(old.w) };
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true, ProjectionExpression: 'w' }),
      );
      return { stored: false, by: webhookIdOf(Item?.w) };
    }
  }

  /**
   * Every stored event of an entity and the sync announcements made for it, read consistently: the
   * result holds every event whose write finished before the read. `lastStoredAt` is when the newest
   * of them was stored (epoch ms), by ingest or by the facts consumer.
   */
  async readEntity<Event>(
    kind: EntityKind,
    entityId: string,
  ): Promise<{ events: Event[]; announced: ReadonlySet<string>; lastStoredAt: number | undefined }> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partition(kind, entityId) },
      ConsistentRead: true,
    });
    const events: Event[] = [];
    let announced: ReadonlySet<string> = new Set();
    let lastStoredAt: number | undefined;
    for (const item of items) {
      const sk = String(item.sk);
      if (sk.startsWith(EVENT_PREFIX)) {
        events.push(item.event as Event);
        const storedAt = typeof item.acceptedAt === 'string' ? Date.parse(item.acceptedAt) : Number.NaN;
        if (storedAt > (lastStoredAt ?? Number.NEGATIVE_INFINITY)) lastStoredAt = storedAt;
      } else if (sk === ANNOUNCED_SK && item.announced instanceof Set)
        announced = item.announced as Set<string>;
    }
    return { events, announced, lastStoredAt };
  }

  /** Records sync announcements made for an entity, so they are never made twice. */
  async markAnnounced(kind: EntityKind, entityId: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: partition(kind, entityId), sk: ANNOUNCED_SK },
        UpdateExpression: 'ADD announced :keys',
        ExpressionAttributeValues: { ':keys': new Set(keys) },
      }),
    );
  }

  async findStored(
    kind: EntityKind,
    events: readonly { entityId: string; eventId: string }[],
  ): Promise<Map<string, string | undefined>> {
    const keys = new Map(
      events.map(({ entityId, eventId }) => [
        eventPairKey(entityId, eventId),
        eventKey(kind, entityId, eventId),
      ]),
    );
    const items = await batchGet(this.client, this.table, [...keys.values()], 'pk, sk, w');
    return new Map(
      items.map((item) => [
        eventPairKey(String(item.pk).slice(kind.length + 1), String(item.sk).slice(EVENT_PREFIX.length)),
        typeof item.w === 'string' ? item.w : undefined,
      ]),
    );
  }

  /**
   * Stores a request's events, each with its absence as the condition: one event by a conditional put;
   * several by PartiQL INSERTs, 25 to a call (an INSERT fails on an existing key, and costs what the
   * put costs), so a request of 1000 events makes 40 calls rather than 1000.
   */
  async storeEvents(
    kind: EntityKind,
    events: readonly { entityId: string; event: { eventId: string } }[],
    webhookId: string,
    acceptedAt: string,
  ): Promise<StoreOutcome[]> {
    const [only] = events;
    if (only && events.length === 1)
      return [await this.storeOne(kind, only.entityId, only.event, webhookId, acceptedAt)];
    const keys = events.map(({ entityId, event }) => eventKey(kind, entityId, event.eventId));
    const errors = await executeStatements(
      this.client,
      events.map(({ event }, index) => ({
        Statement: `INSERT INTO "${this.table}" VALUE {'pk': ?, 'sk': ?, 'event': ?, 'acceptedAt': ?, 'w': ?}`,
        Parameters: [keys[index]?.pk, keys[index]?.sk, event, acceptedAt, webhookId],
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      })),
      DUPLICATE_ITEM,
    );
    // Which webhook-id each existing event came with: from the refused statement when it says, else
    // read (consistently: the item exists, it may have been written just now).
    const unknown = keys.filter((_, index) => errors[index] && errors[index]?.Item === undefined);
    const found = new Map(
      (await batchGet(this.client, this.table, unknown, 'pk, sk, w', true)).map((item) => [
        `${String(item.pk)}\t${String(item.sk)}`,
        webhookIdOf(item.w),
      ]),
    );
    return keys.map((key, index): StoreOutcome => {
      const error = errors[index];
      if (!error) return 'stored';
      const by = error.Item ? webhookIdOf(error.Item.w) : found.get(`${key.pk}\t${key.sk}`);
      return outcomeOf(by, webhookId);
    });
  }

  private async storeOne(
    kind: EntityKind,
    entityId: string,
    event: { eventId: string },
    webhookId: string,
    acceptedAt: string,
  ): Promise<StoreOutcome> {
    const outcome = await this.put(kind, entityId, event, acceptedAt, webhookId);
    return outcome.stored ? 'stored' : outcomeOf(outcome.by, webhookId);
  }
}

/**
 * What an event found stored means for the request storing it: this request's (a retry), or another's.
 * No webhook-id: the facts consumer stored it from the bus, most likely from this request's own
 * publish just now; counting it as this request's is the answer CONTRACT §10 allows either way.
 */
const outcomeOf = (by: string | undefined, webhookId: string): StoreOutcome =>
  by === webhookId || by === undefined ? 'stored-by-this-request' : 'duplicate';

/** A stored webhook-id, as the document client gives it or as a refused write's raw answer holds it. */
const webhookIdOf = (w: unknown): string | undefined => {
  if (typeof w === 'string') return w;
  const raw = (w as { S?: unknown } | undefined)?.S;
  return typeof raw === 'string' ? raw : undefined;
};
