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

/** Kinds of entity that keep their lifecycle events. */
export type EntityKind = 'ticket' | 'case';

/** An entity: its events by eventId, and the state derived from them when it was last written. */
export interface EntityItem<Event> {
  readonly kind: EntityKind;
  readonly entityId: string;
  readonly events: Record<string, Event>;
  /** Cohort day derived from the events, if any. */
  readonly cohortDay: string | undefined;
  /** Sync announcements already made for this entity (e.g. `case-requested`, `resolved:<eventId>`). */
  readonly announced: ReadonlySet<string>;
}
