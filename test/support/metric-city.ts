import type { Roads } from '#shared/schemas/reference';

/**
 * A small test city laid out in metres around (116.4 E, 39.9 N), converted with the same equirectangular
 * projection the road network uses, so lengths in these tests are exact metres.
 */
export const LAT0 = 39.9;
export const LON0 = 116.4;
const metresPerDegreeLat = (6_371_008.8 * Math.PI) / 180;
const metresPerDegreeLon = metresPerDegreeLat * Math.cos((LAT0 * Math.PI) / 180);
export const lon = (x: number) => LON0 + x / metresPerDegreeLon;
export const lat = (y: number) => LAT0 + y / metresPerDegreeLat;

/** A GPS point in metres and epoch ms. */
export interface MetricPoint {
  readonly t: number;
  readonly x: number;
  readonly y: number;
  readonly working?: boolean;
}

/** Points every `stepS` seconds at `speedKmh` from (x0, y0) towards (x1, y1), starting at `t0`. */
export const drive = (
  from: [number, number],
  to: [number, number],
  speedKmh: number,
  t0: number,
  stepS = 10,
): MetricPoint[] => {
  const [x0, y0] = from;
  const [x1, y1] = to;
  const length = Math.hypot(x1 - x0, y1 - y0);
  const stepM = (speedKmh / 3.6) * stepS;
  const points: MetricPoint[] = [];
  for (let i = 0; i * stepM <= length + 1e-9; i += 1) {
    const f = (i * stepM) / length;
    points.push({ t: t0 + i * stepS * 1000, x: x0 + f * (x1 - x0), y: y0 + f * (y1 - y0) });
  }
  return points;
};

/** Track points as the ingest API takes them. */
export const asRecordPoints = (points: readonly MetricPoint[]) =>
  points.map((point) => ({
    t: new Date(point.t).toISOString(),
    lat: lat(point.y),
    lon: lon(point.x),
    ...(point.working === undefined ? {} : { working: point.working }),
  }));

const line = (
  segmentId: string,
  from: [number, number],
  to: [number, number],
  properties: Record<string, unknown>,
) => ({
  type: 'Feature' as const,
  geometry: {
    type: 'LineString' as const,
    coordinates: [
      [lon(from[0]), lat(from[1])],
      [lon(to[0]), lat(to[1])],
    ],
  },
  properties: { segmentId, district: 'east', widthM: 15, planned: true, ...properties },
});

/**
 * Four roads, the layout symmetric around (100 m, 0) so the projection centre stays there:
 * - `main`: x 0 → 200 at y = 0, district east, street east-south, 15 m wide;
 * - `cross`: y −100 → 100 at x = 100, district east, 10 m wide;
 * - `north`: x 0 → 200 at y = 100, district west, 30 m wide;
 * - `service`: x 0 → 200 at y = −100, district west, not planned.
 */
export const testRoads: Roads = {
  type: 'FeatureCollection',
  features: [
    line('main', [0, 0], [200, 0], { street: 'east-south' }),
    line('cross', [100, -100], [100, 100], { widthM: 10 }),
    line('north', [0, 100], [200, 100], { district: 'west', widthM: 30 }),
    line('service', [0, -100], [200, -100], { district: 'west', planned: false }),
  ],
};
