import { describe, expect, it } from 'vitest';
import { withinDistance } from '#shared/domain/sanitation/geometry';
import { buildRoadNetwork } from '#shared/domain/sanitation/road-network';
import { coverVehicleDay, type StoredPoint, toTrack } from '#shared/domain/sanitation/track';
import type { Roads } from '#shared/schemas/reference';

/**
 * Hand-computed geometry on a straight east–west road of 200 m at latitude 39.9 (segment "main", from
 * x = 0 to x = 200 m) and a north–south road crossing it at x = 100 m ("cross", from y = −100 to 100 m).
 * Positions are given in metres and converted with the network's own projection, so metres are exact.
 */
const LAT0 = 39.9;
const LON0 = 116.4;
const metresPerDegreeLat = (6_371_008.8 * Math.PI) / 180;
const metresPerDegreeLon = metresPerDegreeLat * Math.cos((LAT0 * Math.PI) / 180);
const lon = (x: number) => LON0 + x / metresPerDegreeLon;
const lat = (y: number) => LAT0 + y / metresPerDegreeLat;

const roads: Roads = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      geometry: {
        type: 'LineString',
        coordinates: [
          [lon(0), lat(0)],
          [lon(200), lat(0)],
        ],
      },
      properties: { segmentId: 'main', district: 'd1', widthM: 15, planned: true },
    },
    {
      type: 'Feature',
      // Symmetric around the origin of the projection, so the projection centre stays at (LON0 + 100 m, LAT0).
      geometry: {
        type: 'LineString',
        coordinates: [
          [lon(100), lat(-100)],
          [lon(100), lat(100)],
        ],
      },
      properties: { segmentId: 'cross', district: 'd1', widthM: 10, planned: true },
    },
  ],
};
const network = buildRoadNetwork(roads);
const zone = 'Asia/Shanghai';
const start = Date.parse('2026-03-02T09:00:00+08:00');

/** Points every `stepS` seconds at `speedKmh` from (x0, y0) towards (x1, y1). */
const drive = (
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  speedKmh: number,
  stepS = 10,
  t0 = start,
): StoredPoint[] => {
  const length = Math.hypot(x1 - x0, y1 - y0);
  const stepM = (speedKmh / 3.6) * stepS;
  const points: StoredPoint[] = [];
  for (let i = 0; i * stepM <= length + 1e-9; i += 1) {
    const f = (i * stepM) / length;
    points.push({ t: t0 + i * stepS * 1000, lat: lat(y0 + f * (y1 - y0)), lon: lon(x0 + f * (x1 - x0)) });
  }
  return points;
};

const cleanedShare = (points: StoredPoint[], segmentId = 'main', workingByDefault = true) => {
  const result = coverVehicleDay(
    toTrack(points, network.projection, workingByDefault),
    '2026-03-02',
    zone,
    network,
  );
  const index = network.bySegmentId.get(segmentId) as number;
  const bitmap = result.segments.get(index);
  const cells = network.segments[index]?.cells ?? 1;
  let set = 0;
  for (let cell = 0; cell < cells; cell += 1)
    set += bitmap && (bitmap[cell >> 3] ?? 0) & (1 << (cell & 7)) ? 1 : 0;
  return { share: set / cells, result };
};

describe('the road network', () => {
  it('measures segments in metres and tiles them with about one cell per metre', () => {
    expect(
      network.segments.map((segment) => [
        segment.segmentId,
        Math.round(segment.lengthM * 100) / 100,
        segment.cells,
      ]),
    ).toEqual([
      ['main', 200, 200],
      ['cross', 200, 200],
    ]);
  });
});

describe('coverage by hand', () => {
  it('cleans a whole road driven end to end at 6 km/h', () => {
    expect(cleanedShare(drive(-30, 0, 230, 0, 6)).share).toBe(1);
  });

  it('cleans half a road: a track ending at x = 80 m cleans up to x = 100 m', () => {
    // 20 m/ step at 7.2 km/h from −40 m to 80 m; cleaned [0, 100] of [0, 200].
    expect(cleanedShare(drive(-40, 0, 80, 0, 7.2)).share).toBeCloseTo(0.5, 2);
  });

  it('cleans in either direction of travel', () => {
    expect(cleanedShare(drive(230, 0, -30, 0, 6)).share).toBe(1);
  });

  it('gives no credit for crossing a road at right angles', () => {
    const { share, result } = cleanedShare(drive(50, -60, 50, 60, 6));
    expect(share).toBe(0);
    expect(result.segments.has(network.bySegmentId.get('main') as number)).toBe(false);
  });

  it('gives no credit to a parallel road 25 m away, full credit 15 m away', () => {
    expect(cleanedShare(drive(-30, 25, 230, 25, 6)).share).toBe(0);
    expect(cleanedShare(drive(-30, 15, 230, 15, 6)).share).toBe(1);
  });

  it('credits a piece within 30° of the road and not one at 40°', () => {
    // From (0, −20) to (100, 20): 21.8° off the road; from (0, −40) to (100, 44): 40°.
    expect(cleanedShare([...drive(0, -20, 100, 20, 8, 10)]).share).toBeGreaterThan(0.4);
    const steep = cleanedShare(drive(60, -42, 110, 0, 8, 10));
    expect(steep.share).toBe(0);
  });

  it('gives no credit for a fast transit (20 km/h)', () => {
    const { share, result } = cleanedShare(drive(-30, 0, 230, 0, 20));
    expect(share).toBe(0);
    expect(result.operatingM).toBe(0);
  });

  it('does not join points 3 minutes apart', () => {
    // 0 → 60 m, then a 3-minute gap, then 140 → 230 m: cleaned [0, 80] and [120, 200] = 160 of 200.
    const before = drive(-30, 0, 60, 0, 5.4);
    const last = before.at(-1) as StoredPoint;
    const after = drive(140, 0, 230, 0, 5.4, 10, last.t + 180_000);
    expect(cleanedShare([...before, ...after]).share).toBeCloseTo(160 / 200, 2);
  });

  it('ignores non-working points, and vehicles whose points default to not working', () => {
    const points = drive(-30, 0, 230, 0, 6).map((point, index) => ({
      ...point,
      working: index > 6 && index < 12 ? false : undefined,
    }));
    const { share } = cleanedShare(points);
    expect(share).toBeGreaterThan(0.5);
    expect(share).toBeLessThan(1);
    expect(cleanedShare(drive(-30, 0, 230, 0, 6), 'main', false).share).toBe(0);
  });

  it('gives the same coverage whatever the order of the points', () => {
    const points = drive(-30, 0, 230, 0, 6);
    const shuffled = [...points].sort((a, b) => Math.sin(a.t) - Math.sin(b.t));
    expect(cleanedShare(shuffled)).toEqual(cleanedShare(points));
  });

  it('counts operating length and working time of working pieces', () => {
    // 260 m at 6 km/h: 15.6 s … 27 pieces of 16.67 m, 10 s each.
    const { result } = cleanedShare(drive(-30, 0, 230, 0, 6));
    const points = drive(-30, 0, 230, 0, 6).length;
    expect(result.workingMs).toBe((points - 1) * 10_000);
    expect(result.operatingM).toBeCloseTo((points - 1) * (6 / 3.6) * 10, 6);
  });

  it('gives a piece that starts just before local midnight to the day it starts', () => {
    const midnight = Date.parse('2026-03-03T00:00:00+08:00');
    const points = drive(-30, 0, 230, 0, 6, 10, midnight - 5000);
    const track = toTrack(points, network.projection, true);
    const before = coverVehicleDay(track, '2026-03-02', zone, network);
    const after = coverVehicleDay(track, '2026-03-03', zone, network);
    expect(before.workingMs).toBe(10_000);
    expect(after.workingMs).toBe((points.length - 2) * 10_000);
  });
});

describe('withinDistance', () => {
  it.each([
    // edge (0,0)→(100,0), piece (20,5)→(40,5), r = 20: x ∈ [20 − √375, 40 + √375]
    [
      [0, 0, 100, 0, 20, 5, 40, 5, 20],
      [(20 - Math.sqrt(375)) / 100, (40 + Math.sqrt(375)) / 100],
    ],
    // a piece 30 m away: nothing
    [[0, 0, 100, 0, 20, 30, 40, 30, 20], null],
    // a piece covering all: the whole edge
    [
      [0, 0, 100, 0, -50, 0, 150, 0, 20],
      [0, 1],
    ],
  ] as const)('finds the covered part of an edge %#', (args, expected) => {
    const [e0x, e0y, e1x, e1y, ax, ay, bx, by, r] = args;
    const span = withinDistance(e0x, e0y, e1x, e1y, ax, ay, bx, by, r);
    if (expected === null) expect(span.from > span.to).toBe(true);
    else {
      expect(span.from).toBeCloseTo(expected[0], 9);
      expect(span.to).toBeCloseTo(expected[1], 9);
    }
  });
});
