/** Planar geometry in metres around a city centre (equirectangular projection; < 0.1 % error within 50 km). */

const EARTH_RADIUS_M = 6_371_008.8;
const RADIANS = Math.PI / 180;

/** Projects longitude/latitude to metres east/north of an origin. */
export interface Projection {
  readonly x: (lon: number) => number;
  readonly y: (lat: number) => number;
}

export const projection = (originLon: number, originLat: number): Projection => {
  const metresPerDegreeLat = EARTH_RADIUS_M * RADIANS;
  const metresPerDegreeLon = metresPerDegreeLat * Math.cos(originLat * RADIANS);
  return {
    x: (lon) => (lon - originLon) * metresPerDegreeLon,
    y: (lat) => (lat - originLat) * metresPerDegreeLat,
  };
};

/** Great-circle distance in metres (haversine), for lengths that must not depend on a projection. */
export const haversineM = (lon1: number, lat1: number, lon2: number, lat2: number): number => {
  const dLat = (lat2 - lat1) * RADIANS;
  const dLon = (lon2 - lon1) * RADIANS;
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RADIANS) * Math.cos(lat2 * RADIANS) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
};

/** A closed interval [from, to] of a line parameter; empty when from > to. */
export interface Interval {
  from: number;
  to: number;
}

const EMPTY: Interval = { from: 1, to: 0 };

const merge = (a: Interval, b: Interval): Interval =>
  a.from > a.to ? b : b.from > b.to ? a : { from: Math.min(a.from, b.from), to: Math.max(a.to, b.to) };

/** Parameters t where |P + t·D − C| ≤ r (a line against a disc). */
const lineDisc = (
  px: number,
  py: number,
  dx: number,
  dy: number,
  cx: number,
  cy: number,
  r: number,
): Interval => {
  const fx = px - cx;
  const fy = py - cy;
  const a = dx * dx + dy * dy;
  const b = 2 * (fx * dx + fy * dy);
  const c = fx * fx + fy * fy - r * r;
  const discriminant = b * b - 4 * a * c;
  if (a === 0 || discriminant < 0) return EMPTY;
  const root = Math.sqrt(discriminant);
  return { from: (-b - root) / (2 * a), to: (-b + root) / (2 * a) };
};

/** Parameters t where lo ≤ k·t + m ≤ hi. */
const linearBand = (k: number, m: number, lo: number, hi: number): Interval => {
  if (k === 0)
    return m >= lo && m <= hi ? { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY } : EMPTY;
  const t1 = (lo - m) / k;
  const t2 = (hi - m) / k;
  return { from: Math.min(t1, t2), to: Math.max(t1, t2) };
};

/**
 * The part of the edge E0→E1 (as parameters in [0, 1]) that lies within `r` of the segment A→B:
 * the edge's line crossed with the capsule around A→B (a rectangle and two end discs; the capsule is
 * convex, so the result is one interval). Empty when no point of the edge is that close.
 */
export const withinDistance = (
  e0x: number,
  e0y: number,
  e1x: number,
  e1y: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  r: number,
): Interval => {
  const dx = e1x - e0x;
  const dy = e1y - e0y;
  const abx = bx - ax;
  const aby = by - ay;
  const length = Math.hypot(abx, aby);
  let result = merge(lineDisc(e0x, e0y, dx, dy, ax, ay, r), lineDisc(e0x, e0y, dx, dy, bx, by, r));
  if (length > 0) {
    const ux = abx / length;
    const uy = aby / length;
    // Along the piece: 0 ≤ (E(t) − A)·u ≤ length; across it: |(E(t) − A)·n| ≤ r.
    const along = linearBand(dx * ux + dy * uy, (e0x - ax) * ux + (e0y - ay) * uy, 0, length);
    const across = linearBand(dx * -uy + dy * ux, (e0x - ax) * -uy + (e0y - ay) * ux, -r, r);
    const from = Math.max(along.from, across.from);
    const to = Math.min(along.to, across.to);
    if (from <= to) result = merge(result, { from, to });
  }
  const from = Math.max(0, result.from);
  const to = Math.min(1, result.to);
  return from <= to ? { from, to } : EMPTY;
};
