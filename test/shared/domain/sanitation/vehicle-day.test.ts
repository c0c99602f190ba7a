import { describe, expect, it } from 'vitest';
import { buildRoadNetwork } from '#shared/domain/sanitation/road-network';
import { coverVehicleDay, toTrack } from '#shared/domain/sanitation/track';
import {
  type CellRanges,
  coverageContext,
  exactVehicleDay,
  extendsDay,
  extendVehicleDay,
  foldChanges,
  linkNextDay,
  mergeRanges,
  type PointRow,
  rangesOfBitmap,
  sortRows,
  type VehicleHead,
} from '#shared/domain/sanitation/vehicle-day';
import { lat, lon, testRoads } from '../../../support/metric-city.ts';

const zone = 'Asia/Shanghai';
const day = '2026-03-02';
const network = buildRoadNetwork(testRoads);
const context = coverageContext(network, zone);

const row = (t: number, x: number, y: number, working: 0 | 1 | null = null): PointRow => [
  t,
  lat(y),
  lon(x),
  working,
];
const nine = Date.parse('2026-03-02T09:00:00+08:00');

/** The coverage engine run once over all points (the engine before the log), as cell ranges. */
const wholeDay = (rows: readonly PointRow[]) => {
  const track = toTrack(
    rows.map(([t, la, lo, w]) =>
      w === null ? { t, lat: la, lon: lo } : { t, lat: la, lon: lo, working: w === 1 },
    ),
    network.projection,
    true,
  );
  const result = coverVehicleDay(track, day, zone, network);
  const cells: Record<string, number[]> = {};
  for (const [index, bitmap] of result.segments)
    cells[network.segments[index]?.segmentId ?? ''] = rangesOfBitmap(bitmap);
  return { operatingM: result.operatingM, workingMs: result.workingMs, cells };
};

const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

const wander = (seed: number, count: number): PointRow[] => {
  const next = random(seed);
  const rows: PointRow[] = [];
  let t = nine;
  let x = 0;
  let y = 0;
  for (let i = 0; i < count; i += 1) {
    t += 1000 * (1 + Math.floor(next() * (next() < 0.05 ? 200 : 20)));
    if (next() < 0.5) x = Math.max(-20, Math.min(220, x + (next() - 0.3) * 60));
    else y = Math.max(-110, Math.min(110, y + (next() - 0.5) * 50));
    rows.push(row(t, x, y, next() < 0.1 ? 0 : null));
  }
  return rows;
};

const asObject = (cells: CellRanges) => Object.fromEntries(Object.entries(cells));

describe('a vehicle-day kept as a head and a log of changes', () => {
  it('turns a segment bitmap into ranges and merges ranges', () => {
    expect(rangesOfBitmap(Uint8Array.from([0b1110_0111, 0b0000_0001]))).toEqual([0, 2, 5, 8]);
    expect(mergeRanges([0, 2, 10, 12], [3, 4, 8, 9, 20, 20])).toEqual([0, 4, 8, 12, 20, 20]);
  });

  it('covers a whole day as the engine before it did: totals, cells and ranges', () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const rows = wander(seed, 120);
      const exact = exactVehicleDay(day, rows, undefined, true, context);
      const whole = wholeDay(rows);
      expect(exact?.head.operatingM).toBe(whole.operatingM);
      expect(exact?.head.workingMs).toBe(whole.workingMs);
      expect(asObject(exact?.cells ?? {})).toEqual(whole.cells);
    }
  });

  it('extended batch by batch, equals the exact day to the last bit', () => {
    for (let seed = 1; seed <= 40; seed += 1) {
      const next = random(seed * 7);
      const rows = wander(seed, 150);
      let head: VehicleHead | undefined;
      const changes = [];
      for (let from = 0; from < rows.length; ) {
        const size = 1 + Math.floor(next() * 15);
        const batch = sortRows(rows.slice(from, from + size));
        expect(extendsDay(head, batch)).toBe(true);
        const change = extendVehicleDay('v', day, head, batch, true, context);
        changes.push(change);
        head = change.head;
        from += size;
      }
      const folded = foldChanges(changes).get('v');
      const exact = exactVehicleDay(day, rows, undefined, true, context);
      expect(folded?.head).toEqual(exact?.head);
      const cells = Object.fromEntries([...(folded?.cells ?? [])].sort(([a], [b]) => (a < b ? -1 : 1)));
      expect(cells).toEqual(asObject(exact?.cells ?? {}));
    }
  });

  it('refuses to extend with a point not after the last one, or once the next day is linked', () => {
    const head = exactVehicleDay(day, [row(nine, 0, 0), row(nine + 10_000, 10, 0)], undefined, true, context)
      ?.head as VehicleHead;
    expect(extendsDay(head, [row(nine + 10_000, 20, 0)])).toBe(false);
    expect(extendsDay(head, [row(nine + 5_000, 5, 0)])).toBe(false);
    expect(extendsDay(head, [row(nine + 20_000, 20, 0)])).toBe(true);
    expect(extendsDay({ ...head, next: row(nine + 86_400_000, 0, 0) }, [row(nine + 20_000, 20, 0)])).toBe(
      false,
    );
  });

  it('keeps the point a track keeps when a tracker repeats an instant', () => {
    const rows = [row(nine, 0, 0), row(nine + 10_000, 30, 0), row(nine + 10_000, 10, 0)];
    const first = extendVehicleDay('v', day, undefined, sortRows(rows), true, context);
    const then = extendVehicleDay('v', day, first.head, [row(nine + 20_000, 20, 0)], true, context);
    const exact = exactVehicleDay(day, [...rows, row(nine + 20_000, 20, 0)], undefined, true, context);
    expect(then.head.operatingM).toBe(exact?.head.operatingM);
    expect(then.head.last).toEqual(exact?.head.last);
  });

  it('gives the piece that crosses midnight to the day it starts on', () => {
    const midnight = Date.parse('2026-03-03T00:00:00+08:00');
    const evening = exactVehicleDay(
      day,
      [row(midnight - 20_000, 0, 0), row(midnight - 10_000, 15, 0)],
      undefined,
      true,
      context,
    )?.head as VehicleHead;
    const linked = linkNextDay('v', day, evening, row(midnight + 5_000, 40, 0), true, context);
    expect(linked.head.workingMs).toBe(25_000);
    expect(linked.head.next).toEqual(row(midnight + 5_000, 40, 0));
    const exact = exactVehicleDay(
      day,
      [row(midnight - 20_000, 0, 0), row(midnight - 10_000, 15, 0)],
      row(midnight + 5_000, 40, 0),
      true,
      context,
    );
    expect(linked.head).toEqual(exact?.head);
  });

  it('covers nothing for a vehicle that does not clean roads, but keeps its points', () => {
    const change = extendVehicleDay('truck', day, undefined, wander(3, 30), false, context);
    expect(change.head.operatingM).toBe(0);
    expect(change.head.points).toBe(30);
    expect(change.cells).toEqual({});
  });
});
