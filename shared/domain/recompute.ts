import pMap from 'p-map';
import type { EventPublisher } from '#shared/adapters/event-publisher';
import type { FactsRepository } from '#shared/adapters/facts-repository';
import type { IndicatorsRepository } from '#shared/adapters/indicators-repository';
import type { SanitationRepository } from '#shared/adapters/sanitation-repository';
import { deriveCase } from '#shared/domain/cases';
import { computeDailyIndicators } from '#shared/domain/indicators/compute';
import { unknownCodes } from '#shared/domain/quality';
import type { Reference } from '#shared/domain/reference';
import { countBits, unionBitmaps } from '#shared/domain/sanitation/coverage';
import type { SanitationDay } from '#shared/domain/sanitation/indicators';
import type { SanitationReference } from '#shared/domain/sanitation/reference';
import { deriveTicket } from '#shared/domain/tickets';
import { addDays, localDate } from '#shared/domain/time';
import { busEvent } from '#shared/events/definition';
import { indicatorsUpdated } from '#shared/events/indicators-updated';
import type { AreaKey } from '#shared/schemas/common';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';

/** DynamoDB requests a recompute keeps in flight at once (one per area or district). */
const WRITE_CONCURRENCY = 8;

export interface RecomputeDeps {
  readonly facts: Pick<FactsRepository, 'listCohort' | 'saveQuality'>;
  readonly sanitation: Pick<SanitationRepository, 'listSummaries' | 'listCoverage'>;
  readonly loadSanitation: () => Promise<SanitationReference>;
  readonly indicators: Pick<IndicatorsRepository, 'save' | 'listDay' | 'remove' | 'markAnnounced'>;
  readonly publisher: EventPublisher;
  readonly loadReference: () => Promise<Reference>;
  readonly timeZone: string;
  readonly now: () => number;
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

/**
 * Recomputes one day: gathers the day's facts, computes every area's indicators with the pure
 * function, writes the ones that changed as new revisions, removes areas left without data, records
 * the day's unknown area codes, and announces each change as `indicators.updated`.
 */
export const recomputeDay = async (
  date: string,
  deps: RecomputeDeps,
  reference?: Reference,
): Promise<DayOutcome> => {
  // Facts are read after this moment; a write from a recompute that read earlier never overwrites ours.
  const readAt = new Date(deps.now()).toISOString();
  const { areas, calendar } = reference ?? (await deps.loadReference());
  const [ticketItems, caseItems] = await Promise.all([
    deps.facts.listCohort<HotlineRecord>('ticket', date),
    deps.facts.listCohort<CityPlatformRecord>('case', date),
  ]);
  const tickets = ticketItems.map((item) =>
    deriveTicket(item.entityId, Object.values(item.events), deps.timeZone),
  );
  const cases = caseItems.map((item) =>
    deriveCase(item.entityId, Object.values(item.events), calendar, deps.timeZone),
  );
  const sanitation = await loadSanitationDay(date, deps);
  const asOf = deps.now();
  const computed = computeDailyIndicators({ date, tickets, cases, sanitation }, { areas, asOf });
  const computedAt = new Date(asOf).toISOString();

  const saved = await pMap(
    computed,
    async ([area, values]) => ({
      area,
      ...(await deps.indicators.save(date, area, deps.timeZone, values, computedAt, readAt)),
    }),
    { concurrency: WRITE_CONCURRENCY },
  );
  const changed: AreaKey[] = saved.filter((outcome) => outcome.changed).map((outcome) => outcome.area);
  const stored = await deps.indicators.listDay(date);
  // Every revision not yet announced goes out, this run's and any an interrupted run left behind.
  const unannounced = stored.filter(
    (item) => computed.has(item.area) && (item.announcedRevision ?? 0) < item.revision,
  );
  const updates = unannounced.map(({ area, revision, computedAt: at, indicators }) =>
    busEvent(indicatorsUpdated, { date, area, revision, computedAt: at, indicators }),
  );
  const removed = stored.map((item) => item.area).filter((area) => !computed.has(area));
  if (removed.length > 0) await deps.indicators.remove(date, removed);
  // Only the codes: copying whole events costs more than the rest of the day's computation.
  const records = [
    ...ticketItems.flatMap((item) =>
      Object.values(item.events).map(({ district, street }) => ({
        source: 'hotline' as const,
        district,
        street,
      })),
    ),
    ...caseItems.flatMap((item) =>
      Object.values(item.events).map(({ district, street }) => ({
        source: 'city-platform' as const,
        district,
        street,
      })),
    ),
  ];
  await deps.facts.saveQuality(date, unknownCodes(records, areas));
  await deps.publisher.publish(updates);
  await pMap(unannounced, (item) => deps.indicators.markAnnounced(date, item.area, item.revision), {
    concurrency: WRITE_CONCURRENCY,
  });
  return { date, areas: computed.size, changed, removed };
};

/** The day's sanitation facts, or undefined when no vehicle sent points that day. */
const loadSanitationDay = async (date: string, deps: RecomputeDeps): Promise<SanitationDay | undefined> => {
  const summaries = await deps.sanitation.listSummaries(date);
  if (summaries.length === 0) return undefined;
  const reference = await deps.loadSanitation();
  const { network } = reference;
  const districts = [...new Set(network.segments.map((segment) => segment.district))];
  const cleanedCells = new Map<number, number>();
  const coverageOf = await pMap(districts, (district) => deps.sanitation.listCoverage(date, district), {
    concurrency: WRITE_CONCURRENCY,
  });
  for (const [position, district] of districts.entries()) {
    for (const coverage of coverageOf[position] ?? []) {
      const index = network.bySegmentId.get(coverage.segmentId);
      if (index === undefined || network.segments[index]?.district !== district) continue;
      const union = unionBitmaps(
        Object.values(coverage.vehicles).map((bitmap) => Buffer.from(bitmap, 'base64')),
      );
      cleanedCells.set(index, countBits(union));
    }
  }
  const vehicles = new Map(summaries.map((summary) => [summary.vehicleId, summary]));
  return { reference, vehicles, cleanedCells };
};

/** What recomputing several days did: the outcome of each day that succeeded, the error of each that failed. */
export interface DaysOutcome {
  readonly outcomes: DayOutcome[];
  readonly failures: { date: string; error: Error }[];
  /** Days not started because the time ran out. */
  readonly skipped: string[];
}

/** Recomputes several days one after another, loading the reference data once; one failing day does not stop the rest. */
export const recomputeDays = async (
  dates: Iterable<string>,
  deps: RecomputeDeps,
  outOfTime: () => boolean = () => false,
): Promise<DaysOutcome> => {
  const reference = await deps.loadReference();
  const result: DaysOutcome = { outcomes: [], failures: [], skipped: [] };
  for (const date of [...new Set(dates)].sort()) {
    if (outOfTime()) {
      result.skipped.push(date);
      continue;
    }
    try {
      result.outcomes.push(await recomputeDay(date, deps, reference));
    } catch (error) {
      result.failures.push({ date, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
  return result;
};

/** The days the nightly job recomputes: the last `days` local days up to today. */
export const recentDays = (now: number, timeZone: string, days: number): string[] => {
  const today = localDate(now, timeZone);
  return Array.from({ length: days }, (_, index) => addDays(today, index - days + 1));
};
