import pMap from 'p-map';
import type { GpsLog, GpsLogEntry } from '#shared/app/coverage';
import { countBits, unionBitmaps } from '#shared/domain/sanitation/coverage';
import type { SanitationDay } from '#shared/domain/sanitation/indicators';
import type { SanitationReference } from '#shared/domain/sanitation/reference';
import { cleansRoads, type SegmentCoverage, type VehicleDaySummary } from '#shared/domain/sanitation/track';
import {
  addCells,
  countRanges,
  coverageContext,
  exactVehicleDay,
  foldChanges,
  type PointRow,
  rangesOfBitmap,
  sameVehicleDay,
  successorOf,
  type VehicleHead,
} from '#shared/domain/sanitation/vehicle-day';
import { addDays } from '#shared/domain/time';

/** Shard logs read at once. */
const READ_CONCURRENCY = 8;

/** The union of every vehicle's cleaned cells of a day, and the log versions of each shard it includes. */
export interface CoverageUnion {
  readonly revision: number;
  /** The revision's items are gone (expired): only its revision counts, the union is folded again. */
  readonly incomplete?: boolean | undefined;
  /** Shard → the last log version folded in. */
  readonly applied: Readonly<Record<string, number>>;
  /** segmentId → cleaned cell ranges. */
  readonly cells: ReadonlyMap<string, readonly number[]>;
}

/** Where the recompute keeps each day's union between runs. */
export interface CoverageUnions {
  /** The day's union, or undefined when none is stored (or it expired). */
  read(day: string): Promise<CoverageUnion | undefined>;
  /** Stores a new revision after `after`; false when another run stored one meanwhile. */
  write(day: string, union: Omit<CoverageUnion, 'revision'>, after: number, now: number): Promise<boolean>;
}

/** Vehicle-days covered before the GPS log (their points, summaries and segment bitmaps). */
export interface LegacySanitationReader {
  legacyPoints(vehicleId: string, day: string): Promise<PointRow[]>;
  listSummaries(day: string): Promise<VehicleDaySummary[]>;
  listCoverage(day: string, district: string): Promise<SegmentCoverage[]>;
}

export interface SanitationDayDeps {
  readonly gps: Pick<GpsLog, 'readHeads' | 'readEntries'>;
  readonly coverageUnions: CoverageUnions;
  readonly sanitation: LegacySanitationReader;
  readonly loadSanitation: () => Promise<SanitationReference>;
  readonly timeZone: string;
  readonly now: () => number;
}

/** The sanitation facts of a day from the union of cells and the vehicles' totals. */
const sanitationDayOf = (
  reference: SanitationReference,
  cells: ReadonlyMap<string, readonly number[]>,
  heads: ReadonlyMap<string, Pick<VehicleHead, 'operatingM' | 'workingMs'>>,
): SanitationDay => {
  const cleanedCells = new Map<number, number>();
  for (const [segmentId, ranges] of cells) {
    const index = reference.network.bySegmentId.get(segmentId);
    const segment = index === undefined ? undefined : reference.network.segments[index];
    if (index !== undefined && segment) cleanedCells.set(index, countRanges(ranges, segment.cells));
  }
  const vehicles = new Map<string, { operatingM: number; workingMs: number }>();
  for (const [vehicleId, head] of heads)
    vehicles.set(vehicleId, { operatingM: head.operatingM, workingMs: head.workingMs });
  return { reference, vehicles, cleanedCells };
};

/** Every vehicle's cells of a day folded from its shards' logs (each replace resets a vehicle's cells). */
const unionOfLogs = (logs: Iterable<readonly GpsLogEntry[]>): Map<string, readonly number[]> => {
  const cells = new Map<string, readonly number[]>();
  for (const entries of logs) {
    const folded = foldChanges(entries.flatMap((entry) => entry.changes));
    for (const vehicle of folded.values()) addCells(cells, Object.fromEntries(vehicle.cells));
  }
  return cells;
};

/**
 * A day's sanitation facts as the coverage engine left them, read in proportion to what changed: the
 * shard heads (every vehicle's totals), the union of cells kept from the last run, and the log entries
 * appended since, whose cells are added to it. An entry that replaces a vehicle-day (late data, a
 * reference change), or a union that is missing, makes the union be folded again from the whole logs.
 * Either way the result is the fold of the logs as read. Undefined when no vehicle sent points that day.
 */
export const loadSanitationDay = async (
  date: string,
  deps: SanitationDayDeps,
): Promise<SanitationDay | undefined> => {
  const heads = await deps.gps.readHeads(date);
  if (heads.size === 0) return loadLegacySanitationDay(date, deps);
  const reference = await deps.loadSanitation();
  const union = await deps.coverageUnions.read(date);
  const fresh = await pMap(
    [...heads],
    async ([shard, head]) => {
      const after = union?.applied[shard] ?? 0;
      return {
        shard,
        head,
        after,
        entries: head.version > after ? await deps.gps.readEntries(date, shard, after) : [],
      };
    },
    { concurrency: READ_CONCURRENCY },
  );
  const rebuild =
    !union ||
    union.incomplete === true ||
    fresh.some(({ entries }) => entries.some((entry) => entry.changes.some((change) => change.replace)));
  let cells: Map<string, readonly number[]>;
  const applied: Record<string, number> = union?.incomplete ? {} : { ...(union?.applied ?? {}) };
  if (rebuild) {
    // The whole logs: read already where the union held nothing of a shard.
    const logs = await pMap(
      fresh,
      ({ shard, after, entries }) => (after === 0 ? entries : deps.gps.readEntries(date, shard, 0)),
      { concurrency: READ_CONCURRENCY },
    );
    cells = unionOfLogs(logs);
    for (const [position, { shard }] of fresh.entries())
      applied[shard] = Math.max(0, ...(logs[position] ?? []).map((entry) => entry.version));
  } else {
    cells = new Map(union.cells);
    for (const { shard, entries } of fresh)
      for (const entry of entries) {
        for (const change of entry.changes) addCells(cells, change.cells);
        applied[shard] = Math.max(applied[shard] ?? 0, entry.version);
      }
  }
  const vehicles = new Map<string, VehicleHead>();
  for (const { head, entries } of fresh) {
    for (const [vehicleId, vehicleHead] of head.vehicles) vehicles.set(vehicleId, vehicleHead);
    // Entries the head does not include yet (its writer stopped in between): their heads are later.
    for (const entry of entries)
      if (entry.version > head.version)
        for (const change of entry.changes) vehicles.set(change.vehicleId, change.head);
  }
  if (rebuild || fresh.some(({ entries }) => entries.length > 0)) {
    // Another run may store its union first: both are folds of the logs, and the next run goes on from either.
    await deps.coverageUnions.write(date, { applied, cells }, union?.revision ?? 0, deps.now());
  }
  return sanitationDayOf(reference, ...(await withLegacy(date, cells, vehicles, reference, deps)));
};

/**
 * Adds the vehicles covered before the GPS log that have not sent points to it since (their points
 * move into the log with their next batch of the day): their summaries' totals and their bitmaps.
 */
const withLegacy = async (
  date: string,
  cells: ReadonlyMap<string, readonly number[]>,
  vehicles: ReadonlyMap<string, Pick<VehicleHead, 'operatingM' | 'workingMs'>>,
  reference: SanitationReference,
  deps: SanitationDayDeps,
): Promise<
  [ReadonlyMap<string, readonly number[]>, ReadonlyMap<string, Pick<VehicleHead, 'operatingM' | 'workingMs'>>]
> => {
  const legacy = (await deps.sanitation.listSummaries(date)).filter(
    (summary) => !vehicles.has(summary.vehicleId),
  );
  if (legacy.length === 0) return [cells, vehicles];
  const only = new Set(legacy.map((summary) => summary.vehicleId));
  const merged = new Map(cells);
  const districts = [...new Set(reference.network.segments.map((segment) => segment.district))];
  const coverageOf = await pMap(districts, (district) => deps.sanitation.listCoverage(date, district), {
    concurrency: READ_CONCURRENCY,
  });
  for (const coverage of coverageOf.flat()) {
    const bitmaps = Object.entries(coverage.vehicles)
      .filter(([vehicleId]) => only.has(vehicleId))
      .map(([, bitmap]) => Buffer.from(bitmap, 'base64'));
    if (bitmaps.length > 0) addCells(merged, { [coverage.segmentId]: rangesOfBitmap(unionBitmaps(bitmaps)) });
  }
  const totals = new Map(vehicles);
  for (const summary of legacy) totals.set(summary.vehicleId, summary);
  return [merged, totals];
};

/** A day's sanitation facts recomputed from the raw points, and what the incremental state holds otherwise. */
export interface ExactSanitationDay {
  readonly facts: SanitationDay | undefined;
  /** Vehicle-days whose log fold is not their exact recompute (to be recomputed by the coverage engine). */
  readonly differing: readonly { vehicleId: string; day: string }[];
  /** The exact union of the day's cells and the log versions it folds (undefined for a day before the log). */
  readonly union?: Omit<CoverageUnion, 'revision'> | undefined;
}

/**
 * A day's sanitation facts recomputed from the raw points alone: every vehicle-day covered again from
 * all its stored points (and its first point of the next day), as the nightly reconciliation checks
 * the incremental engine; with the vehicle-days whose log says otherwise.
 */
export const exactSanitationDay = async (
  date: string,
  deps: SanitationDayDeps,
): Promise<ExactSanitationDay> => {
  const heads = await deps.gps.readHeads(date);
  if (heads.size === 0) return { facts: await loadLegacySanitationDay(date, deps), differing: [] };
  const reference = await deps.loadSanitation();
  const nextHeads = await deps.gps.readHeads(addDays(date, 1));
  const nextFirst = new Map<string, VehicleHead['first']>();
  for (const head of nextHeads.values())
    for (const [vehicleId, vehicleHead] of head.vehicles) nextFirst.set(vehicleId, vehicleHead.first);
  const context = coverageContext(reference.network, deps.timeZone);
  const cells = new Map<string, readonly number[]>();
  const totals = new Map<string, VehicleHead>();
  const differing: { vehicleId: string; day: string }[] = [];
  const applied: Record<string, number> = {};
  const shards = [...heads.keys()];
  const logs = await pMap(shards, (shard) => deps.gps.readEntries(date, shard, 0), {
    concurrency: READ_CONCURRENCY,
  });
  for (const [position, entries] of logs.entries()) {
    applied[shards[position] as number] = Math.max(0, ...entries.map((entry) => entry.version));
    for (const [vehicleId, folded] of foldChanges(entries.flatMap((entry) => entry.changes))) {
      const next = successorOf(date, [nextFirst.get(vehicleId), folded.head.next], deps.timeZone);
      const cleans = cleansRoads(reference.vehicles.get(vehicleId)?.type);
      const exact = exactVehicleDay(date, folded.points, next, cleans, context);
      if (!exact) continue;
      if (!sameVehicleDay(folded, exact)) differing.push({ vehicleId, day: date });
      totals.set(vehicleId, exact.head);
      addCells(cells, exact.cells);
    }
  }
  const [allCells, allTotals] = await withLegacy(date, cells, totals, reference, deps);
  return { facts: sanitationDayOf(reference, allCells, allTotals), differing, union: { applied, cells } };
};

/**
 * Replaces the day's union with the exact one (a reconciliation found the published coverage wrong);
 * a run that stores another revision meanwhile wins, and the next reconciliation checks again.
 */
export const storeExactUnion = async (
  date: string,
  union: Omit<CoverageUnion, 'revision'>,
  deps: Pick<SanitationDayDeps, 'coverageUnions' | 'now'>,
): Promise<void> => {
  const current = await deps.coverageUnions.read(date);
  await deps.coverageUnions.write(date, union, current?.revision ?? 0, deps.now());
};

/** A day whose coverage was computed before the GPS log: its vehicle summaries and segment bitmaps. */
const loadLegacySanitationDay = async (
  date: string,
  deps: SanitationDayDeps,
): Promise<SanitationDay | undefined> => {
  const summaries = await deps.sanitation.listSummaries(date);
  if (summaries.length === 0) return undefined;
  const reference = await deps.loadSanitation();
  const { network } = reference;
  const districts = [...new Set(network.segments.map((segment) => segment.district))];
  const cleanedCells = new Map<number, number>();
  const coverageOf = await pMap(districts, (district) => deps.sanitation.listCoverage(date, district), {
    concurrency: READ_CONCURRENCY,
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
