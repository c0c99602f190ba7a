import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeLocationFrame } from '#shared/domain/jt808';
import { type HubProcess, sendSigned, startHubProcess } from '../support/hub-process.ts';
import { asRecordPoints, drive, testRoads } from '../support/metric-city.ts';

/** Sanitation over HTTP: registries, GPS batches (shuffled, re-sent, split), and the cleaning indicators. */
let hub: HubProcess;
beforeAll(async () => {
  hub = await startHubProcess();
}, 120_000);
afterAll(() => {
  hub?.child.kill('SIGTERM');
});

const put = async (path: string, body: unknown) => {
  const response = await fetch(`${hub.state.url}${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${hub.state.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
type Item = { area: string; indicators: Record<string, number | null> };
const indicators = async (query: string): Promise<Item[]> => {
  const response = await fetch(`${hub.state.url}/indicators?${query}`, {
    headers: { authorization: `Bearer ${hub.state.analystToken}` },
  });
  return ((await response.json()) as { items: Item[] }).items;
};

const nine = Date.parse('2026-03-02T09:00:00+08:00');
const names = [
  'plannedRoadKm',
  'cleanedRoadKm',
  'roadCleaningRate',
  'mechanizedCleaningRate',
  'operatingKm',
  'vehicleAttendanceRate',
];
const round = (value: number | null | undefined) =>
  value === null || value === undefined ? value : Math.round(value * 1000) / 1000;

describe('sanitation over HTTP', () => {
  it('takes the road and vehicle registries', async () => {
    expect(await put('/reference/roads', testRoads)).toEqual({
      status: 200,
      body: { segments: 4, plannedSegments: 3, recomputingDays: 0 },
    });
    expect(
      await put('/reference/vehicles', [
        { vehicleId: 'sw1', type: 'sweeper', district: 'east' },
        { vehicleId: 'wa1', type: 'washer', district: 'west' },
        { vehicleId: 'gt1', type: 'garbage_truck', district: 'west' },
      ]),
    ).toEqual({ status: 200, body: { vehicles: 3, recomputingDays: 0 } });
    expect(
      (await put('/reference/roads', { type: 'FeatureCollection', features: [{ type: 'Feature' }] })).status,
    ).toBe(400);
  });

  it('computes the cleaning indicators from shuffled, re-sent batches', async () => {
    // sw1 sweeps all of `main` (6 km/h, −30 → 230 m: 26 pieces of 16.67 m, 260 s) then half of `cross`
    // (y −100 → −20 m at 7.2 km/h, 20 m a step, cleans y −100 … 0: 100 of 200 m), then 40 min of work far from any road.
    const sweep = drive([-30, 0], [230, 0], 6, nine);
    const cross = drive([100, -100], [100, -20], 7.2, nine + 3_600_000);
    const longWork = drive([-1000, -300], [3000, -300], 6, nine + 7_200_000); // far from every road: time and length only
    // wa1 drives along `north` too fast (20 km/h): no credit, no operating length.
    const fast = drive([-30, 100], [230, 100], 20, nine);
    const batches = [
      { eventId: 's1', vehicleId: 'sw1', points: asRecordPoints(sweep) },
      { eventId: 's2', vehicleId: 'sw1', points: asRecordPoints(cross) },
      { eventId: 's3', vehicleId: 'sw1', points: asRecordPoints(longWork) },
      { eventId: 'w1', vehicleId: 'wa1', points: asRecordPoints(fast) },
    ];
    const first = await sendSigned(
      hub.state,
      '/ingest/sanitation',
      JSON.stringify({ records: [batches[2], batches[0]] }),
    );
    const second = await sendSigned(
      hub.state,
      '/ingest/sanitation',
      JSON.stringify({ records: [batches[3], batches[1], batches[0]] }),
    );
    expect(first.body).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect(second.body).toEqual({ accepted: 2, duplicates: 1, rejected: [] });

    const operatingKm =
      ((((sweep.length - 1) * 6) / 3.6) * 10 +
        (cross.length - 1) * 20 +
        (((longWork.length - 1) * 6) / 3.6) * 10) /
      1000;
    const expected = {
      // planned: main 200 + cross 200 + north 200 = 600 m; cleaned: main 200 + cross 100 = 300 m.
      city: [
        0.6,
        0.3,
        0.5,
        (200 * 15 + 100 * 10) / (200 * 15 + 200 * 10 + 200 * 30),
        round(operatingKm),
        0.5,
      ],
      'district:east': [0.4, 0.3, 0.75, (200 * 15 + 100 * 10) / (200 * 15 + 200 * 10), round(operatingKm), 1],
      'district:west': [0.2, 0, 0, 0, 0, 0],
      'street:east-south': [0.2, 0.2, 1, 1, null, null],
    };
    const read = async () =>
      Object.fromEntries(
        (
          await indicators(
            `date=2026-03-02&${Object.keys(expected)
              .map((area) => `area=${area}`)
              .join('&')}`,
          )
        ).map((item) => [item.area, names.map((name) => round(item.indicators[name]))]),
      );
    const expectedRounded = Object.fromEntries(
      Object.entries(expected).map(([area, values]) => [area, values.map(round)]),
    );
    let found = await read();
    const deadline = Date.now() + 20_000;
    while (!isDeepStrictEqual(found, expectedRounded) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      found = await read();
    }
    expect(found).toEqual(expectedRounded);
  });

  it('recomputes coverage when the road registry changes', async () => {
    const wider = {
      ...testRoads,
      features: testRoads.features.map((feature) =>
        feature.properties.segmentId === 'north'
          ? { ...feature, properties: { ...feature.properties, planned: false } }
          : feature,
      ),
    };
    expect((await put('/reference/roads', wider)).body).toMatchObject({
      segments: 4,
      plannedSegments: 2,
      recomputingDays: 1,
    });
    const deadline = Date.now() + 20_000;
    let planned: number | null | undefined;
    do {
      await new Promise((resolve) => setTimeout(resolve, 250));
      planned = (await indicators('date=2026-03-02&area=city'))[0]?.indicators.plannedRoadKm;
    } while (Math.abs((planned ?? 0) - 0.4) > 1e-9 && Date.now() < deadline);
    expect(planned).toBeCloseTo(0.4, 9);
  });

  it('takes JT/T 808 frames, keeping good frames and quarantining bad ones with the reason', async () => {
    const frames = asRecordPoints(drive([-30, 0], [230, 0], 6, nine + 10_800_000)).map((point, serial) =>
      encodeLocationFrame({
        terminal: '13800138000',
        serial,
        t: point.t,
        lat: point.lat,
        lon: point.lon,
        speedKmh: 6,
        working: true,
      }),
    );
    const broken = `${frames[0]?.slice(0, 20)}7d03${frames[0]?.slice(24)}`;
    const answer = await sendSigned(
      hub.state,
      '/ingest/sanitation/jt808',
      JSON.stringify({ records: [{ eventId: 'jt-1', vehicleId: 'sw1', frames: [...frames, broken] }] }),
    );
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      accepted: 1,
      duplicates: 0,
      rejected: [{ index: 0, errors: [{ path: `frames[${frames.length}]` }] }],
    });
    const response = await fetch(`${hub.state.url}/quarantine?source=sanitation`, {
      headers: { authorization: `Bearer ${hub.state.adminToken}` },
    });
    const { items } = (await response.json()) as { items: { errors: { path: string; message: string }[] }[] };
    expect(items[0]?.errors[0]?.message).toMatch(/escape/);
  });

  it('rejects a batch with a bad point, naming it', async () => {
    const answer = await sendSigned(
      hub.state,
      '/ingest/sanitation',
      JSON.stringify({
        records: [
          {
            eventId: 'bad',
            vehicleId: 'sw1',
            points: [{ t: '2026-03-02T09:00:00+08:00', lat: 95, lon: 116 }],
          },
        ],
      }),
    );
    expect(answer.status).toBe(422);
    expect(answer.body.rejected).toEqual([
      { index: 0, errors: [{ path: 'points[0].lat', message: expect.any(String) }] },
    ]);
  });
});
