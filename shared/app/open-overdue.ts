import pMap from 'p-map';
import type { OpenItemsIndex } from '#shared/app/open-items';
import type { CohortLog, DayIndex, EventPublisher } from '#shared/app/ports';
import type { EntityKind } from '#shared/domain/entity-events';
import { type EntityFacts, foldFacts } from '#shared/domain/entity-facts';
import { countOpenOverdue, type DayOpenOverdue } from '#shared/domain/indicators/open-overdue';
import type { Reference } from '#shared/domain/reference';
import { addDays, localDate } from '#shared/domain/time';
import { busEvent } from '#shared/events/definition';
import { factsChanged } from '#shared/events/facts-changed';

/** Logs read at once. */
const READ_CONCURRENCY = 4;

/** One day's stored open-overdue figures and what they were computed from. */
export interface StoredOpenOverdue {
  readonly day: string;
  readonly counts: DayOpenOverdue;
  /** The reference version they were computed under (areas place the items, the calendar dates cases). */
  readonly basis: string;
  /** When the facts they come from were read (ISO). */
  readonly readAt: string;
}

/**
 * The end-of-day figures `openOverdueTickets` / `openOverdueCases`, computed once a day has ended and
 * kept per day: a recompute of the day reads them, a late event or a reference change has them
 * computed again.
 */
export interface OpenOverdueFigures {
  /** The figures stored for the days from `from` to `to` (inclusive), read consistently. */
  read(from: string, to: string): Promise<Map<string, StoredOpenOverdue>>;
  /** Stores a day's figures unless figures computed from facts read later are there already. */
  put(figures: StoredOpenOverdue): Promise<void>;
}

export interface OpenOverdueDeps {
  readonly openItems: Pick<OpenItemsIndex, 'list'>;
  readonly cohorts: CohortLog;
  readonly openOverdue: OpenOverdueFigures;
  readonly days: Pick<DayIndex, 'listDays'>;
  readonly publisher: EventPublisher;
  readonly timeZone: string;
  readonly now: () => number;
}

/** The reference version figures computed under `reference` name. */
const basisOf = (reference: Reference): string => reference.version ?? '';

/** Whether a day has ended in the city (its figures can be known). */
export const hasEnded = (day: string, deps: Pick<OpenOverdueDeps, 'now' | 'timeZone'>): boolean =>
  day < localDate(deps.now(), deps.timeZone);

/**
 * The ended days whose figures a change from `from` on reaches: `from` itself and every later day with
 * data (the index of days: a day without any event or point has no indicators).
 */
const daysFrom = async (from: string, deps: OpenOverdueDeps): Promise<string[]> => {
  const yesterday = addDays(localDate(deps.now(), deps.timeZone), -1);
  if (from > yesterday) return [];
  const indexed = (await deps.days.listDays()).filter((day) => day > from && day <= yesterday);
  return [from, ...indexed];
};

/**
 * Computes the figures of ended days (sorted) from the facts: an item open at the end of a day is open
 * now (the open-items index holds it) or had an event since (the cohort logs of every later day with
 * events hold the latest facts of each entity with an event that day). Of every entity the derivation
 * from the most events counts; its `ends` give its status at each day's end.
 */
export const computeOpenOverdue = async (
  days: readonly string[],
  deps: OpenOverdueDeps,
  reference: Reference,
): Promise<StoredOpenOverdue[]> => {
  const first = days[0];
  if (first === undefined) return [];
  const readAt = new Date(deps.now()).toISOString();
  const today = localDate(deps.now(), deps.timeZone);
  const logDays = [...new Set([...(await deps.days.listDays()).filter((day) => day > first), today])];
  const kinds: EntityKind[] = ['ticket', 'case'];
  const [open, logged] = await Promise.all([
    deps.openItems.list(),
    pMap(
      logDays.flatMap((day) => kinds.map((kind) => ({ kind, day }))),
      ({ kind, day }) => deps.cohorts.read(kind, day, deps.now()),
      { concurrency: READ_CONCURRENCY },
    ),
  ]);
  const all: EntityFacts[] = [...open.map((item) => item.facts), ...logged.flat()];
  const latest = kinds.flatMap((kind) => [...foldFacts(all.filter((facts) => facts.kind === kind)).values()]);
  const counts = countOpenOverdue(latest, days, reference, deps.timeZone);
  return days.map((day) => ({
    day,
    counts: counts.get(day) ?? new Map(),
    basis: basisOf(reference),
    readAt,
  }));
};

const sameCounts = (a: DayOpenOverdue, b: DayOpenOverdue) =>
  a.size === b.size &&
  [...a].every(([area, count]) => {
    const other = b.get(area);
    return other?.tickets === count.tickets && other.cases === count.cases;
  });

/**
 * Computes the figures of `from` and the later ended days with data and stores them; returns the days
 * whose figures changed or were computed for the first time (their indicators must follow).
 */
export const refreshOpenOverdue = async (
  from: string,
  deps: OpenOverdueDeps,
  reference: Reference,
): Promise<string[]> => {
  const computed = await computeOpenOverdue(await daysFrom(from, deps), deps, reference);
  const last = computed.at(-1);
  if (!last) return [];
  const stored = await deps.openOverdue.read(from, last.day);
  // Every day is written, unchanged ones too: their read time says how recent they are.
  await pMap(computed, (figures) => deps.openOverdue.put(figures), { concurrency: READ_CONCURRENCY });
  return computed
    .filter((figures) => {
      const before = stored.get(figures.day);
      return !before || !sameCounts(before.counts, figures.counts);
    })
    .map(({ day }) => day);
};

/**
 * Computes the figures of `day` and every later ended day with data and stores them, announcing the
 * days whose figures changed as `facts.changed` so their indicators follow, but for `recomputing`
 * (default: `day`), which the caller recomputes itself. Figures of `day` computed under this
 * reference from facts read within `freshWithinMs` are taken as they are: the nightly
 * reconciliation computes its 31 days in the first day's pass, not in one pass each.
 */
export const refreshFrom = async (
  day: string,
  deps: OpenOverdueDeps,
  reference: Reference,
  options: { readonly freshWithinMs?: number; readonly recomputing?: string } = {},
): Promise<void> => {
  const recomputing = options.recomputing ?? day;
  if (options.freshWithinMs !== undefined) {
    const stored = (await deps.openOverdue.read(day, day)).get(day);
    if (
      stored?.basis === basisOf(reference) &&
      Date.parse(stored.readAt) >= deps.now() - options.freshWithinMs
    )
      return;
  }
  const later = (await refreshOpenOverdue(day, deps, reference)).filter((other) => other !== recomputing);
  if (later.length > 0)
    await deps.publisher.publish([
      busEvent(factsChanged, { days: later, reason: `open overdue figures of ${day} on` }),
    ]);
};

/**
 * A day's figures for its recompute: undefined while the day has not ended; the stored ones when
 * computed under this reference; else computed now with every later ended day's (a reference change
 * reaches them all in one pass), see {@link refreshFrom}.
 */
export const openOverdueOf = async (
  day: string,
  deps: OpenOverdueDeps,
  reference: Reference,
): Promise<DayOpenOverdue | undefined> => {
  if (!hasEnded(day, deps)) return undefined;
  const stored = (await deps.openOverdue.read(day, day)).get(day);
  if (stored && stored.basis === basisOf(reference)) return stored.counts;
  await refreshFrom(day, deps, reference);
  const computed = (await deps.openOverdue.read(day, day)).get(day);
  return computed?.counts ?? new Map();
};
