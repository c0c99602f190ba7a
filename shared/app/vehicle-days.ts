import { createHash } from 'node:crypto';
import pMap from 'p-map';
import { CoverageMarker, coverageRules } from '#shared/domain/sanitation/coverage';
import type { SanitationReference } from '#shared/domain/sanitation/reference';
import {
  cleansRoads,
  coverVehicleDay,
  type StoredPoint,
  toTrack,
  type VehicleDay,
  type VehicleDaySummary,
} from '#shared/domain/sanitation/track';
import { addDays, localDate, toEpochMs, zonedTime } from '#shared/domain/time';
import type { SanitationRecord } from '#shared/schemas/ingest';

/** Segment bitmaps written at once (each segment is its own item). */
const WRITE_CONCURRENCY = 8;

/** GPS points, vehicle-day summaries and segment bitmaps, with a lease per vehicle-day. */
export interface TrackStore {
  /** Stores one chunk of a vehicle's points of one day (idempotent by `key`). */
  putPoints(vehicleId: string, day: string, key: string, points: readonly StoredPoint[]): Promise<void>;
  /** Every stored point of a vehicle-day. */
  points(vehicleId: string, day: string): Promise<StoredPoint[]>;
  getSummary(day: string, vehicleId: string): Promise<VehicleDaySummary | undefined>;
  putSummary(summary: VehicleDaySummary): Promise<void>;
  /** Writes one vehicle's bitmap of a segment (undefined removes it). */
  setSegmentBitmap(
    day: string,
    district: string,
    segmentId: string,
    vehicleId: string,
    bitmap: string | undefined,
  ): Promise<void>;
  /** Takes a vehicle-day's lease for `holder` unless another holder's lease is still valid. */
  lease(vehicleId: string, day: string, holder: string, now: number, seconds: number): Promise<boolean>;
  release(vehicleId: string, day: string, holder: string): Promise<void>;
}

export interface TrackDeps {
  readonly sanitation: TrackStore;
  readonly timeZone: string;
}

/** A vehicle's day whose coverage must be recomputed. */
export interface VehicleDayKey {
  readonly vehicleId: string;
  readonly day: string;
}

/**
 * Stores a received batch (or part of one) by local day, and returns the vehicle-days it can change:
 * the days of its points, and the day before when a point falls in the first 120 s of a day (the
 * previous day's last piece may end on it).
 */
export const storeTrackPart = async (
  record: SanitationRecord,
  part: number,
  deps: TrackDeps,
): Promise<VehicleDayKey[]> => {
  const byDay = new Map<string, StoredPoint[]>();
  const affected = new Set<string>();
  for (const point of record.points) {
    const t = toEpochMs(point.t);
    const day = localDate(t, deps.timeZone);
    const stored: StoredPoint =
      point.working === undefined
        ? { t, lat: point.lat, lon: point.lon }
        : { t, lat: point.lat, lon: point.lon, working: point.working };
    byDay.set(day, [...(byDay.get(day) ?? []), stored]);
    affected.add(day);
    if (t - zonedTime(day, 0, deps.timeZone) <= coverageRules.maxGapMs) affected.add(addDays(day, -1));
  }
  for (const [day, points] of byDay) {
    await deps.sanitation.putPoints(record.vehicleId, day, `${record.eventId}#${part}`, points);
  }
  return [...affected].sort().map((day) => ({ vehicleId: record.vehicleId, day }));
};

const digest = (bitmap: Uint8Array) => createHash('sha256').update(bitmap).digest('base64url').slice(0, 16);

/**
 * Recomputes one vehicle's day from all its stored points (and the first point of the next day, which
 * can end the day's last piece), then writes only the segment bitmaps that changed and the summary.
 * Returns whether anything changed.
 */
export const recomputeVehicleDay = async (
  key: VehicleDayKey,
  reference: SanitationReference,
  deps: TrackDeps,
  marker: CoverageMarker = new CoverageMarker(reference.network),
  onChanged: (day: string) => Promise<void> = async () => undefined,
): Promise<boolean> => {
  const { vehicleId, day } = key;
  const { network } = reference;
  const vehicle = reference.vehicles.get(vehicleId);
  const points = await deps.sanitation.points(vehicleId, day);
  const previous = await deps.sanitation.getSummary(day, vehicleId);
  // A point early on the next day asks for this day too; a day without points or summary has nothing to do.
  if (points.length === 0 && !previous) return false;
  const last = points.reduce((latest, point) => Math.max(latest, point.t), Number.NEGATIVE_INFINITY);
  const nextDay = addDays(day, 1);
  if (zonedTime(nextDay, 0, deps.timeZone) - last <= coverageRules.maxGapMs) {
    const next = await deps.sanitation.points(vehicleId, nextDay);
    const first = next.reduce<StoredPoint | undefined>(
      (earliest, point) => (!earliest || point.t < earliest.t ? point : earliest),
      undefined,
    );
    if (first) points.push(first);
  }
  const result: VehicleDay = cleansRoads(vehicle?.type)
    ? coverVehicleDay(toTrack(points, network.projection, true), day, deps.timeZone, network, marker)
    : { operatingM: 0, workingMs: 0, segments: new Map() };

  const digests: Record<string, string> = {};
  const bitmaps = new Map<string, Uint8Array>();
  for (const [index, bitmap] of result.segments) {
    const segment = network.segments[index];
    if (!segment) continue;
    digests[segment.segmentId] = digest(bitmap);
    bitmaps.set(segment.segmentId, bitmap);
  }
  const before = previous?.digests ?? {};
  // Segments a crashed run may have written beyond its summary are remembered as touched.
  const touchedBefore = new Set([...Object.keys(before), ...(previous?.touched ?? [])]);
  const written = [...bitmaps.keys()].filter((segmentId) => before[segmentId] !== digests[segmentId]);
  const removed = [...touchedBefore].filter((segmentId) => !digests[segmentId]);
  const changed =
    !previous ||
    previous.operatingM !== result.operatingM ||
    previous.workingMs !== result.workingMs ||
    written.length > 0 ||
    removed.length > 0;
  if (!changed) return false;
  const touched = [...new Set([...touchedBefore, ...written])];
  if (written.some((segmentId) => !touchedBefore.has(segmentId))) {
    await deps.sanitation.putSummary({
      vehicleId,
      day,
      operatingM: previous?.operatingM ?? 0,
      workingMs: previous?.workingMs ?? 0,
      digests: before,
      touched,
    });
  }
  const changes = [
    ...[...written].map((segmentId) => ({
      segmentId,
      bitmap: Buffer.from(bitmaps.get(segmentId) ?? new Uint8Array(0)).toString('base64'),
    })),
    ...[...removed].map((segmentId) => ({ segmentId, bitmap: undefined })),
  ];
  await pMap(
    changes,
    async ({ segmentId, bitmap }) => {
      const segment = network.segments[network.bySegmentId.get(segmentId) ?? -1];
      if (segment)
        await deps.sanitation.setSegmentBitmap(day, segment.district, segmentId, vehicleId, bitmap);
    },
    { concurrency: WRITE_CONCURRENCY },
  );
  // Announced before the summary is final: a failure after this point reruns the same work, and the
  // rerun announces again because the summary still differs.
  await onChanged(day);
  await deps.sanitation.putSummary({
    vehicleId,
    day,
    operatingM: result.operatingM,
    workingMs: result.workingMs,
    digests,
  });
  return true;
};
