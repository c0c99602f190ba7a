import type { EntityKind } from '#shared/domain/entity-events';
import type { EntityFacts } from '#shared/domain/entity-facts';
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

/** The index of days with events or points, which reference changes and the end-of-day figures walk. */
export interface DayIndex {
  /** Adds a day to the index (idempotent; the index only grows). */
  markDay(day: string): Promise<void>;
  /** Every day in the index, sorted. */
  listDays(): Promise<string[]>;
}

/** The cohort logs: per (kind, day), the facts of every entity with an event that day (its cohort's candidates). */
export interface CohortLog {
  /** Adds entities' facts to the log of (kind, day). */
  append(kind: EntityKind, day: string, facts: readonly EntityFacts[], now: number): Promise<void>;
  /** The latest facts of every entity the log of (kind, day) names (members of the cohort or not). */
  read<Kind extends EntityKind>(
    kind: Kind,
    day: string,
    now: number,
  ): Promise<Extract<EntityFacts, { kind: Kind }>[]>;
}
