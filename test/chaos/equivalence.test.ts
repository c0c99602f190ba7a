import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demoAreas,
  demoCases,
  demoDistricts,
  demoRoads,
  demoTickets,
  demoTracks,
  demoVehicles,
} from '#infra/local/demo';
import { random } from '#infra/local/demo-city';
import {
  type HubProcess,
  type HubState,
  sendSigned,
  startHubProcess,
  stopHubProcess,
} from '../support/hub-process.ts';

/**
 * Chaos equivalence: one scenario (a demo-city day of tickets, cases and GPS) goes to two hubs. The
 * clean hub gets every record once, in time order, and delivers every event once. The chaos hub
 * (`CITYHUB_CHAOS`) gets the records shuffled and each sent 1–3 times, delivers every bus event 1–3
 * times in random order, and fails 10 % of consumer batches after handling part of them. After
 * recomputation both must publish identical indicators for every area.
 */
const DAY = '2026-03-02';
const ZONE = 'Asia/Shanghai';
const END = Date.parse('2026-03-08T00:00:00Z');
const TICKETS = 200;
const CASES = 80;
const CHAOS_SEED = 20_260_302;

let clean: HubProcess;
let chaotic: HubProcess;
beforeAll(async () => {
  [clean, chaotic] = await Promise.all([
    startHubProcess(['--no-demo']),
    startHubProcess(['--no-demo'], { CITYHUB_CHAOS: `${CHAOS_SEED},0.1,3` }),
  ]);
}, 120_000);
afterAll(() => Promise.all([stopHubProcess(clean), stopHubProcess(chaotic)]), 30_000);

type Source = 'hotline' | 'city-platform' | 'sanitation';
type Item = { date: string; area: string; indicators: Record<string, number | null> };

const call = async (state: HubState, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${state.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${state.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBe(200);
  return (await response.json()) as Record<string, unknown>;
};

const areaKeys = [
  'city',
  ...demoDistricts.flatMap((district) => [
    `district:${district.code}`,
    ...district.streets.map((street) => `street:${street}`),
  ]),
];
/** Every area's indicators of the day, without the revision and computation time (they count work, not results). */
const snapshot = async (state: HubState): Promise<Item[]> => {
  const query = areaKeys.map((area) => `area=${encodeURIComponent(area)}`).join('&');
  const answer = await call(state, 'GET', `/indicators?date=${DAY}&${query}&limit=1000`);
  return (answer.items as Item[]).map(({ date, area, indicators }) => ({ date, area, indicators }));
};

const send = async (state: HubState, source: Source, records: readonly unknown[]) => {
  const answer = await sendSigned(state, `/ingest/${source}`, JSON.stringify({ records }));
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  expect(answer.body.rejected).toEqual([]);
};

const scenario = (): Record<Source, unknown[]> => ({
  hotline: demoTickets(DAY, ZONE, END, TICKETS),
  'city-platform': demoCases(DAY, ZONE, END, CASES),
  // Half the fleet keeps the run short; the coverage engine still sees shared roads and every vehicle type.
  sanitation: demoTracks(DAY, ZONE, END).filter((record) =>
    ['dongcheng', 'xicheng'].some((district) => record.vehicleId.startsWith(`${district}-`)),
  ),
});

const registerCity = async (state: HubState) => {
  await call(state, 'PUT', '/reference/areas', demoAreas());
  await call(state, 'PUT', '/reference/roads', demoRoads());
  await call(state, 'PUT', '/reference/vehicles', demoVehicles());
};

/** Waits until the hub's indicators stop changing (three equal snapshots a second apart). */
const settled = async (state: HubState, ready: (items: Item[]) => boolean) => {
  const deadline = Date.now() + 180_000;
  let previous: Item[] | undefined;
  let stable = 0;
  for (;;) {
    const items = await snapshot(state);
    stable = previous && isDeepStrictEqual(items, previous) && ready(items) ? stable + 1 : 0;
    if (stable >= 2) return items;
    if (Date.now() > deadline)
      throw new Error(`indicators still changing after 180 s: ${JSON.stringify(items[0])}`);
    previous = items;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
};

describe('chaos equivalence', () => {
  it('publishes identical indicators with duplicated, reordered deliveries and failing batches', async () => {
    const feeds = scenario();
    await Promise.all([registerCity(clean.state), registerCity(chaotic.state)]);

    // Clean: each record once, in the order it happened, one request at a time.
    const cleanRun = (async () => {
      for (const [source, records] of Object.entries(feeds) as [Source, unknown[]][]) {
        const size = source === 'sanitation' ? 25 : 250;
        for (let start = 0; start < records.length; start += size)
          await send(clean.state, source, records.slice(start, start + size));
      }
    })();

    // Chaos: every record 1–3 times, all shuffled, in requests of random size, four at a time.
    const next = random(CHAOS_SEED);
    const requests: { source: Source; records: unknown[] }[] = [];
    for (const [source, records] of Object.entries(feeds) as [Source, unknown[]][]) {
      const copies = records.flatMap((record) =>
        Array.from({ length: 1 + Math.floor(next() * 3) }, () => record),
      );
      for (let i = copies.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [copies[i], copies[j]] = [copies[j], copies[i]];
      }
      const most = source === 'sanitation' ? 25 : 300;
      for (let start = 0; start < copies.length; ) {
        const size = 1 + Math.floor(next() * most);
        // A request never holds the same record twice (that is one duplicate answer, not a delivery).
        const batch = [...new Set(copies.slice(start, start + size))];
        requests.push({ source, records: batch });
        start += size;
      }
    }
    let position = 0;
    const chaosRun = Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let request = requests[position++]; request; request = requests[position++])
          await send(chaotic.state, request.source, request.records);
      }),
    );
    await Promise.all([cleanRun, chaosRun]);

    const complete = (items: Item[]) => {
      const city = items.find((item) => item.area === 'city')?.indicators;
      return city?.ticketsReceived === TICKETS && city?.casesReported === CASES && city?.operatingKm !== null;
    };
    const [cleanItems, chaosItems] = await Promise.all([
      settled(clean.state, complete),
      settled(chaotic.state, complete),
    ]);
    expect(cleanItems.length).toBe(areaKeys.length);

    // After recomputation (as ops would run it), both hubs publish the same numbers.
    await Promise.all([
      call(clean.state, 'POST', '/admin/recompute', { date: DAY }),
      call(chaotic.state, 'POST', '/admin/recompute', { date: DAY }),
    ]);
    const [afterClean, afterChaos] = await Promise.all([snapshot(clean.state), snapshot(chaotic.state)]);
    expect(afterClean).toEqual(cleanItems);
    const city = afterClean.find((item) => item.area === 'city')?.indicators ?? {};
    expect(city.ticketsReceived).toBe(TICKETS);
    expect(city.casesReported).toBe(CASES);
    expect(city.roadCleaningRate).toBeGreaterThan(0);
    // What the hubs computed on their own, as the events came, already agrees…
    expect(chaosItems).toEqual(cleanItems);
    // …and so does a recomputation from the stored facts.
    expect(afterChaos).toEqual(afterClean);
    // The faults really happened: batches failed midway on the chaotic hub, none on the clean one.
    expect(chaotic.output()).toContain('chaos: every event delivered 1 to 3 times');
    expect(chaotic.output()).toMatch(
      /chaos: a batch of queue facts failed after handling \d+ of \d+ messages/,
    );
    expect(clean.output()).not.toContain('chaos:');
  }, 400_000);
});
