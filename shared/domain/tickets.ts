import { hasPlacement, type PlacementFields } from '#shared/domain/areas';
import { chronological, earliestOf, latestOf } from '#shared/domain/entity-events';
import { addCalendarDays, localDate, toEpochMs } from '#shared/domain/time';
import type { HotlineRecord } from '#shared/schemas/ingest';

/** Calendar days a ticket has to be closed, by severity, when no event carries a deadline. */
export const ticketDeadlineDays = { minor: 1, major: 2, difficult: 3 } as const;

/** A 12345 ticket's state, derived from all its events (CONTRACT §5 "Hotline tickets"). */
export interface TicketState {
  readonly ticketId: string;
  /** Earliest `received` time (epoch ms); undefined until a `received` event is known. */
  readonly receivedAt: number | undefined;
  /** Local day of `receivedAt`: the ticket's cohort. */
  readonly cohortDay: string | undefined;
  readonly closed: boolean;
  /** Time of the `closed` event that closed it, when closed. */
  readonly closedAt: number | undefined;
  /** Deadline (epoch ms), when known. */
  readonly deadline: number | undefined;
  /** Whether the ticket has any callback event. */
  readonly calledBack: boolean;
  /** Satisfaction of the latest callback (undefined when that callback carries none). */
  readonly satisfaction: HotlineRecord['satisfaction'];
  /** Category of the latest event. */
  readonly category: string | undefined;
  /** Placement fields of the earliest event that carries any. */
  readonly placement: PlacementFields;
}

/** Derives a ticket's state from its events, whatever order they arrived in. */
export const deriveTicket = (
  ticketId: string,
  events: Iterable<HotlineRecord>,
  timeZone: string,
): TicketState => {
  const sorted = chronological(events);
  const received = earliestOf(sorted, ['received']);
  const receivedAt = received ? toEpochMs(received.occurredAt) : undefined;
  const closing = latestOf(sorted, ['closed', 'reopened']);
  const closed = closing?.type === 'closed';
  const withDeadline = sorted.findLast((event) => event.deadlineAt !== undefined);
  const severity = sorted.findLast((event) => event.severity !== undefined)?.severity ?? 'minor';
  let deadline: number | undefined;
  if (withDeadline?.deadlineAt) deadline = toEpochMs(withDeadline.deadlineAt);
  else if (receivedAt !== undefined)
    deadline = addCalendarDays(receivedAt, ticketDeadlineDays[severity], timeZone);
  const placed = sorted.find(hasPlacement);
  const latestCallback = latestOf(sorted, ['callback']);
  return {
    ticketId,
    receivedAt,
    cohortDay: receivedAt === undefined ? undefined : localDate(receivedAt, timeZone),
    closed,
    closedAt: closed && closing ? toEpochMs(closing.occurredAt) : undefined,
    deadline,
    calledBack: latestCallback !== undefined,
    satisfaction: latestCallback?.satisfaction,
    category: sorted.at(-1)?.category,
    placement: placed ? { district: placed.district, street: placed.street, location: placed.location } : {},
  };
};
