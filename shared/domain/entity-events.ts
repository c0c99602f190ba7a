import { toEpochMs } from '#shared/domain/time';

/** The minimum every lifecycle event carries. */
export interface LifecycleEvent {
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
}

/**
 * Events in the order that defines an entity's state: by `occurredAt` (as an instant, so offsets
 * compare correctly), ties broken by `eventId`, so any arrival order yields the same order.
 */
export const chronological = <Event extends LifecycleEvent>(events: Iterable<Event>): Event[] =>
  // Each time is parsed once, not once per comparison.
  Array.from(events, (event) => ({ event, at: toEpochMs(event.occurredAt) }))
    .sort((a, b) => a.at - b.at || compare(a.event.eventId, b.event.eventId))
    .map(({ event }) => event);

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The latest event (of sorted events) of any of `types`, or undefined. */
export const latestOf = <Event extends LifecycleEvent>(
  sorted: readonly Event[],
  types: readonly Event['type'][],
): Event | undefined => sorted.findLast((event) => types.includes(event.type));

/** The earliest event (of sorted events) of any of `types`, or undefined. */
export const earliestOf = <Event extends LifecycleEvent>(
  sorted: readonly Event[],
  types: readonly Event['type'][],
): Event | undefined => sorted.find((event) => types.includes(event.type));
