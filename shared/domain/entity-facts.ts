import { type CaseBasis, deriveCaseBasis } from '#shared/domain/cases';
import type { EntityKind } from '#shared/domain/entity-events';
import { deriveTicket, type TicketState } from '#shared/domain/tickets';
import { localDate, toEpochMs } from '#shared/domain/time';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';

/** How many of an entity's events name one (district, street) pair (either may be absent). */
export interface CodeCount {
  readonly district?: string | undefined;
  readonly street?: string | undefined;
  readonly count: number;
}

/**
 * Whether an item was open at the end of one of its event days, and what its deadline came from then:
 * a ticket received and not closed (its deadline); a case filed, not closed, cancelled nor suspended
 * (its filing time, explicit deadline and urgency: the working calendar gives the rest). Absent when
 * the item was not open; empty (`{}`) when what the deadline came from is what the final state says,
 * as it mostly is (a few bytes per entity less in every log).
 */
export interface DayEnd<Open> {
  readonly day: string;
  readonly open?: Open | Record<string, never>;
}
export interface TicketOpen {
  readonly deadline: number;
}
export interface CaseOpen {
  readonly filedAt: number;
  readonly deadlineAt?: number;
  readonly urgent: boolean;
}

interface FactsOf<Kind extends EntityKind, State, Open> {
  readonly kind: Kind;
  readonly id: string;
  /** How many events the facts were derived from: of two derivations, the one from more events wins. */
  readonly n: number;
  /**
   * The local days of all its events: every day some subset of the events could give as the cohort
   * day (the cohorts these facts must reach, to join one of them or to leave one an earlier derivation
   * placed the entity in), and every day whose end the events settle the item's status at.
   */
  readonly days: readonly string[];
  /**
   * The item's status at the end of its event days, in day order, each only where it differs from the
   * day before: its status at the end of any day is that of the last entry up to that day (events
   * after a day cannot change how it ended). Absent in facts stored before it was kept.
   */
  readonly ends?: readonly DayEnd<Open>[];
  /** The area codes the events carry, for the day's data-quality report. */
  readonly codes: readonly CodeCount[];
  readonly state: State;
}

/**
 * What the indicators need of one ticket or case: its state derived from all its events, without
 * anything that depends on reference data (a case's deadline waits for the working calendar). A few
 * hundred bytes, however many events the entity has; a recompute reads these, never the events.
 */
export type TicketFacts = FactsOf<'ticket', TicketState, TicketOpen>;
export type CaseFacts = FactsOf<'case', CaseBasis, CaseOpen>;
export type EntityFacts = TicketFacts | CaseFacts;

/** What the facts read of any event: its time and the area codes it carries. */
type CodedEvent = { occurredAt: string; district?: string | undefined; street?: string | undefined };

const codesOf = (events: readonly { district?: string | undefined; street?: string | undefined }[]) => {
  const counts = new Map<
    string,
    { district?: string | undefined; street?: string | undefined; count: number }
  >();
  for (const { district, street } of events) {
    if (!district && !street) continue;
    const key = JSON.stringify([district ?? null, street ?? null]);
    const entry = counts.get(key) ?? {
      ...(district ? { district } : {}),
      ...(street ? { street } : {}),
      count: 0,
    };
    entry.count += 1;
    counts.set(key, entry);
  }
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
};

/**
 * The status at the end of each event day, from the events that occurred up to then, keeping only
 * the entries that differ from the one before.
 */
const endsOf = <Event, Open>(
  events: readonly Event[],
  dayOf: readonly string[],
  days: readonly string[],
  openAt: (events: readonly Event[]) => Open | undefined,
  final: Open | undefined,
): DayEnd<Open>[] => {
  const finalKey = JSON.stringify(final ?? null);
  const ends: DayEnd<Open>[] = [];
  let last: string | undefined;
  for (const day of days) {
    const open = openAt(events.filter((_, index) => (dayOf[index] as string) <= day));
    const key = JSON.stringify(open ?? null);
    if (key === last) continue;
    last = key;
    ends.push(open ? { day, open: key === finalKey ? {} : open } : { day });
  }
  return ends;
};

/** An entity's facts from all its events, given how its kind derives its state and its open status. */
const factsOf = <Kind extends EntityKind, Event extends CodedEvent, State, Open>(
  kind: Kind,
  id: string,
  events: readonly Event[],
  timeZone: string,
  derive: (events: readonly Event[]) => State,
  basisOf: (state: State) => Open | undefined,
  isOpen: (state: State) => boolean,
): FactsOf<Kind, State, Open> => {
  const dayOf = events.map((event) => localDate(toEpochMs(event.occurredAt), timeZone));
  const days = [...new Set(dayOf)].sort();
  const state = derive(events);
  const openAt = (some: readonly Event[]) => {
    // The last day's events are all of them: their state is derived already.
    const then = some.length === events.length ? state : derive(some);
    return isOpen(then) ? basisOf(then) : undefined;
  };
  return {
    kind,
    id,
    n: events.length,
    days,
    ends: endsOf(events, dayOf, days, openAt, basisOf(state)),
    codes: codesOf(events),
    state,
  };
};

/** What a ticket's deadline comes from (undefined before its receipt). */
export const ticketBasis = (state: TicketState): TicketOpen | undefined =>
  state.receivedAt !== undefined && state.deadline !== undefined ? { deadline: state.deadline } : undefined;

/** What a case's deadline comes from, the calendar aside (undefined before its filing). */
export const caseBasis = (state: CaseBasis): CaseOpen | undefined =>
  state.filedAt === undefined
    ? undefined
    : {
        filedAt: state.filedAt,
        ...(state.deadlineAt === undefined ? {} : { deadlineAt: state.deadlineAt }),
        urgent: state.urgent,
      };

/** A ticket's facts from all its events (any order). */
export const ticketFacts = (
  ticketId: string,
  events: readonly HotlineRecord[],
  timeZone: string,
): TicketFacts =>
  factsOf(
    'ticket',
    ticketId,
    events,
    timeZone,
    (some) => deriveTicket(ticketId, some, timeZone),
    ticketBasis,
    (state) => !state.closed,
  );

/** A case's facts from all its events (any order). */
export const caseFacts = (
  caseId: string,
  events: readonly CityPlatformRecord[],
  timeZone: string,
): CaseFacts =>
  factsOf(
    'case',
    caseId,
    events,
    timeZone,
    (some) => deriveCaseBasis(caseId, some, timeZone),
    caseBasis,
    (state) => state.due && !state.closed,
  );

/** The facts of an entity of `kind` from all its events. */
export const entityFacts = (
  kind: EntityKind,
  entityId: string,
  events: readonly (HotlineRecord | CityPlatformRecord)[],
  timeZone: string,
): EntityFacts =>
  kind === 'ticket'
    ? ticketFacts(entityId, events as HotlineRecord[], timeZone)
    : caseFacts(entityId, events as CityPlatformRecord[], timeZone);

/** JSON with every object's keys sorted and undefined values left out. */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );

/**
 * Keeps, per entity, the facts derived from the most events. Events only accumulate and each
 * derivation reads every event stored before it, so that is the derivation from all the entity's
 * events; equal counts are the same derivation (ties keep the smaller canonical JSON, so the result
 * never depends on the order of `records` nor on the key order JSON gave each).
 */
export const foldFacts = <Facts extends EntityFacts>(records: Iterable<Facts>): Map<string, Facts> => {
  const latest = new Map<string, Facts>();
  for (const facts of records) {
    const kept = latest.get(facts.id);
    if (!kept || facts.n > kept.n || (facts.n === kept.n && canonicalJson(facts) < canonicalJson(kept)))
      latest.set(facts.id, facts);
  }
  return latest;
};

/**
 * The entities whose latest facts put them in `day`'s cohort, sorted by id: indicators sum hours in
 * that order, so the numbers never depend on the order the facts were stored in.
 */
export const cohortMembers = <Facts extends EntityFacts>(latest: Iterable<Facts>, day: string): Facts[] =>
  [...latest]
    .filter((facts) => facts.state.cohortDay === day)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/**
 * Whether two derivations are the same facts, however they were built or stored: key order and
 * absent versus undefined keys do not count (facts that crossed the bus or a log are JSON).
 */
export const sameFacts = (a: EntityFacts, b: EntityFacts): boolean => canonicalJson(a) === canonicalJson(b);
