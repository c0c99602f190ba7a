import { withinDistance } from '#shared/domain/sanitation/geometry';
import type { RoadNetwork } from '#shared/domain/sanitation/road-network';

/** The coverage rules of CONTRACT §5 "Sanitation". */
export const coverageRules = {
  /** Consecutive points further apart than this do not form a working piece. */
  maxGapMs: 120_000,
  /** Pieces faster than 15 km/h are transit, not work (m/s). */
  maxSpeedMs: 15 / 3.6,
  /** A road point is cleaned when a piece passes within this distance… */
  distanceM: 20,
  /** …running within this angle of the road's direction, either way (cosine of 30°). */
  minAbsCos: Math.cos((30 * Math.PI) / 180),
} as const;

/** One vehicle's points sorted by time, projected to metres. */
export interface Track {
  readonly length: number;
  /** Epoch ms, strictly increasing. */
  readonly t: Float64Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** 1 when the point is working. */
  readonly working: Uint8Array;
}

/**
 * Calls `visit(i)` for every working piece i → i+1 of a track: both points working, at most 120 s
 * apart, implied speed at most 15 km/h, and some distance covered (a piece standing still has no
 * direction and cleans nothing).
 */
export const forEachWorkingPiece = (track: Track, visit: (i: number) => void): void => {
  const { t, x, y, working } = track;
  for (let i = 0; i + 1 < track.length; i += 1) {
    if (!working[i] || !working[i + 1]) continue;
    const dt = (t[i + 1] as number) - (t[i] as number);
    if (dt <= 0 || dt > coverageRules.maxGapMs) continue;
    const distance = Math.hypot(
      (x[i + 1] as number) - (x[i] as number),
      (y[i + 1] as number) - (y[i] as number),
    );
    if (distance === 0 || distance / (dt / 1000) > coverageRules.maxSpeedMs) continue;
    visit(i);
  }
};

/**
 * Marks which cells of which segments working pieces clean, in a city-wide bit array (one cell is
 * about a metre of road; a cell counts when its centre is within 20 m of the piece). Reusable: `clear`
 * resets only the segments touched since the last clear.
 */
export class CoverageMarker {
  readonly bits: Uint8Array;
  readonly touched = new Set<number>();
  private ax = 0;
  private ay = 0;
  private bx = 0;
  private by = 0;
  private ux = 0;
  private uy = 0;
  private readonly visitEdge = (edge: number): boolean => {
    this.markEdge(edge);
    return false;
  };

  constructor(readonly network: RoadNetwork) {
    this.bits = new Uint8Array(Math.ceil(network.totalCells / 8));
  }

  /** Marks what the piece A→B (metres) cleans. */
  markPiece(ax: number, ay: number, bx: number, by: number): void {
    const index = this.network.index;
    const length = Math.hypot(bx - ax, by - ay);
    if (!index || length === 0) return;
    this.ax = ax;
    this.ay = ay;
    this.bx = bx;
    this.by = by;
    this.ux = (bx - ax) / length;
    this.uy = (by - ay) / length;
    const r = coverageRules.distanceM;
    index.search(
      Math.min(ax, bx) - r,
      Math.min(ay, by) - r,
      Math.max(ax, bx) + r,
      Math.max(ay, by) + r,
      this.visitEdge,
    );
  }

  /** Marks every working piece of a track. */
  markTrack(track: Track): void {
    forEachWorkingPiece(track, (i) =>
      this.markPiece(
        track.x[i] as number,
        track.y[i] as number,
        track.x[i + 1] as number,
        track.y[i + 1] as number,
      ),
    );
  }

  private markEdge(edge: number): void {
    const { edges, segments } = this.network;
    const cos = this.ux * (edges.ux[edge] as number) + this.uy * (edges.uy[edge] as number);
    if (Math.abs(cos) < coverageRules.minAbsCos) return;
    const span = withinDistance(
      edges.x0[edge] as number,
      edges.y0[edge] as number,
      edges.x1[edge] as number,
      edges.y1[edge] as number,
      this.ax,
      this.ay,
      this.bx,
      this.by,
      coverageRules.distanceM,
    );
    if (span.from > span.to) return;
    const segmentIndex = edges.segment[edge] as number;
    const segment = segments[segmentIndex] as (typeof segments)[number];
    const cellM = segment.lengthM / segment.cells;
    const offset = edges.offset[edge] as number;
    const length = edges.length[edge] as number;
    const first = Math.max(0, Math.ceil((offset + span.from * length) / cellM - 0.5));
    const last = Math.min(segment.cells - 1, Math.floor((offset + span.to * length) / cellM - 0.5));
    if (first > last) return;
    this.touched.add(segmentIndex);
    for (let cell = segment.firstCell + first; cell <= segment.firstCell + last; cell += 1) {
      this.bits[cell >> 3] = (this.bits[cell >> 3] as number) | (1 << (cell & 7));
    }
  }

  /** Cleaned cells of a segment. */
  cleanedCells(segmentIndex: number): number {
    const segment = this.network.segments[segmentIndex];
    if (!segment) return 0;
    let count = 0;
    for (let cell = segment.firstCell; cell < segment.firstCell + segment.cells; cell += 1) {
      count += ((this.bits[cell >> 3] as number) >> (cell & 7)) & 1;
    }
    return count;
  }

  /** The segment's cells as a bitmap of its own (bit i = cell i), for storage. */
  segmentBitmap(segmentIndex: number): Uint8Array {
    const segment = this.network.segments[segmentIndex];
    if (!segment) return new Uint8Array(0);
    const bitmap = new Uint8Array(Math.ceil(segment.cells / 8));
    for (let i = 0; i < segment.cells; i += 1) {
      const cell = segment.firstCell + i;
      if (((this.bits[cell >> 3] as number) >> (cell & 7)) & 1)
        bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
    }
    return bitmap;
  }

  /** Resets the touched segments. */
  clear(): void {
    for (const segmentIndex of this.touched) {
      const segment = this.network.segments[segmentIndex] as (typeof this.network.segments)[number];
      for (let cell = segment.firstCell; cell < segment.firstCell + segment.cells; cell += 1) {
        this.bits[cell >> 3] = (this.bits[cell >> 3] as number) & ~(1 << (cell & 7));
      }
    }
    this.touched.clear();
  }
}

/** Cells set in a stored segment bitmap. */
export const countBits = (bitmap: Uint8Array): number => {
  let count = 0;
  for (const byte of bitmap) {
    let value = byte;
    while (value) {
      value &= value - 1;
      count += 1;
    }
  }
  return count;
};

/** The union of stored segment bitmaps (all of one segment). */
export const unionBitmaps = (bitmaps: Iterable<Uint8Array>): Uint8Array => {
  let union = new Uint8Array(0);
  for (const bitmap of bitmaps) {
    if (bitmap.length > union.length) {
      const grown = new Uint8Array(bitmap.length);
      grown.set(union);
      union = grown;
    }
    for (let i = 0; i < bitmap.length; i += 1) union[i] = (union[i] as number) | (bitmap[i] as number);
  }
  return union;
};
