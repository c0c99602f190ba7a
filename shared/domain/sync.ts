import { type AreaRegistry, hasPlacement, placeRecord } from '#shared/domain/areas';
import { chronological } from '#shared/domain/entity-events';
import type { BusEvent } from '#shared/events/definition';
import { busEvent } from '#shared/events/definition';
import { syncCaseRequested, syncTicketResolved } from '#shared/events/webhooks';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';
import { categoryMatcher, type SyncRules } from '#shared/schemas/subscriptions';

/** Sync events due for an entity, and the keys that record them as announced. */
export interface SyncAnnouncements {
  readonly events: BusEvent[];
  readonly keys: string[];
}

const none: SyncAnnouncements = { events: [], keys: [] };
const iso = (instant: string) => new Date(instant).toISOString();

/**
 * `sync.case-requested` for a ticket (CONTRACT §7): once it has a `received` event in a category the
 * rules hand to the city platform; announced once per ticket, whatever arrives later.
 */
export const ticketSync = (
  ticketId: string,
  events: readonly HotlineRecord[],
  announced: ReadonlySet<string>,
  rules: SyncRules,
  areas: AreaRegistry,
): SyncAnnouncements => {
  if (announced.has('case-requested') || rules.ticketCategoriesToCityPlatform.length === 0) return none;
  const sorted = chronological(events);
  const received = sorted.find((event) => event.type === 'received');
  if (!received || !categoryMatcher(rules.ticketCategoriesToCityPlatform)(received.category)) return none;
  const placed = sorted.find(hasPlacement);
  return {
    events: [
      busEvent(syncCaseRequested, {
        ticketId,
        category: received.category,
        areas: placeRecord(placed ?? {}, areas),
        ...(placed?.location ? { location: placed.location } : {}),
        receivedAt: iso(received.occurredAt),
      }),
    ],
    keys: ['case-requested'],
  };
};

/**
 * `sync.ticket-resolved` for a case linked to a ticket: one per closure — a `closed` event that follows
 * a time when the case was not closed (no earlier close, or a rework after it) — announced once each.
 */
export const caseSync = (
  caseId: string,
  events: readonly CityPlatformRecord[],
  announced: ReadonlySet<string>,
  areas: AreaRegistry,
): SyncAnnouncements => {
  const sorted = chronological(events);
  const ticketId = sorted.findLast((event) => event.linkedTicketId)?.linkedTicketId;
  if (!ticketId) return none;
  const closures: CityPlatformRecord[] = [];
  let closed = false;
  for (const event of sorted) {
    if (event.type === 'rework') closed = false;
    if (event.type === 'closed') {
      if (!closed) closures.push(event);
      closed = true;
    }
  }
  const fresh = closures.filter((closure) => !announced.has(`resolved:${closure.eventId}`));
  const placed = sorted.find(hasPlacement);
  return {
    events: fresh.map((closure) =>
      busEvent(syncTicketResolved, {
        ticketId,
        caseId,
        closingEventId: closure.eventId,
        closedAt: iso(closure.occurredAt),
        areas: placeRecord(placed ?? {}, areas),
      }),
    ),
    keys: fresh.map((closure) => `resolved:${closure.eventId}`),
  };
};
