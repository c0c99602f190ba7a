import { CoverageMarker, coverageRules } from '#shared/domain/sanitation/coverage';
import type { RoadNetwork } from '#shared/domain/sanitation/road-network';
import { coverVehicleDay, type StoredPoint, toTrack } from '#shared/domain/sanitation/track';
import { addDays, zonedTime } from '#shared/domain/time';

/**
 * The incremental coverage engine's pure part. A vehicle-day is kept as a head (first and last point,
 * the point after the last one already linked, totals) and a log of changes: the points each change
 * brought and the cells its pieces cleaned. A change either extends the track (every new point later
 * than every known one: only the new pieces are covered) or replaces the vehicle-day with its exact
 * recompute from all its points (late data, a resend, a reference change). Folding a vehicle-day's log
 * gives the same cells and totals as covering all its points at once: the tests prove it.
 */

/** A stored point: epoch ms, degrees, working flag (1, 0, or null when the tracker sent none). */
export type PointRow = readonly [t: number, lat: number, lon: number, working: 0 | 1 | null];

export const toRow = (point: StoredPoint): PointRow => [
  point.t,
  point.lat,
  point.lon,
  point.working === undefined ? null : point.working ? 1 : 0,
];

export const fromRow = ([t, lat, lon, working]: PointRow): StoredPoint =>
  working === null ? { t, lat, lon } : { t, lat, lon, working: working === 1 };

export const sameRow = (a: PointRow | undefined, b: PointRow | undefined): boolean =>
  a === b || (!!a && !!b && a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3]);

/** Points sorted by time, then position (the order {@link toTrack} keeps the first of an instant in), unique. */
export const sortRows = (rows: Iterable<PointRow>): PointRow[] => {
  const sorted = [...rows].sort(
    (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || (a[3] ?? -1) - (b[3] ?? -1),
  );
  return sorted.filter((row, index) => index === 0 || !sameRow(row, sorted[index - 1]));
};

/** The point a track keeps of its last instant: the first (by position) of the sorted rows at the latest time. */
const lastKept = (sorted: readonly PointRow[]): PointRow | undefined => {
  let index = sorted.length - 1;
  while (index > 0 && (sorted[index - 1] as PointRow)[0] === (sorted[index] as PointRow)[0]) index -= 1;
  return sorted[index];
};

/**
 * Cleaned cells of one vehicle-day by segmentId: a flat list of inclusive cell ranges
 * `[from, to, from, to, …]`, sorted, disjoint and not touching.
 */
export type CellRanges = Readonly<Record<string, readonly number[]>>;

/** What is kept of one vehicle's day between batches. */
export interface VehicleHead {
  readonly first: PointRow;
  readonly last: PointRow;
  /** The vehicle's first point of the next day, once linked to `last` (a piece between them belongs here). */
  readonly next?: PointRow | undefined;
  /** Length (m) and duration (ms) of the day's working pieces. */
  readonly operatingM: number;
  readonly workingMs: number;
  /** Distinct points stored for the day. */
  readonly points: number;
}

/** One change of a vehicle-day, as a log entry. */
export interface VehicleDayChange {
  readonly vehicleId: string;
  readonly head: VehicleHead;
  /** Points stored with this change (not stored before). */
  readonly points: readonly PointRow[];
  /** Cells of the new pieces; with `replace`, every cell of the day. */
  readonly cells: CellRanges;
  /** The change is the exact recompute of the whole vehicle-day: it replaces every earlier one. */
  readonly replace?: boolean | undefined;
}

/** Inclusive cell ranges of a segment bitmap (bit i = cell i). */
export const rangesOfBitmap = (bitmap: Uint8Array): number[] => {
  const ranges: number[] = [];
  let start = -1;
  const cells = bitmap.length * 8;
  for (let cell = 0; cell <= cells; cell += 1) {
    const set = cell < cells && (((bitmap[cell >> 3] as number) >> (cell & 7)) & 1) === 1;
    if (set && start < 0) start = cell;
    else if (!set && start >= 0) {
      ranges.push(start, cell - 1);
      start = -1;
    }
  }
  return ranges;
};

/** The union of two range lists. */
export const mergeRanges = (a: readonly number[], b: readonly number[]): number[] => {
  if (a.length === 0) return [...b];
  if (b.length === 0) return [...a];
  const pairs: [number, number][] = [];
  for (const list of [a, b])
    for (let i = 0; i + 1 < list.length; i += 2) pairs.push([list[i] as number, list[i + 1] as number]);
  pairs.sort((x, y) => x[0] - y[0]);
  const merged: number[] = [];
  for (const [from, to] of pairs) {
    const end = merged.length - 1;
    if (end > 0 && from <= (merged[end] as number) + 1) merged[end] = Math.max(merged[end] as number, to);
    else merged.push(from, to);
  }
  return merged;
};

/** Adds `cells` to `into` (segmentId → ranges). */
export const addCells = (into: Map<string, readonly number[]>, cells: CellRanges): void => {
  for (const [segmentId, ranges] of Object.entries(cells))
    into.set(segmentId, mergeRanges(into.get(segmentId) ?? [], ranges));
};

/**
 * Cells in a range list, counting only cells below `limit` (a segment's cell count: ranges kept from
 * an older road network may run past it).
 */
export const countRanges = (ranges: readonly number[], limit = Number.POSITIVE_INFINITY): number => {
  let count = 0;
  for (let i = 0; i + 1 < ranges.length; i += 2) {
    const to = Math.min(ranges[i + 1] as number, limit - 1);
    if (to >= (ranges[i] as number)) count += to - (ranges[i] as number) + 1;
  }
  return count;
};

/** Cells by segmentId, with keys sorted: the form compared and stored. */
const sortedCells = (cells: ReadonlyMap<string, readonly number[]>): CellRanges =>
  Object.fromEntries(
    [...cells].filter(([, ranges]) => ranges.length > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );

/** Whether two vehicle-days hold the same cells. */
export const sameCells = (a: CellRanges, b: CellRanges): boolean => {
  const keys = Object.keys(a).filter((key) => (a[key]?.length ?? 0) > 0);
  if (keys.length !== Object.keys(b).filter((key) => (b[key]?.length ?? 0) > 0).length) return false;
  return keys.every((key) => {
    const x = a[key] ?? [];
    const y = b[key] ?? [];
    return x.length === y.length && x.every((value, index) => value === y[index]);
  });
};

/** What the working pieces starting on `day` in a run of points cover. */
interface Covered {
  readonly operatingM: number;
  readonly workingMs: number;
  readonly cells: CellRanges;
}

/** How the engine covers: the road network, the city's time zone, and a reusable marker. */
export interface CoverageContext {
  readonly network: RoadNetwork;
  readonly timeZone: string;
  readonly marker: CoverageMarker;
}

export const coverageContext = (network: RoadNetwork, timeZone: string): CoverageContext => ({
  network,
  timeZone,
  marker: new CoverageMarker(network),
});

/** The working pieces of `rows` (sorted) that start on `day`: totals (added to `from`) and cells. */
const cover = (
  rows: readonly PointRow[],
  day: string,
  cleans: boolean,
  context: CoverageContext,
  from: { operatingM: number; workingMs: number } = { operatingM: 0, workingMs: 0 },
): Covered => {
  if (!cleans || rows.length < 2) return { ...from, cells: {} };
  const { network, timeZone, marker } = context;
  const track = toTrack(rows.map(fromRow), network.projection, true);
  const { operatingM, workingMs, segments } = coverVehicleDay(track, day, timeZone, network, marker, from);
  const cells = new Map<string, readonly number[]>();
  for (const [index, bitmap] of segments) {
    const segment = network.segments[index];
    if (segment) cells.set(segment.segmentId, rangesOfBitmap(bitmap));
  }
  return { operatingM, workingMs, cells: sortedCells(cells) };
};

/** Epoch ms of a day's first instant in the city. */
const dayStart = (day: string, timeZone: string): number => zonedTime(day, 0, timeZone);

/** Whether a point is close enough to the day's end to start a piece ending on the next day. */
export const nearDayEnd = (t: number, day: string, timeZone: string): boolean =>
  dayStart(addDays(day, 1), timeZone) - t <= coverageRules.maxGapMs;

/** Whether a point is close enough to the day's start to end a piece of the day before. */
export const nearDayStart = (t: number, day: string, timeZone: string): boolean =>
  t - dayStart(day, timeZone) <= coverageRules.maxGapMs;

/**
 * The point a vehicle-day's last piece may end on, from the candidates known for the vehicle's first
 * point of the next day: the earliest, when it is early enough in that day to end a piece (a later
 * one cannot: the piece would be longer than 120 s). The same rule decides when a day is linked.
 */
export const successorOf = (
  day: string,
  candidates: readonly (PointRow | undefined)[],
  timeZone: string,
): PointRow | undefined => {
  let earliest: PointRow | undefined;
  for (const candidate of candidates)
    if (candidate && (!earliest || candidate[0] < earliest[0])) earliest = candidate;
  return earliest && nearDayStart(earliest[0], addDays(day, 1), timeZone) ? earliest : undefined;
};

/**
 * Whether new points (sorted, of `day`) only extend the vehicle-day: every one later than the day's
 * last known point, and no later point known that they would come before.
 */
export const extendsDay = (head: VehicleHead | undefined, rows: readonly PointRow[]): boolean => {
  const [earliest] = rows;
  if (!earliest) return false;
  if (!head) return true;
  return head.next === undefined && earliest[0] > head.last[0];
};

/** The change that appends new points (sorted, of `day`, {@link extendsDay}) to a vehicle-day. */
export const extendVehicleDay = (
  vehicleId: string,
  day: string,
  head: VehicleHead | undefined,
  rows: readonly PointRow[],
  cleans: boolean,
  context: CoverageContext,
): VehicleDayChange => {
  const first = rows[0] as PointRow;
  const last = lastKept(rows) as PointRow;
  const covered = cover(head ? [head.last, ...rows] : rows, day, cleans, context, head);
  return {
    vehicleId,
    head: {
      first: head?.first ?? first,
      last,
      operatingM: covered.operatingM,
      workingMs: covered.workingMs,
      points: (head?.points ?? 0) + rows.length,
    },
    points: rows,
    cells: covered.cells,
  };
};

/**
 * The change linking a vehicle-day's last point to the vehicle's first point of the next day (its
 * head has no `next` yet): the piece between them, if working, belongs to this day.
 */
export const linkNextDay = (
  vehicleId: string,
  day: string,
  head: VehicleHead,
  next: PointRow,
  cleans: boolean,
  context: CoverageContext,
): VehicleDayChange => {
  const covered = cover([head.last, next], day, cleans, context, head);
  return {
    vehicleId,
    head: { ...head, next, operatingM: covered.operatingM, workingMs: covered.workingMs },
    points: [],
    cells: covered.cells,
  };
};

/**
 * The exact vehicle-day from all its points (any order, duplicates allowed) and the vehicle's first
 * point of the next day, if known: head and every cell.
 */
export const exactVehicleDay = (
  day: string,
  rows: Iterable<PointRow>,
  next: PointRow | undefined,
  cleans: boolean,
  context: CoverageContext,
): { head: VehicleHead; cells: CellRanges } | undefined => {
  const sorted = sortRows(rows);
  const first = sorted[0];
  const last = lastKept(sorted);
  if (!first || !last) return undefined;
  const covered = cover(next ? [...sorted, next] : sorted, day, cleans, context);
  return {
    head: {
      first,
      last,
      ...(next ? { next } : {}),
      operatingM: covered.operatingM,
      workingMs: covered.workingMs,
      points: sorted.length,
    },
    cells: covered.cells,
  };
};

/** A vehicle-day folded from its log: the latest head, every stored point and every cell. */
export interface FoldedVehicleDay {
  head: VehicleHead;
  points: PointRow[];
  cells: Map<string, readonly number[]>;
}

/** Folds log entries (in log order) into each vehicle's day: a `replace` resets the cells. */
export const foldChanges = (changes: Iterable<VehicleDayChange>): Map<string, FoldedVehicleDay> => {
  const days = new Map<string, FoldedVehicleDay>();
  for (const change of changes) {
    let folded = days.get(change.vehicleId);
    if (!folded) {
      folded = { head: change.head, points: [], cells: new Map() };
      days.set(change.vehicleId, folded);
    }
    folded.head = change.head;
    folded.points.push(...change.points);
    if (change.replace) folded.cells = new Map();
    addCells(folded.cells, change.cells);
  }
  return days;
};

/** Whether an exact recompute equals what the log holds (nothing to write). */
export const sameVehicleDay = (
  folded: FoldedVehicleDay,
  exact: { head: VehicleHead; cells: CellRanges },
): boolean => {
  const a = folded.head;
  const b = exact.head;
  return (
    a.operatingM === b.operatingM &&
    a.workingMs === b.workingMs &&
    a.points === b.points &&
    sameRow(a.first, b.first) &&
    sameRow(a.last, b.last) &&
    sameRow(a.next, b.next) &&
    sameCells(sortedCells(folded.cells), exact.cells)
  );
};
