import type { DayIndex, EventPublisher } from '#shared/app/ports';
import type { AreaRegistry } from '#shared/domain/areas';
import { cohortDayOf } from '#shared/domain/cohort';
import type { EntityItem, EntityKind } from '#shared/domain/entity-events';
import { caseSync, ticketSync } from '#shared/domain/sync';
import { busEvent } from '#shared/events/definition';
import { factsChanged } from '#shared/events/facts-changed';
import type { EntityRecordAcceptedDetail } from '#shared/events/record-accepted';
import {
  type CityPlatformRecord,
  cityPlatformEventSchema,
  type HotlineRecord,
  hotlineEventSchema,
} from '#shared/schemas/ingest';
import type { SyncRules } from '#shared/schemas/subscriptions';

/** Where tickets and cases keep their events and derived cohort day. */
export interface EntityWriter {
  /**
   * Adds one event to an entity (idempotent by eventId) and returns the entity right after the write.
   * `likelyNew` tries creating the entity first, with `cohortDayIfNew` (the event's own cohort day).
   */
  appendEvent<Event extends { eventId: string }>(
    kind: EntityKind,
    entityId: string,
    event: Event,
    options?: { likelyNew?: boolean; cohortDayIfNew?: string | undefined },
  ): Promise<EntityItem<Event>>;
  /** Records the entity's derived cohort day unless a derivation from as many events got there first. */
  saveCohort(
    kind: EntityKind,
    entityId: string,
    cohortDay: string | undefined,
    eventCount: number,
  ): Promise<void>;
  /** Records sync announcements made for an entity, so they are never made twice. */
  markAnnounced(kind: EntityKind, entityId: string, keys: readonly string[]): Promise<void>;
}

export interface FactsDeps {
  readonly entities: EntityWriter;
  readonly days: Pick<DayIndex, 'markDay'>;
  /** Sync rules and areas, when sync events should be announced. */
  readonly sync?: { readonly rules: SyncRules; readonly areas: AreaRegistry };
  readonly publisher: EventPublisher;
  readonly timeZone: string;
}

type EntityEvent = HotlineRecord | CityPlatformRecord;

const entityOf = (detail: EntityRecordAcceptedDetail): { kind: EntityKind; entityId: string } =>
  detail.source === 'hotline'
    ? { kind: 'ticket', entityId: detail.record.ticketId }
    : { kind: 'case', entityId: detail.record.caseId };

/**
 * Stores one accepted ticket or case event in its entity and keeps the entity's cohort day current.
 * Idempotent. Returns the days whose indicators the event can change: the entity's cohort day now,
 * and the one it had before if that moved.
 */
export const recordEntityEvent = async (
  detail: EntityRecordAcceptedDetail,
  deps: FactsDeps,
): Promise<string[]> => {
  const { kind, entityId } = entityOf(detail);
  const known =
    detail.source === 'hotline'
      ? hotlineEventSchema.parse(detail.record)
      : cityPlatformEventSchema.parse(detail.record);
  // The event that opens a ticket or case usually arrives first: the entity is created with its cohort.
  const likelyNew = known.type === 'received' || known.type === 'reported';
  const cohortDayIfNew = likelyNew ? cohortDayOf(kind, entityId, [known], deps.timeZone) : undefined;
  const entity = await deps.entities.appendEvent<EntityEvent>(kind, entityId, known, {
    likelyNew,
    cohortDayIfNew,
  });
  const events = Object.values(entity.events);
  const cohortDay = cohortDayOf(kind, entityId, events, deps.timeZone);
  // Marked on every event (the repository remembers the days it marked), so a retry after a failure
  // right after the entity was created with its cohort still puts the day in the index.
  if (cohortDay !== undefined && cohortDay === entity.cohortDay) await deps.days.markDay(cohortDay);
  if (cohortDay !== entity.cohortDay)
    await deps.entities.saveCohort(kind, entityId, cohortDay, events.length);
  if (deps.sync) {
    const due =
      kind === 'ticket'
        ? ticketSync(entityId, events as HotlineRecord[], entity.announced, deps.sync.rules, deps.sync.areas)
        : caseSync(entityId, events as CityPlatformRecord[], entity.announced, deps.sync.areas);
    // Announced before being marked: a failure in between repeats the event with the same id, never loses it.
    await deps.publisher.publish(due.events);
    await deps.entities.markAnnounced(kind, entityId, due.keys);
  }
  return [...new Set([cohortDay, entity.cohortDay].filter((day): day is string => day !== undefined))];
};

/** Announces that the facts of these days changed, so their indicators are recomputed. */
export const announceChangedDays = async (
  days: Iterable<string>,
  reason: string,
  deps: Pick<FactsDeps, 'publisher'>,
): Promise<void> => {
  const sorted = [...new Set(days)].sort();
  if (sorted.length === 0) return;
  await deps.publisher.publish([busEvent(factsChanged, { days: sorted, reason })]);
};
