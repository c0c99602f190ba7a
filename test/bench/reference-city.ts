import type { Roads, Vehicle } from '#shared/schemas/reference';

/**
 * The reference city-day of the benchmarks (DESIGN "Where the numbers come from"): a grid of roads
 * (101 × 101 intersections 150 m apart: 20,200 segments, 3,030 km) in 8 districts, and 800 sweepers
 * and washers reporting every 10 s for 24 hours (6.9 M points). Deterministic: the same seed gives
 * the same city and the same tracks.
 */
export const GRID = 101;
export const SPACING_M = 150;
export const VEHICLES = 800;
export const REPORT_EVERY_S = 10;
export const POINTS_PER_VEHICLE = (24 * 3600) / REPORT_EVERY_S;

const ORIGIN = { lon: 116.3, lat: 39.85 };
const metresPerDegreeLat = (6_371_008.8 * Math.PI) / 180;
const metresPerDegreeLon = metresPerDegreeLat * Math.cos((ORIGIN.lat * Math.PI) / 180);
export const lonOf = (x: number) => ORIGIN.lon + x / metresPerDegreeLon;
export const latOf = (y: number) => ORIGIN.lat + y / metresPerDegreeLat;

/** mulberry32: a small, fast, seedable generator. */
export const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

const districtOf = (i: number, j: number) => `d${Math.floor((i * 4) / GRID)}${Math.floor((j * 2) / GRID)}`;

/** The road registry: every grid edge a segment; main roads (every 5th line) wider; 90 % planned. */
export const referenceRoads = (): Roads => {
  const next = random(42);
  const features: Roads['features'] = [];
  const add = (i0: number, j0: number, i1: number, j1: number, main: boolean) => {
    features.push({
      type: 'Feature',
      geometry: {
        type: 'LineString',
        coordinates: [
          [lonOf(i0 * SPACING_M), latOf(j0 * SPACING_M)],
          [lonOf(i1 * SPACING_M), latOf(j1 * SPACING_M)],
        ],
      },
      properties: {
        segmentId: `s${features.length}`,
        district: districtOf(i0, j0),
        street: `${districtOf(i0, j0)}-z${Math.floor((i0 * 8) / GRID) % 2}${Math.floor((j0 * 8) / GRID) % 4}`,
        widthM: main ? 30 : 12,
        level: main ? 1 : 3,
        planned: next() < 0.9,
      },
    });
  };
  for (let i = 0; i < GRID; i += 1) {
    for (let j = 0; j < GRID; j += 1) {
      if (i + 1 < GRID) add(i, j, i + 1, j, j % 5 === 0);
      if (j + 1 < GRID) add(i, j, i, j + 1, i % 5 === 0);
    }
  }
  return { type: 'FeatureCollection', features };
};

/** The fleet: 800 vehicles, half sweepers, half washers, spread over the districts. */
export const referenceVehicles = (): Vehicle[] =>
  Array.from({ length: VEHICLES }, (_, n) => ({
    vehicleId: `v${n}`,
    type: n % 2 === 0 ? 'sweeper' : 'washer',
    district: districtOf((n * 37) % GRID, (n * 53) % GRID),
  }));

/** One vehicle's day of points, in degrees and epoch ms, as typed arrays. */
export interface GeneratedTrack {
  readonly t: Float64Array;
  readonly lat: Float64Array;
  readonly lon: Float64Array;
  readonly working: Uint8Array;
}

/**
 * A vehicle's day: parked and not working at night; two working shifts of 3 hours sweeping along the
 * grid at 4–9 km/h within a 2 km zone, with transits between zones at 25–35 km/h; GPS noise ±3 m;
 * 1 % of points dropped (gaps) and the rest reported every 10 s.
 */
export const generateTrack = (vehicle: number, dayStartMs: number): GeneratedTrack => {
  const next = random(1000 + vehicle);
  const t = new Float64Array(POINTS_PER_VEHICLE);
  const lat = new Float64Array(POINTS_PER_VEHICLE);
  const lon = new Float64Array(POINTS_PER_VEHICLE);
  const working = new Uint8Array(POINTS_PER_VEHICLE);
  // Position on the grid: at intersection (i, j) heading (di, dj), `along` metres from it.
  let i = Math.floor(next() * GRID);
  let j = Math.floor(next() * GRID);
  let di = 1;
  let dj = 0;
  let along = 0;
  const zone = { i: Math.floor(next() * (GRID - 14)), j: Math.floor(next() * (GRID - 14)) };
  const shifts = [
    [6 + next() * 2, 9 + next() * 2],
    [13 + next() * 2, 16 + next() * 2],
  ];
  let count = 0;
  for (let step = 0; step < POINTS_PER_VEHICLE; step += 1) {
    const hour = (step * REPORT_EVERY_S) / 3600;
    const inShift = shifts.some(([from = 0, to = 0]) => hour >= from && hour < to);
    const inZone = i >= zone.i && i < zone.i + 14 && j >= zone.j && j < zone.j + 14;
    const speedKmh = !inShift ? 0 : inZone ? 4 + next() * 5 : 25 + next() * 10;
    along += (speedKmh / 3.6) * REPORT_EVERY_S;
    while (along >= SPACING_M) {
      along -= SPACING_M;
      i += di;
      j += dj;
      // Choose the next direction: stay on the grid, head for the zone when outside it.
      const options: [number, number][] = [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ].filter(([a = 0, b = 0]) => i + a >= 0 && i + a < GRID && j + b >= 0 && j + b < GRID) as [
        number,
        number,
      ][];
      const towardsZone = options.filter(
        ([a, b]) => Math.sign(zone.i + 7 - i) === a || Math.sign(zone.j + 7 - j) === b,
      );
      const choices = inShift && !inZone && towardsZone.length > 0 ? towardsZone : options;
      [di, dj] = choices[Math.floor(next() * choices.length)] ?? [1, 0];
    }
    if (next() < 0.01) continue;
    const x = (i + di * (along / SPACING_M)) * SPACING_M + (next() - 0.5) * 6;
    const y = (j + dj * (along / SPACING_M)) * SPACING_M + (next() - 0.5) * 6;
    t[count] = dayStartMs + step * REPORT_EVERY_S * 1000;
    lon[count] = lonOf(x);
    lat[count] = latOf(y);
    working[count] = inShift && inZone ? 1 : 0;
    count += 1;
  }
  return {
    t: t.subarray(0, count),
    lat: lat.subarray(0, count),
    lon: lon.subarray(0, count),
    working: working.subarray(0, count),
  };
};
