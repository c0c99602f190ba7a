import { CoverageMarker, forEachWorkingPiece, type Track } from '#shared/domain/sanitation/coverage';
import type { Projection } from '#shared/domain/sanitation/geometry';
import type { RoadNetwork } from '#shared/domain/sanitation/road-network';
import { addDays, zonedTime } from '#shared/domain/time';
import type { Vehicle } from '#shared/schemas/reference';

/** A GPS point as stored: epoch ms, degrees, and the working flag when the tracker sent one. */
export interface StoredPoint {
  readonly t: number;
  readonly lat: number;
  readonly lon: number;
  readonly working?: boolean | undefined;
}

/** What is kept of one vehicle's day: totals, and a digest of each touched segment's bitmap. */
export interface VehicleDaySummary {
  readonly vehicleId: string;
  readonly day: string;
  readonly operatingM: number;
  readonly workingMs: number;
  /** segmentId → digest of this vehicle's bitmap of that segment. */
  readonly digests: Readonly<Record<string, string>>;
  /** Segments a recompute in progress may have written (a superset of `digests`' keys), if any. */
  readonly touched?: readonly string[] | undefined;
}

/** One segment's coverage on one day: each vehicle's bitmap (base64), cleaned = their union. */
export interface SegmentCoverage {
  readonly segmentId: string;
  readonly vehicles: Readonly<Record<string, string>>;
}

/** Sweepers and washers clean roads; only their working pieces count (CONTRACT §5). */
export const cleansRoads = (type: Vehicle['type'] | undefined): boolean =>
  type === 'sweeper' || type === 'washer';

/**
 * A vehicle's points as a track: sorted by time, one point per instant (the first by position when a
 * tracker repeats an instant), projected; a point without a working flag works when `workingByDefault`.
 */
export const toTrack = (
  points: Iterable<StoredPoint>,
  project: Projection,
  workingByDefault: boolean,
): Track => {
  const sorted = [...points].sort((a, b) => a.t - b.t || a.lat - b.lat || a.lon - b.lon);
  const unique = sorted.filter((point, index) => index === 0 || point.t !== sorted[index - 1]?.t);
  const track = {
    length: unique.length,
    t: new Float64Array(unique.length),
    x: new Float64Array(unique.length),
    y: new Float64Array(unique.length),
    working: new Uint8Array(unique.length),
  };
  unique.forEach((point, index) => {
    track.t[index] = point.t;
    track.x[index] = project.x(point.lon);
    track.y[index] = project.y(point.lat);
    track.working[index] = (point.working ?? workingByDefault) ? 1 : 0;
  });
  return track;
};

/** What one vehicle did on one day. */
export interface VehicleDay {
  /** Length of the day's working pieces, metres. */
  readonly operatingM: number;
  /** Duration of the day's working pieces, ms. */
  readonly workingMs: number;
  /** Cleaned cells per touched segment (index into the network), as segment bitmaps. */
  readonly segments: Map<number, Uint8Array>;
}

/**
 * The coverage, operating length and working time of one vehicle's day: the working pieces that start
 * on `day` (city time), from a track holding that day's points and the points after it. Totals are
 * added to `from` piece by piece in time order, so a day covered batch by batch sums to the same
 * floating-point value as the whole day at once.
 */
export const coverVehicleDay = (
  track: Track,
  day: string,
  timeZone: string,
  network: RoadNetwork,
  marker: CoverageMarker = new CoverageMarker(network),
  from: { readonly operatingM: number; readonly workingMs: number } = { operatingM: 0, workingMs: 0 },
): VehicleDay => {
  marker.clear();
  const dayStart = zonedTime(day, 0, timeZone);
  const dayEnd = zonedTime(addDays(day, 1), 0, timeZone);
  let { operatingM, workingMs } = from;
  forEachWorkingPiece(track, (i) => {
    const start = track.t[i] as number;
    if (start < dayStart || start >= dayEnd) return;
    const ax = track.x[i] as number;
    const ay = track.y[i] as number;
    const bx = track.x[i + 1] as number;
    const by = track.y[i + 1] as number;
    operatingM += Math.hypot(bx - ax, by - ay);
    workingMs += (track.t[i + 1] as number) - (track.t[i] as number);
    marker.markPiece(ax, ay, bx, by);
  });
  const segments = new Map<number, Uint8Array>();
  for (const segment of marker.touched) segments.set(segment, marker.segmentBitmap(segment));
  marker.clear();
  return { operatingM, workingMs, segments };
};
