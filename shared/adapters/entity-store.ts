import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, queryAll } from '#shared/adapters/dynamo';
import type { DayIndex } from '#shared/app/ports';
import type { CohortReader } from '#shared/app/recompute';
import type { EntityWriter } from '#shared/app/record-entity-event';
import type { EntityItem, EntityKind } from '#shared/domain/entity-events';

const ENTITY_SK = 'entity';
const entityKey = (kind: EntityKind, entityId: string) => ({ pk: `${kind}#${entityId}`, sk: ENTITY_SK });
const cohortPartition = (kind: EntityKind, day: string) => `cohort#${kind}#${day}`;

/**
 * Tickets and cases with their events, and the cohort index (gsi1) recomputes read a day's entities
 * from. Key design: docs/architecture.md.
 */
export class EntityStore implements EntityWriter, CohortReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly days: DayIndex,
  ) {}

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
    if (cohortDay !== undefined) await this.days.markDay(cohortDay);
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
