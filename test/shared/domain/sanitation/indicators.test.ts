import { describe, expect, it } from 'vitest';
import { computeSanitation } from '#shared/domain/sanitation/indicators';
import { buildRoadNetwork } from '#shared/domain/sanitation/road-network';
import type { Vehicle } from '#shared/schemas/reference';
import { testRoads } from '../../../support/metric-city.ts';

const network = buildRoadNetwork(testRoads);
const index = (segmentId: string) => network.bySegmentId.get(segmentId) as number;
const vehicles = new Map<string, Vehicle>([
  ['sw1', { vehicleId: 'sw1', type: 'sweeper', district: 'east' }],
  ['wa1', { vehicleId: 'wa1', type: 'washer', district: 'west' }],
  ['wa2', { vehicleId: 'wa2', type: 'washer', district: 'west' }],
  ['gt1', { vehicleId: 'gt1', type: 'garbage_truck', district: 'west' }],
]);

describe('computeSanitation by hand', () => {
  // main: 150 of 200 cells cleaned; cross: 200 of 200; north: 50 of 200; service (not planned): all.
  const result = computeSanitation({
    reference: { network, vehicles },
    vehicles: new Map([
      ['sw1', { operatingM: 4200, workingMs: 45 * 60_000 }],
      ['wa1', { operatingM: 800, workingMs: 29 * 60_000 }],
      ['gt1', { operatingM: 0, workingMs: 0 }],
    ]),
    cleanedCells: new Map([
      [index('main'), 150],
      [index('cross'), 200],
      [index('north'), 50],
      [index('service'), 200],
    ]),
  });

  it.each([
    // planned km, cleaned km, cleaning rate, mechanized rate, operating km, attendance
    // city: planned 600 m; cleaned 150 + 200 + 50 = 400 m; area planned 200·15 + 200·10 + 200·30 = 11,000 m²,
    // cleaned 150·15 + 200·10 + 50·30 = 5,750 m²; 3 sweepers/washers (not the garbage truck), 1 with ≥ 30 min.
    ['city', 0.6, 0.4, 400 / 600, 5750 / 11000, 5, 1 / 3],
    ['district:east', 0.4, 0.35, 350 / 400, (150 * 15 + 200 * 10) / (200 * 15 + 200 * 10), 4.2, 1],
    ['district:west', 0.2, 0.05, 50 / 200, 50 / 200, 0.8, 0],
    ['street:east-south', 0.2, 0.15, 0.75, 0.75, null, null],
  ] as const)('computes %s', (area, planned, cleaned, rate, mechanized, operating, attendance) => {
    const values = result.get(area);
    expect(values?.plannedRoadKm).toBeCloseTo(planned, 9);
    expect(values?.cleanedRoadKm).toBeCloseTo(cleaned, 9);
    expect(values?.roadCleaningRate).toBeCloseTo(rate, 9);
    expect(values?.mechanizedCleaningRate).toBeCloseTo(mechanized, 9);
    if (operating === null) expect(values?.operatingKm).toBeNull();
    else expect(values?.operatingKm).toBeCloseTo(operating, 9);
    expect(values?.vehicleAttendanceRate).toBe(attendance);
  });

  it('publishes areas with planned roads or registered sweepers and washers only', () => {
    expect([...result.keys()].sort()).toEqual([
      'city',
      'district:east',
      'district:west',
      'street:east-south',
    ]);
  });
});
