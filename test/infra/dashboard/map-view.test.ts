import { describe, expect, it } from 'vitest';
import {
  type AreaMapJson,
  boundsOf,
  type EventMapJson,
  mapSummary,
  type RoadMapJson,
  rangeLabels,
  roadTotals,
  valueRange,
} from '#infra/dashboard/page/map-view';

const road = (coordinates: number[][], planned: boolean, share: number | null, lengthM: number) => ({
  geometry: { coordinates },
  properties: { planned, share, lengthM },
});
const roads: RoadMapJson = {
  type: 'FeatureCollection',
  coverage: true,
  features: [
    road(
      [
        [116.3, 39.9],
        [116.31, 39.9],
      ],
      true,
      1,
      800,
    ),
    road(
      [
        [116.31, 39.9],
        [116.31, 39.92],
      ],
      true,
      0.25,
      400,
    ),
    road(
      [
        [116.29, 39.89],
        [116.3, 39.89],
      ],
      false,
      null,
      300,
    ),
  ],
};
const area = (value: number | null, x0 = 116.2): AreaMapJson['features'][number] => ({
  geometry: {
    type: 'Polygon',
    coordinates: [
      [
        [x0, 39.8],
        [x0 + 0.05, 39.8],
        [x0 + 0.05, 39.85],
        [x0, 39.8],
      ],
    ],
  },
  properties: { value },
});
const areas: AreaMapJson = { type: 'FeatureCollection', features: [area(0.5), area(null), area(0.9, 116.4)] };
const events = (count: number, total: number, unplaced = 0): EventMapJson => ({
  type: 'FeatureCollection',
  total,
  truncated: total > count,
  unplaced,
  features: Array.from({ length: count }, () => ({ properties: { kind: 'ticket' as const } })),
});

describe('the map view', () => {
  it('spans the area colours over the values of the day, ignoring areas without one', () => {
    expect(valueRange(areas)).toEqual([0.5, 0.9]);
    expect(valueRange({ type: 'FeatureCollection', features: [area(null)] })).toBeUndefined();
    expect(rangeLabels([0.5, 0.9], 'fraction')).toEqual(['50.0%', '90.0%']);
    expect(rangeLabels(undefined, 'count')).toEqual(['—', '—']);
  });

  it('fits the roads and areas', () => {
    expect(boundsOf(roads, areas)).toEqual([116.2, 39.8, 116.45, 39.92]);
    expect(boundsOf({ ...roads, features: [] }, { type: 'FeatureCollection', features: [] })).toBeUndefined();
  });

  it('sums the cleaned length as share × length over planned segments', () => {
    // 800 m · 1 + 400 m · 0.25 = 900 m of 1,200 m planned; the unplanned 300 m count nowhere.
    expect(roadTotals(roads)).toEqual({ plannedKm: 1.2, cleanedKm: 0.9 });
    expect(roadTotals({ ...roads, coverage: false }).cleanedKm).toBeUndefined();
  });

  it('says what each layer holds, and when the points were cut at the limit', () => {
    expect(mapSummary(roads, areas, events(2, 2))).toBe(
      '道路 Roads 3 (0.9 km of 1.2 km cleaned) · 区域 Areas 3 · 事件 Points 2',
    );
    expect(mapSummary({ ...roads, coverage: false }, areas, events(2, 5, 1))).toBe(
      '道路 Roads 3 (no GPS data that day) · 区域 Areas 3 · 事件 Points 2 of 5 (limit reached), 1 without a place',
    );
  });
});
