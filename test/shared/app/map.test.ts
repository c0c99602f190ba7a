import { describe, expect, it } from 'vitest';
import { type MapDeps, mapAreaSetOf, mapEvents, mapRoads } from '#shared/app/map';
import { caseFacts, ticketFacts } from '#shared/domain/entity-facts';
import { buildSanitationReference } from '#shared/domain/sanitation/reference';
import type { VehicleHead } from '#shared/domain/sanitation/vehicle-day';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';
import { testAreas } from '../../support/demo-areas.ts';
import { testRoads } from '../../support/metric-city.ts';

const DAY = '2026-03-02';
const TZ = 'Asia/Shanghai';
const head: VehicleHead = {
  first: [0, 39.9, 116.4, 1],
  last: [60_000, 39.9, 116.401, 1],
  operatingM: 300,
  workingMs: 60_000,
  points: 2,
};

const received = (ticketId: string, day: string, extra: Partial<HotlineRecord> = {}): HotlineRecord => ({
  eventId: `${ticketId}-r`,
  ticketId,
  type: 'received',
  occurredAt: `${day}T10:00:00+08:00`,
  category: 'noise',
  ...extra,
});
const caseEvents = (caseId: string): CityPlatformRecord[] => [
  {
    eventId: `${caseId}-1`,
    caseId,
    type: 'reported',
    occurredAt: `${DAY}T09:00:00+08:00`,
    category: 'road-damage',
    district: 'west',
  },
  {
    eventId: `${caseId}-2`,
    caseId,
    type: 'filed',
    occurredAt: `${DAY}T09:30:00+08:00`,
    category: 'broken-manhole',
  },
];

/** A day's stores as the map reads them, recording every write it is offered and every case read. */
const fakeDeps = () => {
  const writes: string[] = [];
  const caseReads: string[] = [];
  const deps: MapDeps = {
    loadRoads: async () => testRoads,
    sanitation: {
      gps: {
        readHeads: async (day) =>
          new Map(day === DAY ? [[0, { version: 1, vehicles: new Map([['sw1', head]]) }]] : []),
        // One entry: sw1 cleaned all 200 cells of main and the first 100 of cross (inclusive ranges).
        readEntries: async () => [
          {
            version: 1,
            changes: [{ vehicleId: 'sw1', head, points: [], cells: { main: [0, 199], cross: [0, 99] } }],
          },
        ],
      },
      // No union stored yet: the fold would store one, which the map must leave to the recompute.
      coverageUnions: {
        read: async () => undefined,
        write: async (day) => {
          writes.push(`union ${day}`);
          return true;
        },
      },
      sanitation: {
        legacyPoints: async () => [],
        listSummaries: async () => [],
        listCoverage: async () => [],
      },
      loadSanitation: async () =>
        buildSanitationReference(testRoads, [{ vehicleId: 'sw1', type: 'sweeper', district: 'east' }]),
      timeZone: TZ,
      now: () => Date.parse('2026-03-03T00:00:00Z'),
    },
    loadAreas: async () => mapAreaSetOf(testAreas),
    indicators: { listDay: async () => [] },
    cohorts: {
      read: async (kind) =>
        (kind === 'ticket'
          ? [
              ticketFacts('t1', [received('t1', DAY, { street: 'east-south' })], TZ),
              ticketFacts('t2', [received('t2', DAY, { district: 'west' })], TZ),
              // Named by the day's log, but received the next day: not a member.
              ticketFacts('t3', [received('t3', '2026-03-03', { district: 'west' })], TZ),
            ]
          : [caseFacts('k1', caseEvents('k1'), TZ), caseFacts('k2', caseEvents('k2'), TZ)]) as never,
    },
    events: {
      readEntity: async <Event>(_kind: 'case', caseId: string) => {
        caseReads.push(caseId);
        return { events: caseEvents(caseId) as Event[] };
      },
    },
    now: () => Date.parse('2026-03-03T00:00:00Z'),
  };
  return { deps, writes, caseReads };
};

describe('the map use-cases', () => {
  it('folds the GPS log into segment shares without storing the union', async () => {
    const { deps, writes } = fakeDeps();
    const roads = await mapRoads({ date: DAY }, deps);
    expect(roads.coverage).toBe(true);
    expect(roads.features.map((feature) => [feature.properties.segmentId, feature.properties.share])).toEqual(
      [
        ['main', 1],
        ['cross', 0.5],
        ['north', 0],
        ['service', null],
      ],
    );
    expect(writes).toEqual([]);
  });

  it('answers a day without GPS with the registry and no shares', async () => {
    const { deps } = fakeDeps();
    const roads = await mapRoads({ date: '2026-03-01' }, deps);
    expect(roads.coverage).toBe(false);
    expect(roads.features.map((feature) => feature.properties.share)).toEqual([null, null, null, null]);
  });

  it("draws the day's members and reads the categories of the cases drawn only", async () => {
    const { deps, caseReads } = fakeDeps();
    const all = await mapEvents({ date: DAY, limit: 10 }, deps);
    expect(all.features.map((feature) => [feature.properties.id, feature.properties.category])).toEqual([
      ['t1', 'noise'],
      ['t2', 'noise'],
      ['k1', 'broken-manhole'],
      ['k2', 'broken-manhole'],
    ]);
    expect(caseReads.sort()).toEqual(['k1', 'k2']);
    caseReads.length = 0;
    // 2 tickets and 2 cases over a limit of 3: round(3 · 2/4) = 2 tickets, 1 case, whose events alone are read.
    const cut = await mapEvents({ date: DAY, limit: 3 }, deps);
    expect(cut).toMatchObject({ total: 4, truncated: true, unplaced: 0 });
    expect(cut.features.map((feature) => feature.properties.id)).toEqual(['t1', 't2', 'k1']);
    expect(caseReads).toEqual(['k1']);
  });
});
