import pMap from 'p-map';
import { type OpenOverdueDeps, openOverdueOf } from '#shared/app/open-overdue';
import type { CohortLog, EventPublisher } from '#shared/app/ports';
import { loadSanitationDay, type SanitationDayDeps } from '#shared/app/sanitation-day';
import { caseStateOf } from '#shared/domain/cases';
import type { EntityKind } from '#shared/domain/entity-events';
import { cohortMembers, type EntityFacts } from '#shared/domain/entity-facts';
import type { IndicatorValues } from '#shared/domain/indicators/catalogue';
import { computeDailyIndicators } from '#shared/domain/indicators/compute';
import { announcedTag, type IndicatorItem } from '#shared/domain/indicators/item';
import { type UnknownCodes, unknownCodes } from '#shared/domain/quality';
import type { Reference } from '#shared/domain/reference';
import type { SanitationDay } from '#shared/domain/sanitation/indicators';
import { addDays, localDate } from '#shared/domain/time';
import { indicatorsUpdatedEvents } from '#shared/events/indicators-updated';
import type { AreaKey } from '#shared/schemas/common';

/** DynamoDB requests a recompute keeps in flight at once (one per area or district). */
const WRITE_CONCURRENCY = 8;

/** Where each day's data-quality findings go (`GET /admin/quality`). */
export interface QualityWriter {
  saveQuality(date: string, unknownCodes: UnknownCodes): Promise<void>;
}

/**
 * What a save did: wrote a new revision, or found the same values already there (or values a later
 * read stored); with the item as stored afterwards, when known.
 */
export type SaveOutcome =
  | { changed: true; item: IndicatorItem }
  | { changed: false; item?: IndicatorItem | undefined };

/** The published indicators. */
export interface IndicatorsStore {
  /**
   * Writes a new revision when the values differ, unless a recompute that read later got there first.
   * `force` writes one even when the stored digest matches (the stored values may not be what their
   * digest says: reconciliation compares the values themselves), still never over a later read.
   * `stored` is the item as read before the save, if any.
   */
  save(
    date: string,
    area: AreaKey,
    timezone: string,
    indicators: IndicatorValues,
    computedAt: string,
    readAt: string,
    options?: { readonly force?: boolean; readonly stored?: IndicatorItem | undefined },
  ): Promise<SaveOutcome>;
  /** What was announced of each area of a day: a tag per area, equal for equal revisions. */
  announced(date: string): Promise<Map<AreaKey, string>>;
  /** Records that these revisions were announced, and forgets what was announced of removed areas. */
  markAnnounced(
    date: string,
    items: readonly Pick<IndicatorItem, 'area' | 'revision' | 'digest'>[],
    removed?: readonly AreaKey[],
  ): Promise<void>;
  listDay(date: string): Promise<IndicatorItem[]>;
  /** Removes areas unless their values were computed from facts read after `readAt`; returns those removed. */
  remove(date: string, areas: readonly AreaKey[], readAt: string): Promise<AreaKey[]>;
}

export interface RecomputeDeps extends SanitationDayDeps, OpenOverdueDeps {
  readonly cohorts: CohortLog;
  readonly quality: QualityWriter;
  readonly indicators: IndicatorsStore;
  readonly publisher: EventPublisher;
  readonly loadReference: () => Promise<Reference>;
}

/** What recomputing one day did. */
export interface DayOutcome {
  readonly date: string;
  /** Areas that have data that day. */
  readonly areas: number;
  /** Areas whose values changed (a new revision was written). */
  readonly changed: AreaKey[];
  /** Areas that no longer have data that day (their items were removed). */
  readonly removed: AreaKey[];
}

/** A day's indicators as computed from its facts, not yet saved. */
export interface ComputedDay {
  readonly date: string;
  /** Every area with data that day and its values. */
  readonly values: ReadonlyMap<AreaKey, IndicatorValues>;
  /** The day's area codes the registry does not know. */
  readonly unknownCodes: UnknownCodes;
  /** When the facts were read (ISO): a write from a recompute that read earlier never overwrites these. */
  readonly readAt: string;
  /** When the values were computed (ISO). */
  readonly computedAt: string;
  /** The day's cohort logs as read: the latest facts of every entity each names. */
  readonly logs: { readonly ticket: readonly EntityFacts[]; readonly case: readonly EntityFacts[] };
}

/**
 * Gathers one day's facts (the folded cohort logs, the sanitation facts, the end-of-day open-overdue
 * figures once the day has ended) and computes every area's indicators with the pure function, as
 * of `asOf` (epoch ms; default: once the facts are read).
 * Sanitation facts come from the coverage engine's state unless `sanitationOf` says otherwise (the
 * reconciliation recomputes them from the raw points); only that state's union may be written.
 */
export const computeDay = async (
  date: string,
  deps: RecomputeDeps,
  reference?: Reference,
  asOf?: number,
  sanitationOf: (date: string, deps: RecomputeDeps) => Promise<SanitationDay | undefined> = loadSanitationDay,
): Promise<ComputedDay> => {
  // Facts are read after this moment; a write from a recompute that read earlier never overwrites ours.
  const readAt = new Date(deps.now()).toISOString();
  const loaded = reference ?? (await deps.loadReference());
  const { areas, calendar } = loaded;
  const [ticketFacts, caseFacts] = await Promise.all([
    deps.cohorts.read('ticket', date, deps.now()),
    deps.cohorts.read('case', date, deps.now()),
  ]);
  // In id order: sums of hours come out the same to the last digit whatever order the log holds.
  const ticketMembers = cohortMembers(ticketFacts, date);
  const caseMembers = cohortMembers(caseFacts, date);
  const tickets = ticketMembers.map((facts) => facts.state);
  const cases = caseMembers.map((facts) => caseStateOf(facts.state, calendar, deps.timeZone));
  const [sanitation, openOverdue] = await Promise.all([
    sanitationOf(date, deps),
    openOverdueOf(date, deps, loaded),
  ]);
  const at = asOf ?? deps.now();
  const values = computeDailyIndicators(
    { date, tickets, cases, sanitation, openOverdue },
    { areas, asOf: at },
  );
  const records = [
    ...ticketMembers.flatMap((facts) => facts.codes.map((code) => ({ source: 'hotline' as const, ...code }))),
    ...caseMembers.flatMap((facts) =>
      facts.codes.map((code) => ({ source: 'city-platform' as const, ...code })),
    ),
  ];
  return {
    date,
    values,
    unknownCodes: unknownCodes(records, areas),
    readAt,
    computedAt: new Date(at).toISOString(),
    logs: { ticket: ticketFacts, case: caseFacts },
  };
};

/**
 * Saves a computed day: writes the areas whose values changed as new revisions (and those in `force`
 * even when their digest matches), removes areas left without data, records the day's unknown area
 * codes, and announces each new revision as `indicators.updated`.
 */
export const saveDay = async (
  day: ComputedDay,
  deps: RecomputeDeps,
  force: ReadonlySet<AreaKey> = new Set(),
): Promise<DayOutcome> => {
  const { date, values: computed, computedAt, readAt } = day;
  // The day's data quality is stored first: whoever sees the new indicators finds it current.
  await deps.quality.saveQuality(date, day.unknownCodes);

  // The day as stored, read first: an area whose values are unchanged costs one write (a
  // confirmation), and the revisions an interrupted run saved but did not announce are found.
  const [stored, announced] = await Promise.all([
    deps.indicators.listDay(date),
    deps.indicators.announced(date),
  ]);
  const before = new Map(stored.map((item) => [item.area, item]));
  const saved = await pMap(
    computed,
    async ([area, values]) => ({
      area,
      ...(await deps.indicators.save(date, area, deps.timeZone, values, computedAt, readAt, {
        force: force.has(area),
        stored: before.get(area),
      })),
    }),
    { concurrency: WRITE_CONCURRENCY },
  );
  const changed: AreaKey[] = saved.filter((outcome) => outcome.changed).map((outcome) => outcome.area);
  // Every revision not yet announced goes out, this run's and any an interrupted run left behind.
  const unannounced = saved
    .map(({ area, item }) => item ?? before.get(area))
    .filter((item): item is IndicatorItem => item !== undefined && !isAnnounced(item, announced))
    .sort((a, b) => (a.area < b.area ? -1 : a.area > b.area ? 1 : 0));
  const updates = indicatorsUpdatedEvents(
    date,
    unannounced.map(({ area, revision, computedAt: at, indicators }) => ({
      area,
      revision,
      computedAt: at,
      indicators,
    })),
  );
  const gone = stored.map((item) => item.area).filter((area) => !computed.has(area));
  const removed = gone.length > 0 ? await deps.indicators.remove(date, gone, readAt) : [];
  await deps.publisher.publish(updates);
  const forget = removed.filter((area) => announced.has(area));
  if (unannounced.length > 0 || forget.length > 0)
    await deps.indicators.markAnnounced(date, unannounced, forget);
  return { date, areas: computed.size, changed, removed };
};

/** Whether this revision of an item was announced (items stored before announcements were kept per day say so themselves). */
const isAnnounced = (item: IndicatorItem, announced: ReadonlyMap<AreaKey, string>): boolean =>
  announced.get(item.area) === announcedTag(item) || (item.announcedRevision ?? 0) >= item.revision;

/**
 * Recomputes one day: gathers the day's facts, computes every area's indicators with the pure
 * function, writes the ones that changed as new revisions, removes areas left without data, records
 * the day's unknown area codes, and announces each change as `indicators.updated`.
 */
export const recomputeDay = async (
  date: string,
  deps: RecomputeDeps,
  reference?: Reference,
): Promise<DayOutcome> => saveDay(await computeDay(date, deps, reference), deps);

/**
 * Adds entities' new facts to the cohort logs of every day they reach: one write per (kind, day) for
 * all of them, however many events they came from.
 */
export const appendFacts = async (
  facts: readonly EntityFacts[],
  deps: Pick<RecomputeDeps, 'cohorts' | 'now'>,
): Promise<void> => {
  const perLog = new Map<string, { kind: EntityKind; day: string; facts: EntityFacts[] }>();
  for (const entity of facts) {
    for (const day of entity.days) {
      const key = `${entity.kind}#${day}`;
      const log = perLog.get(key) ?? { kind: entity.kind, day, facts: [] };
      log.facts.push(entity);
      perLog.set(key, log);
    }
  }
  const now = deps.now();
  await pMap(perLog.values(), (log) => deps.cohorts.append(log.kind, log.day, log.facts, now), {
    concurrency: WRITE_CONCURRENCY,
  });
};

/** What recomputing several days did: the outcome of each day that succeeded, the error of each that failed. */
export interface DaysOutcome<Outcome extends DayOutcome = DayOutcome> {
  readonly outcomes: Outcome[];
  readonly failures: { date: string; error: Error }[];
  /** Days not started because the time ran out. */
  readonly skipped: string[];
}

/**
 * Runs `run` for several days one after another, in date order, loading the reference data once; one
 * failing day does not stop the rest, and days not started when `outOfTime` says so are skipped.
 */
export const forEachDay = async <Outcome extends DayOutcome>(
  dates: Iterable<string>,
  deps: Pick<RecomputeDeps, 'loadReference'>,
  run: (date: string, reference: Reference) => Promise<Outcome>,
  outOfTime: (date: string) => boolean = () => false,
): Promise<DaysOutcome<Outcome>> => {
  const reference = await deps.loadReference();
  const result: DaysOutcome<Outcome> = { outcomes: [], failures: [], skipped: [] };
  for (const date of new Set(dates)) {
    if (outOfTime(date)) {
      result.skipped.push(date);
      continue;
    }
    try {
      result.outcomes.push(await run(date, reference));
    } catch (error) {
      result.failures.push({ date, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
  return result;
};

/** Recomputes several days one after another, loading the reference data once; one failing day does not stop the rest. */
export const recomputeDays = (
  dates: Iterable<string>,
  deps: RecomputeDeps,
  outOfTime: () => boolean = () => false,
): Promise<DaysOutcome> =>
  forEachDay([...dates].sort(), deps, (date, reference) => recomputeDay(date, deps, reference), outOfTime);

/** The days the nightly job recomputes: the last `days` local days up to today. */
export const recentDays = (now: number, timeZone: string, days: number): string[] => {
  const today = localDate(now, timeZone);
  return Array.from({ length: days }, (_, index) => addDays(today, index - days + 1));
};
