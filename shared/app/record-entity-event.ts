import type { DayIndex, EventPublisher } from '#shared/app/ports';
import type { AreaRegistry } from '#shared/domain/areas';
import type { EntityKind } from '#shared/domain/entity-events';
import { type EntityFacts, entityFacts, foldFacts } from '#shared/domain/entity-facts';
import { caseSync, ticketSync } from '#shared/domain/sync';
import { type BusEvent, busEvent } from '#shared/events/definition';
import { factsChanged } from '#shared/events/facts-changed';
import type { EntityRecordAcceptedDetail } from '#shared/events/record-accepted';
import { type CityPlatformRecord, type HotlineRecord, knownFields } from '#shared/schemas/ingest';
import type { SyncRules } from '#shared/schemas/subscriptions';

/** Tickets and cases as their stored events. */
export interface EntityEvents {
  /**
   * Stores one event unless the entity has one with its id (`acceptedAt`: when ingest accepted it);
   * true when this call stored it.
   */
  putEvent<Event extends { eventId: string }>(
    kind: EntityKind,
    entityId: string,
    event: Event,
    acceptedAt: string,
  ): Promise<boolean>;
  /** Every event stored for the entity before the call (a consistent read), and its sync announcements. */
  readEntity<Event>(
    kind: EntityKind,
    entityId: string,
  ): Promise<{ events: Event[]; announced: ReadonlySet<string> }>;
  /** Records sync announcements made for an entity, so they are never made twice. */
  markAnnounced(kind: EntityKind, entityId: string, keys: readonly string[]): Promise<void>;
}

export interface FactsDeps {
  readonly entities: EntityEvents;
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
 * Derives the facts of the entity of one accepted ticket or case event from every event stored so far
 * (ingest stores each event right after publishing it; one the store lacks, because ingest died in
 * between or the event was replayed from the bus archive, is stored first). Idempotent: a repeat
 * derives the same facts again.
 */
export const recordEntityEvent = async (
  detail: EntityRecordAcceptedDetail,
  deps: FactsDeps,
): Promise<EntityFacts> => {
  const { kind, entityId } = entityOf(detail);
  // The detail passed the record's schema on its way in (deliveredDetail): its known fields suffice.
  const known = knownFields<EntityEvent>(detail.source, detail.record);
  let { events, announced } = await deps.entities.readEntity<EntityEvent>(kind, entityId);
  // Ingest stores the event once it is published; it may not have (it died in between, or this is a
  // replay from the bus archive): then it is stored here.
  if (!events.some((event) => event.eventId === known.eventId)) {
    await deps.entities.putEvent<EntityEvent>(kind, entityId, known, detail.acceptedAt);
    ({ events, announced } = await deps.entities.readEntity<EntityEvent>(kind, entityId));
  }
  const facts = entityFacts(kind, entityId, events, deps.timeZone);
  // The index of days lists the days of events (a reference change recomputes them, the end-of-day
  // figures read their logs); it only grows.
  for (const day of facts.days) await deps.days.markDay(day);
  if (deps.sync) {
    const due =
      kind === 'ticket'
        ? ticketSync(entityId, events as HotlineRecord[], announced, deps.sync.rules, deps.sync.areas)
        : caseSync(entityId, events as CityPlatformRecord[], announced, deps.sync.areas);
    // Announced before being marked: a failure in between repeats the event with the same id, never loses it.
    await deps.publisher.publish(due.events);
    await deps.entities.markAnnounced(kind, entityId, due.keys);
  }
  return facts;
};

/** JSON bytes of entities' facts per `facts.changed` event: well under EventBridge's 256 KB entry. */
const FACTS_BYTES_PER_EVENT = 128 * 1024;

/**
 * Announces entities' new facts: their cohort logs take them and the days they reach are
 * recomputed (the recompute writes them to the logs, once per run and day, not once per event). Of
 * an entity's several facts in one batch only the latest derivation goes out. `eventsFrom` is the
 * earliest local day of the events that led to them (end-of-day figures from then on may change).
 */
export const announceChangedFacts = async (
  facts: readonly EntityFacts[],
  reason: string,
  deps: Pick<FactsDeps, 'publisher'>,
  eventsFrom?: string,
): Promise<void> => {
  const latest = [...foldFacts(facts).values()].filter((entity) => entity.days.length > 0);
  const events: BusEvent[] = [];
  let batch: EntityFacts[] = [];
  let bytes = 0;
  const flush = () => {
    if (batch.length === 0) return;
    const days = [...new Set(batch.flatMap((entity) => entity.days))].sort();
    events.push(
      busEvent(factsChanged, { days, reason, entities: batch, ...(eventsFrom ? { eventsFrom } : {}) }),
    );
    batch = [];
    bytes = 0;
  };
  for (const entity of latest) {
    const size = Buffer.byteLength(JSON.stringify(entity));
    if (bytes + size > FACTS_BYTES_PER_EVENT) flush();
    batch.push(entity);
    bytes += size;
  }
  flush();
  await deps.publisher.publish(events);
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
