import type { BusEvent } from '#shared/events/definition';

/**
 * Ports that several use-cases share. Each use-case module declares the rest of what it needs;
 * adapters in `shared/adapters` implement them and `shared/composition` wires them.
 */

/** Puts events on the cityhub bus. */
export interface EventPublisher {
  /** Publishes every event or throws: never returns with an event left unsent. */
  publish(events: readonly BusEvent[]): Promise<void>;
}

/** The index of days that have facts, which reference changes and the nightly run walk. */
export interface DayIndex {
  /** Adds a day to the index (idempotent; the index only grows). */
  markDay(day: string): Promise<void>;
  /** Every day in the index, sorted. */
  listDays(): Promise<string[]>;
}
