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
 * `sync.ticket-resolved` for a case linked to a ticket: one per closure — the closed events between two
 * reworks (or before the first, or after the last) — announced once each, for its earliest close seen.
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
  // A closure is a stretch of closed events between reworks; it was announced if any of them was (a
  // later close can arrive first and be announced before the earlier one of the same stretch).
  const stretches: CityPlatformRecord[][] = [];
  let open = true;
  for (const event of sorted) {
    if (event.type === 'rework') open = true;
    if (event.type !== 'closed') continue;
    if (open) stretches.push([]);
    stretches.at(-1)?.push(event);
    open = false;
  }
  const fresh = stretches
    .filter((stretch) => !stretch.some((closed) => announced.has(`resolved:${closed.eventId}`)))
    .map((stretch) => stretch[0] as CityPlatformRecord);
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
