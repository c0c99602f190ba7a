import pMap from 'p-map';
import { type OpenItemsDeps, reconcileOpenItems } from '#shared/app/open-items';
import { refreshFrom } from '#shared/app/open-overdue';
import type { CohortLog } from '#shared/app/ports';
import {
  type ComputedDay,
  computeDay,
  type DayOutcome,
  type RecomputeDeps,
  saveDay,
} from '#shared/app/recompute';
import { type ExactSanitationDay, exactSanitationDay, storeExactUnion } from '#shared/app/sanitation-day';
import type { EntityKind } from '#shared/domain/entity-events';
import { type EntityFacts, entityFacts, sameFacts } from '#shared/domain/entity-facts';
import type { IndicatorName } from '#shared/domain/indicators/catalogue';
import { type IndicatorDifference, indicatorDifferences } from '#shared/domain/indicators/differences';
import type { Reference } from '#shared/domain/reference';
import { coverageReprocessRequested } from '#shared/events/coverage-reprocess';
import { busEvent } from '#shared/events/definition';
import { factsChanged } from '#shared/events/facts-changed';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';

/** The end-of-day figures, which a reconciliation computes again from the facts (not from the raw points). */
const overdueFigures = new Set<IndicatorName>(['openOverdueTickets', 'openOverdueCases']);

/**
 * End-of-day figures computed from facts read this recently (ms) are a reconciliation's as they are:
 * the night's first day computes every later day's, so its other days need no pass of their own.
 */
const FIGURES_FRESH_MS = 60 * 60_000;

/** Entities whose events a reconciliation reads at once (one consistent Query each). */
const READ_CONCURRENCY = 32;
/**
 * An entity with an event stored this recently (ms) may still have its facts on the way to the logs
 * (facts queue, facts.changed, recompute queue: about a minute; a failed recompute batch retries after
 * about 31 minutes); it is left for the next night rather than counted as a difference.
 */
export const IN_FLIGHT_MS = 45 * 60_000;

/** A cohort log entry the reconciliation found wrong: what the log's fold held (undefined: nothing), and the facts the entity's events give. */
export interface FactsCorrection {
  readonly found: EntityFacts | undefined;
  readonly exact: EntityFacts;
}

/** Corrects cohort logs. */
export interface CohortLogCorrections {
  /**
   * Makes each `exact` the latest facts of its entity in the log of (kind, day) in place of the entry
   * `found` there, even one claiming more events; a derivation written since that is not from fewer
   * events than `exact` stays.
   */
  correct(kind: EntityKind, day: string, corrections: readonly FactsCorrection[], now: number): Promise<void>;
}

/** Tickets' and cases' stored events. */
export interface EntityEventsReader {
  /** Every event stored for the entity (a consistent read), and when the newest was stored (epoch ms), if known. */
  readEntity<Event>(
    kind: EntityKind,
    entityId: string,
  ): Promise<{ events: Event[]; lastStoredAt?: number | undefined }>;
}

export interface ReconcileDeps extends RecomputeDeps, Omit<OpenItemsDeps, 'openItems'> {
  readonly openItems: OpenItemsDeps['openItems'];
  readonly cohorts: CohortLog & CohortLogCorrections;
  readonly entities: EntityEventsReader;
}

/** What reconciling one day did. */
export interface ReconcileOutcome extends DayOutcome {
  /** Entities the day's cohort logs name whose events were read and whose facts were derived again. */
  readonly entitiesChecked: number;
  /** Entities left for the next night: an event of theirs was stored in the last {@link IN_FLIGHT_MS}. */
  readonly entitiesInFlight: number;
  /** Entities with at least one cohort log entry corrected. */
  readonly entitiesCorrected: number;
  /** Each corrected log entry: the entity and the day of the log. */
  readonly corrections: readonly { readonly kind: EntityKind; readonly id: string; readonly day: string }[];
  /** Entities whose open-items index entry was not their exact facts (all since corrected). */
  readonly openItemsCorrected?: readonly { readonly kind: EntityKind; readonly id: string }[];
  /** Published values that were not the exact ones (all since corrected). */
  readonly differences: readonly IndicatorDifference[];
  /** Vehicle-days whose coverage log was not their exact recompute (sent to the coverage engine to redo). */
  readonly vehicleDaysCorrected: readonly { readonly vehicleId: string; readonly day: string }[];
}

/** One log entry to correct. */
interface Correction extends FactsCorrection {
  readonly day: string;
}

/**
 * Reconciles one day with the raw facts. First the ordinary recompute (from the cohort logs, as of
 * now), so that time passing and facts still on their way are not differences. Then every entity the
 * day's cohort logs name is derived again from its stored events: where the log's latest entry is not
 * those facts, or the log of the entity's cohort day lacks them, the log is corrected (other days so
 * corrected are announced as `facts.changed`). Then the day is computed again from the corrected logs
 * as of the same instant, and every published (area, indicator) that differs from the exact value is
 * a difference; those areas are written whatever their stored digest says. A difference that a
 * recompute which read later has overwritten in the meantime is not reported.
 */
export const reconcileDay = async (
  date: string,
  deps: ReconcileDeps,
  reference?: Reference,
): Promise<ReconcileOutcome> => {
  const loaded = reference ?? (await deps.loadReference());
  const asOf = deps.now();
  const recomputed = await computeDay(date, deps, loaded, asOf);
  const plain = await saveDay(recomputed, deps);

  const check = await checkEntities(date, deps, asOf, recomputed.logs);
  const byLog = new Map<string, { kind: EntityKind; day: string; corrections: FactsCorrection[] }>();
  for (const { day, found, exact } of check.corrections) {
    const key = `${exact.kind}#${day}`;
    const log = byLog.get(key) ?? { kind: exact.kind, day, corrections: [] };
    log.corrections.push({ found, exact });
    byLog.set(key, log);
  }
  await pMap(byLog.values(), (log) => deps.cohorts.correct(log.kind, log.day, log.corrections, deps.now()), {
    concurrency: 4,
  });
  const otherDays = [...new Set(check.corrections.map(({ day }) => day))]
    .filter((day) => day !== date)
    .sort();
  if (otherDays.length > 0)
    await deps.publisher.publish([
      busEvent(factsChanged, { days: otherDays, reason: `reconciliation of ${date}` }),
    ]);

  // The open-items index follows the exact facts; then the day's end-of-day open-overdue figures are
  // computed again from the corrected index and logs.
  const indexCorrected = await reconcileOpenItems(check.exact, deps);
  // Corrected facts change how every day ended from the entity's first event on; else the figures
  // the night computed already (from the logs as they are now) stand.
  const corrected = [...check.corrections.map(({ exact: facts }) => facts), ...indexCorrected];
  if (corrected.length > 0) {
    const from = [date, ...corrected.flatMap((facts) => facts.days.slice(0, 1))].sort()[0] as string;
    await refreshFrom(from, deps, loaded, { recomputing: date });
  } else await refreshFrom(date, deps, loaded, { freshWithinMs: FIGURES_FRESH_MS });
  const openItemsCorrected = indexCorrected.map(({ kind, id }) => ({ kind, id }));

  // Sanitation from the raw points: every vehicle-day covered again, compared with the engine's state.
  let sanitation: ExactSanitationDay | undefined;
  const exact = await computeDay(date, deps, loaded, asOf, async () => {
    sanitation = await exactSanitationDay(date, deps);
    return sanitation.facts;
  });
  // Beside corrected cohort logs and open-overdue figures, only the coverage engine's state can make
  // the exact values differ.
  const sanitationDiffers = indicatorDifferences(recomputed.values, exact.values).some(
    ({ indicator }) => !overdueFigures.has(indicator),
  );
  if (sanitation?.union && sanitationDiffers) await storeExactUnion(date, sanitation.union, deps);
  if (sanitation && sanitation.differing.length > 0)
    await deps.publisher.publish([
      busEvent(coverageReprocessRequested, {
        vehicleDays: [...sanitation.differing],
        reason: `reconciliation of ${date}`,
      }),
    ]);
  const stored = await deps.indicators.listDay(date);
  const found = indicatorDifferences(
    new Map(stored.map((item) => [item.area, item.indicators])),
    exact.values,
  );
  const differing = new Set(found.map(({ area }) => area));
  const saved =
    check.corrections.length > 0 || openItemsCorrected.length > 0 || differing.size > 0 || sanitationDiffers
      ? await saveDay(exact, deps, new Set([...differing].filter((area) => exact.values.has(area))))
      : { ...plain, changed: [], removed: [] };
  // A forced write refused because a recompute that read later stored its values: not ours to judge.
  const written = new Set([...saved.changed, ...saved.removed]);
  const differences = found.filter(({ area }) => written.has(area));
  return {
    date,
    areas: saved.areas,
    changed: [...new Set([...plain.changed, ...saved.changed])].sort(),
    removed: [...new Set([...plain.removed, ...saved.removed])].sort(),
    entitiesChecked: check.checked,
    entitiesInFlight: check.inFlight,
    entitiesCorrected: new Set(check.corrections.map(({ exact: facts }) => `${facts.kind}#${facts.id}`)).size,
    corrections: check.corrections.map(({ exact: facts, day }) => ({ kind: facts.kind, id: facts.id, day })),
    openItemsCorrected,
    differences,
    vehicleDaysCorrected: sanitation?.differing ?? [],
  };
};

/**
 * Derives every entity the day's cohort logs name from its events and compares the facts with the
 * day's log and, when the entity's cohort day is another day, with that day's log.
 */
const checkEntities = async (
  date: string,
  deps: ReconcileDeps,
  asOf: number,
  read: ComputedDay['logs'],
): Promise<{ checked: number; inFlight: number; corrections: Correction[]; exact: EntityFacts[] }> => {
  const byId = (facts: readonly EntityFacts[]) => new Map(facts.map((entry) => [entry.id, entry]));
  // The day's own logs as the recompute just read them; other days' logs are read when needed.
  const logs = new Map<string, Promise<Map<string, EntityFacts>>>([
    [`ticket#${date}`, Promise.resolve(byId(read.ticket))],
    [`case#${date}`, Promise.resolve(byId(read.case))],
  ]);
  const logOf = (kind: EntityKind, day: string) => {
    const key = `${kind}#${day}`;
    let log = logs.get(key);
    if (!log) {
      log = deps.cohorts.read(kind, day, deps.now()).then(byId);
      logs.set(key, log);
    }
    return log;
  };
  const named = [...(await logOf('ticket', date)).values(), ...(await logOf('case', date)).values()];
  let inFlight = 0;
  const derived: EntityFacts[] = [];
  const corrections = await pMap(
    named,
    async (found): Promise<Correction[]> => {
      const { events, lastStoredAt } = await deps.entities.readEntity<HotlineRecord | CityPlatformRecord>(
        found.kind,
        found.id,
      );
      if (lastStoredAt !== undefined && lastStoredAt > asOf - IN_FLIGHT_MS) {
        inFlight += 1;
        return [];
      }
      const exact = entityFacts(found.kind, found.id, events, deps.timeZone);
      derived.push(exact);
      const wrong: Correction[] = sameFacts(found, exact) ? [] : [{ day: date, found, exact }];
      const cohortDay = exact.state.cohortDay;
      if (cohortDay !== undefined && cohortDay !== date) {
        const there = (await logOf(found.kind, cohortDay)).get(found.id);
        if (!there || !sameFacts(there, exact)) wrong.push({ day: cohortDay, found: there, exact });
      }
      return wrong;
    },
    { concurrency: READ_CONCURRENCY },
  );
  return { checked: named.length - inFlight, inFlight, corrections: corrections.flat(), exact: derived };
};

/** Where the findings of reconciliations go. */
export interface ReconciliationReport {
  /** A warning with structured attributes (the function's log). */
  warn(message: string, attributes: Record<string, unknown>): void;
  /** The run's totals: published values that differed, and entities (tickets, cases, vehicle-days) whose logs or index entries were corrected. */
  totals(differences: number, entitiesCorrected: number): void;
}

/** Findings logged per day, at most: a log event must stay under CloudWatch's 256 KB. */
const LOGGED_FINDINGS = 1000;

/**
 * Reports reconciled days: one warning per day that needed corrections, naming the areas and
 * indicators that differed (published and exact values) and the log entries corrected; and, when any
 * day was reconciled, the run's totals (zero included, so a clean night shows as such).
 */
export const reportReconciliation = (
  days: readonly ReconcileOutcome[],
  report: ReconciliationReport,
): void => {
  for (const day of days) {
    const { date, differences, entitiesCorrected, corrections, vehicleDaysCorrected } = day;
    const openItemsCorrected = day.openItemsCorrected ?? [];
    if (
      differences.length === 0 &&
      entitiesCorrected === 0 &&
      vehicleDaysCorrected.length === 0 &&
      openItemsCorrected.length === 0
    )
      continue;
    report.warn('reconciliation corrected published indicators, cohort logs, open items or coverage logs', {
      date,
      differenceCount: differences.length,
      differences: differences.slice(0, LOGGED_FINDINGS),
      entitiesCorrected,
      corrections: corrections.slice(0, LOGGED_FINDINGS),
      openItemsCorrected: openItemsCorrected.slice(0, LOGGED_FINDINGS),
      vehicleDaysCorrected: vehicleDaysCorrected.slice(0, LOGGED_FINDINGS),
    });
  }
  if (days.length === 0) return;
  report.totals(
    days.reduce((sum, day) => sum + day.differences.length, 0),
    days.reduce(
      (sum, day) =>
        sum + day.entitiesCorrected + day.vehicleDaysCorrected.length + (day.openItemsCorrected?.length ?? 0),
      0,
    ),
  );
};
