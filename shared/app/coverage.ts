import pMap from 'p-map';
import type { DayIndex, EventPublisher } from '#shared/app/ports';
import { announceChangedDays } from '#shared/app/record-entity-event';
import type { SanitationReference } from '#shared/domain/sanitation/reference';
import { shardOf } from '#shared/domain/sanitation/shards';
import { cleansRoads } from '#shared/domain/sanitation/track';
import {
  type CoverageContext,
  coverageContext,
  exactVehicleDay,
  extendsDay,
  extendVehicleDay,
  foldChanges,
  linkNextDay,
  nearDayEnd,
  nearDayStart,
  type PointRow,
  sameRow,
  sameVehicleDay,
  sortRows,
  successorOf,
  toRow,
  type VehicleDayChange,
  type VehicleHead,
} from '#shared/domain/sanitation/vehicle-day';
import { addDays, localDate, toEpochMs } from '#shared/domain/time';
import { coverageReprocessRequested } from '#shared/events/coverage-reprocess';
import { deliveredEventSchema } from '#shared/events/delivered';
import { sanitationRecordAccepted, sanitationRecordsAccepted } from '#shared/events/record-accepted';
import type { SanitationRecord } from '#shared/schemas/ingest';

/** The vehicle-day heads of one shard on one day, at a version of its log. */
export interface ShardDayHead {
  /** Version of the last log entry the heads include (0: none). */
  readonly version: number;
  readonly vehicles: ReadonlyMap<string, VehicleHead>;
}

/** The head of a shard-day that has none stored: version 0, no vehicles. */
export const emptyHead = (): ShardDayHead => ({ version: 0, vehicles: new Map() });

/** One entry of a shard-day's log. */
export interface GpsLogEntry {
  readonly version: number;
  readonly changes: readonly VehicleDayChange[];
}

/**
 * The GPS log: per (day, shard) an append-only log of vehicle-day changes (the points they brought,
 * the cells they cleaned) and a head item with every vehicle's latest head. Appends are conditional on
 * the next version being free, so two consumers never both extend one shard-day from the same state.
 */
export interface GpsLog {
  /** The stored head of a shard-day (a consistent read); version 0 and no vehicles when none. */
  readHead(day: string, shard: number): Promise<ShardDayHead>;
  /** The stored heads of every shard of a day (or of these shards) that has one (consistent reads). */
  readHeads(day: string, shards?: readonly number[]): Promise<Map<number, ShardDayHead>>;
  /** The log entries of a shard-day after `afterVersion`, in order (consistent reads). */
  readEntries(day: string, shard: number, afterVersion?: number): Promise<GpsLogEntry[]>;
  /**
   * Appends `changes` after version `after` (in one entry, or several when they are large); returns the
   * last version written, or undefined when another writer took one of those versions (the entries
   * written before it hold whole changes).
   */
  append(
    day: string,
    shard: number,
    after: number,
    changes: readonly VehicleDayChange[],
  ): Promise<number | undefined>;
  /** Stores the head at its version, unless a later one is stored. */
  writeHead(day: string, shard: number, head: ShardDayHead): Promise<void>;
}

export interface CoverageDeps {
  readonly gps: GpsLog;
  /** Points stored before the GPS log: moved into it with the vehicle-day's next batch. */
  readonly sanitation: { legacyPoints(vehicleId: string, day: string): Promise<PointRow[]> };
  readonly days: Pick<DayIndex, 'markDay'>;
  readonly publisher: EventPublisher;
  readonly loadSanitation: () => Promise<SanitationReference>;
  readonly timeZone: string;
}

/** What a batch of coverage messages did. */
export interface CoverageOutcome {
  /** Days whose sanitation facts changed (already announced as `facts.changed`). */
  readonly changedDays: string[];
  /** Messages to retry: unreadable, or whose shard's work failed. */
  readonly failedMessages: string[];
  readonly failures: { message?: string; shard?: number; error: string }[];
}

/** A vehicle's day to recompute exactly (a reference change). */
interface VehicleDayKey {
  readonly vehicleId: string;
  readonly day: string;
}

/** What a batch asks of one shard: new points per vehicle, and vehicle-days to recompute. */
interface ShardWork {
  readonly points: Map<string, PointRow[]>;
  readonly reprocess: VehicleDayKey[];
  readonly messages: Set<string>;
}

/** Shards worked on at once (each waits mostly on DynamoDB). */
const SHARD_CONCURRENCY = 8;
/** Tries of one shard when another consumer appended to one of its days meanwhile. */
const SHARD_ATTEMPTS = 5;

/** Another consumer appended to a shard-day this attempt had read. */
class LogConflict extends Error {}

const rowsOf = (record: SanitationRecord): PointRow[] =>
  record.points.map((point) =>
    toRow({ t: toEpochMs(point.t), lat: point.lat, lon: point.lon, working: point.working }),
  );

/** The records (or reprocessing requests) one coverage message carries. */
const readMessage = (
  body: string,
): { records: SanitationRecord[] } | { reprocess: readonly VehicleDayKey[] } => {
  const event = deliveredEventSchema.parse(JSON.parse(body));
  switch (event['detail-type']) {
    case coverageReprocessRequested.detailType:
      return { reprocess: coverageReprocessRequested.detailSchema.parse(event.detail).vehicleDays };
    case sanitationRecordAccepted.detailType:
      return { records: [sanitationRecordAccepted.detailSchema.parse(event.detail).record] };
    default:
      return { records: sanitationRecordsAccepted.detailSchema.parse(event.detail).records };
  }
};

/**
 * Handles one batch of coverage messages: groups the points by the shard of their vehicle, and per
 * shard extends each vehicle-day they continue (work in proportion to the new points) or recomputes
 * exactly the vehicle-days they land inside (late data, resends), then appends the changes to the
 * shard-days' logs. A shard whose work fails fails only the messages that brought it work.
 */
export const processTrackMessages = async (
  messages: readonly { id: string; body: string }[],
  deps: CoverageDeps,
): Promise<CoverageOutcome> => {
  const shards = new Map<number, ShardWork>();
  const workOf = (shard: number) => {
    let work = shards.get(shard);
    if (!work) {
      work = { points: new Map(), reprocess: [], messages: new Set() };
      shards.set(shard, work);
    }
    return work;
  };
  const failed = new Set<string>();
  const failures: CoverageOutcome['failures'] = [];
  for (const message of messages) {
    try {
      const read = readMessage(message.body);
      if ('reprocess' in read) {
        for (const key of read.reprocess) {
          const work = workOf(shardOf(key.vehicleId));
          work.reprocess.push(key);
          work.messages.add(message.id);
        }
        continue;
      }
      for (const record of read.records) {
        const work = workOf(shardOf(record.vehicleId));
        work.points.set(record.vehicleId, [...(work.points.get(record.vehicleId) ?? []), ...rowsOf(record)]);
        work.messages.add(message.id);
      }
    } catch (error) {
      failed.add(message.id);
      failures.push({ message: message.id, error: (error as Error).message });
    }
  }
  const changedDays = new Set<string>();
  const touchedDays = new Set<string>();
  if (shards.size > 0) {
    const [reference, heads] = await Promise.all([deps.loadSanitation(), prefetchHeads(shards, deps)]);
    await pMap(
      shards,
      async ([shard, work]) => {
        // Each shard has a marker of its own: shards are covered concurrently.
        const context = coverageContext(reference.network, deps.timeZone);
        try {
          const { changed, touched } = await processShard(shard, work, reference, context, deps, heads);
          for (const day of changed) changedDays.add(day);
          for (const day of touched) touchedDays.add(day);
        } catch (error) {
          for (const id of work.messages) failed.add(id);
          failures.push({ shard, error: (error as Error).message });
        }
      },
      { concurrency: SHARD_CONCURRENCY },
    );
  }
  const days = [...changedDays].sort();
  try {
    for (const day of days) await deps.days.markDay(day);
    // Days the batch touched are announced even when nothing changed: a retry after a failed
    // announcement finds its changes stored, and must still have the days recomputed.
    await announceChangedDays([...touchedDays, ...days], 'coverage changed', deps);
  } catch (error) {
    // The logs are written; without the announcement the days would wait for the nightly run.
    for (const message of messages) failed.add(message.id);
    failures.push({ error: `could not announce changed days: ${(error as Error).message}` });
  }
  return { changedDays: days, failedMessages: [...failed], failures };
};

/** Heads read ahead for a batch, by `<day>#<shard>`: undefined for a shard-day with none stored. */
type PrefetchedHeads = ReadonlyMap<string, ShardDayHead | undefined>;

/**
 * The heads of the shard-days the batch's points fall on, read in one call per day rather than one
 * per shard (the same consistent reads). Nothing when that fails: each shard then reads its own, and
 * only a shard whose read fails fails its messages.
 */
const prefetchHeads = async (
  shards: ReadonlyMap<number, ShardWork>,
  deps: CoverageDeps,
): Promise<PrefetchedHeads> => {
  const byDay = new Map<string, Set<number>>();
  for (const [shard, work] of shards)
    for (const rows of work.points.values())
      for (const row of rows) {
        const day = localDate(row[0], deps.timeZone);
        byDay.set(day, (byDay.get(day) ?? new Set()).add(shard));
      }
  const heads = new Map<string, ShardDayHead | undefined>();
  try {
    for (const [day, wanted] of byDay) {
      const stored = await deps.gps.readHeads(day, [...wanted]);
      for (const shard of wanted) heads.set(`${day}#${shard}`, stored.get(shard));
    }
  } catch {
    return new Map();
  }
  return heads;
};

/** Works one shard, retrying from fresh reads when another consumer appended meanwhile. */
const processShard = async (
  shard: number,
  work: ShardWork,
  reference: SanitationReference,
  context: CoverageContext,
  deps: CoverageDeps,
  heads: PrefetchedHeads,
): Promise<{ changed: string[]; touched: string[] }> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      // A retry reads afresh: another consumer appended since the heads were read.
      return await attemptShard(
        shard,
        work,
        reference,
        context,
        deps,
        attempt > 1,
        attempt === 1 ? heads : new Map(),
      );
    } catch (error) {
      if (!(error instanceof LogConflict) || attempt >= SHARD_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 50));
    }
  }
};

/** A shard-day as one attempt sees it: the stored head and log, and the changes it will append. */
interface DayState {
  readonly stored: ShardDayHead;
  /** The stored head lacked entries of the log (its writer stopped between the two writes). */
  readonly lagged: boolean;
  readonly vehicles: Map<string, VehicleHead>;
  entries?: GpsLogEntry[];
  readonly pending: VehicleDayChange[];
}

const attemptShard = async (
  shard: number,
  work: ShardWork,
  reference: SanitationReference,
  context: CoverageContext,
  deps: CoverageDeps,
  catchUp: boolean,
  heads: PrefetchedHeads,
): Promise<{ changed: string[]; touched: string[] }> => {
  const { gps, timeZone } = deps;
  const states = new Map<string, DayState>();
  const load = async (day: string): Promise<DayState> => {
    const known = states.get(day);
    if (known) return known;
    const key = `${day}#${shard}`;
    let stored = heads.has(key) ? (heads.get(key) ?? emptyHead()) : await gps.readHead(day, shard);
    let lagged = false;
    if (catchUp) {
      // The head may lag its log (a writer stopped between the two writes): fold what it lacks.
      const missed = await gps.readEntries(day, shard, stored.version);
      if (missed.length > 0) {
        stored = withEntries(stored, missed);
        lagged = true;
      }
    }
    const state: DayState = { stored, lagged, vehicles: new Map(stored.vehicles), pending: [] };
    states.set(day, state);
    return state;
  };
  const push = (state: DayState, change: VehicleDayChange) => {
    state.pending.push(change);
    state.vehicles.set(change.vehicleId, change.head);
  };
  const cleans = (vehicleId: string) => cleansRoads(reference.vehicles.get(vehicleId)?.type);
  /** A vehicle-day as stored and as this attempt changed it so far. */
  const folded = async (day: string, vehicleId: string) => {
    const state = await load(day);
    state.entries ??= await gps.readEntries(day, shard, 0);
    const changes = [...state.entries, { version: 0, changes: state.pending }].flatMap((entry) =>
      entry.changes.filter((change) => change.vehicleId === vehicleId),
    );
    return foldChanges(changes).get(vehicleId);
  };
  /** The vehicle's first point of the day after `day`, when it has one. */
  const nextFirst = async (day: string, vehicleId: string) =>
    (await load(addDays(day, 1))).vehicles.get(vehicleId)?.first;
  /**
   * The point a vehicle-day's last piece may end on: the earliest known of the vehicle's first point
   * of the next day and the one the day was linked to (linked first, the next day's head written
   * after), when it is early enough in that day to end a piece — the rule linking follows too.
   */
  const successor = async (day: string, vehicleId: string) =>
    successorOf(
      day,
      [await nextFirst(day, vehicleId), (await load(day)).vehicles.get(vehicleId)?.next],
      timeZone,
    );

  const legacy = new Map<string, Promise<PointRow[]>>();
  /** A vehicle-day's points stored before the GPS log (read once per attempt). */
  const legacyOf = (day: string, vehicleId: string) => {
    const key = `${day}#${vehicleId}`;
    let points = legacy.get(key);
    if (!points) {
      points = deps.sanitation.legacyPoints(vehicleId, day);
      legacy.set(key, points);
    }
    return points;
  };
  /** Recomputes a vehicle-day from all its points and `rows`; records a replacing change if it differs. */
  const recompute = async (day: string, vehicleId: string, rows: readonly PointRow[]) => {
    const state = await load(day);
    const before = await folded(day, vehicleId);
    // Not in the log yet: its points from before the GPS log (if any) join it now.
    const joining = before ? rows : [...(await legacyOf(day, vehicleId)), ...rows];
    const known = new Set((before?.points ?? []).map((row) => row.join(',')));
    const fresh = sortRows(joining.filter((row) => !known.has(row.join(','))));
    const all = [...(before?.points ?? []), ...fresh];
    const exact = exactVehicleDay(day, all, await successor(day, vehicleId), cleans(vehicleId), context);
    if (!exact) return;
    if (before && fresh.length === 0 && sameVehicleDay(before, exact)) return;
    push(state, { vehicleId, head: exact.head, points: fresh, cells: exact.cells, replace: true });
    if (!before || !sameRow(before.head.first, exact.head.first))
      await linkPrevious(day, vehicleId, exact.head.first);
  };
  /** The day before `day` links its last point to the vehicle's (new) first point of `day`. */
  const linkPrevious = async (day: string, vehicleId: string, first: PointRow) => {
    if (!nearDayStart(first[0], day, timeZone)) return;
    const previousDay = addDays(day, -1);
    const previous = await load(previousDay);
    const head = previous.vehicles.get(vehicleId);
    if (!head || sameRow(head.next, first)) return;
    if (head.next === undefined && first[0] > head.last[0])
      push(previous, linkNextDay(vehicleId, previousDay, head, first, cleans(vehicleId), context));
    else await recompute(previousDay, vehicleId, []);
  };

  for (const [vehicleId, rows] of work.points) {
    const byDay = new Map<string, PointRow[]>();
    for (const row of rows) {
      const day = localDate(row[0], timeZone);
      byDay.set(day, [...(byDay.get(day) ?? []), row]);
    }
    for (const day of [...byDay.keys()].sort()) {
      const sorted = sortRows(byDay.get(day) ?? []);
      const state = await load(day);
      const head = state.vehicles.get(vehicleId);
      const latest = sorted[sorted.length - 1] as PointRow;
      const later = nearDayEnd(latest[0], day, timeZone) ? await nextFirst(day, vehicleId) : undefined;
      // A vehicle-day begun before the GPS log joins it in one exact recompute with its stored points.
      const legacy = head ? [] : await legacyOf(day, vehicleId);
      if (legacy.length === 0 && extendsDay(head, sorted) && !later) {
        push(state, extendVehicleDay(vehicleId, day, head, sorted, cleans(vehicleId), context));
        if (!head) await linkPrevious(day, vehicleId, sorted[0] as PointRow);
      } else {
        // Late or resent points: the exact recompute of the vehicle-day.
        await recompute(day, vehicleId, sorted);
      }
    }
  }
  for (const { vehicleId, day } of work.reprocess) await recompute(day, vehicleId, []);

  const changed: string[] = [];
  const touched = [
    ...new Set([
      ...[...work.points.values()].flat().map((row) => localDate(row[0], timeZone)),
      ...work.reprocess.map(({ day }) => day),
    ]),
  ];
  for (const [day, state] of [...states].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (state.pending.length === 0) {
      // Nothing new, but the head lacked entries: it is written now, or it would lag until the next append.
      if (state.lagged) await gps.writeHead(day, shard, state.stored);
      continue;
    }
    const version = await gps.append(day, shard, state.stored.version, state.pending);
    if (version === undefined) throw new LogConflict(`shard ${shard} of ${day} was appended to meanwhile`);
    await gps.writeHead(day, shard, { version, vehicles: state.vehicles });
    changed.push(day);
  }
  return { changed, touched };
};

/** A head with later log entries folded in. */
const withEntries = (head: ShardDayHead, entries: readonly GpsLogEntry[]): ShardDayHead => {
  const vehicles = new Map(head.vehicles);
  let { version } = head;
  for (const entry of entries) {
    for (const change of entry.changes) vehicles.set(change.vehicleId, change.head);
    version = Math.max(version, entry.version);
  }
  return { version, vehicles };
};
