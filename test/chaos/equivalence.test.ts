import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
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
import { closeNow, listenLocally } from '#infra/local/servers';
import { caseEventTypes, ticketEventTypes } from '#shared/schemas/ingest';
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
 * times in random order, fails 10 % of consumer batches after handling part of them, throttles,
 * cuts off or slows a share of the functions' DynamoDB requests and refuses a share of PutEvents
 * entries; its subscriber answers 500 or 503 to a share of deliveries and cuts others off. Both
 * must publish identical indicators for every area, before and after recomputation, count every
 * record once, and deliver every ticket and case webhook event.
 */
const DAY = '2026-03-02';
const ZONE = 'Asia/Shanghai';
const END = Date.parse('2026-03-08T00:00:00Z');
const TICKETS = 200;
const CASES = 80;
const CHAOS_SEED = 20_260_302;
const CHAOS = `${CHAOS_SEED},0.1,3,throttle=0.03,timeout=0.005,slow=0.02,putEvents=0.05`;
/** Webhook retries a second apart, so a failed delivery is tried again within the test. */
const RETRY_SCHEDULE = '1,1,1,1,1,1,1';

/**
 * A webhook subscriber that records the `webhook-id` of every delivery it answered 2xx. A faulty one
 * answers 500 or 503 to 10 % of deliveries and holds 5 % for half a second, then cuts the connection.
 */
class Subscriber {
  readonly delivered = new Set<string>();
  readonly failed = { answered5xx: 0, cutOff: 0 };
  private readonly server: Server;
  private readonly next = random(CHAOS_SEED + 7);

  constructor(faulty: boolean) {
    this.server = createServer((request, response) => {
      const id = String(request.headers['webhook-id']);
      request.resume();
      request.on('end', () => {
        const roll = faulty ? this.next() : 1;
        if (roll < 0.1) {
          this.failed.answered5xx += 1;
          response.writeHead(roll < 0.05 ? 500 : 503).end();
        } else if (roll < 0.15) {
          this.failed.cutOff += 1;
          setTimeout(() => request.socket.destroy(), 500);
        } else {
          this.delivered.add(id);
          response.writeHead(204).end();
        }
      });
    });
  }

  start = () => listenLocally(this.server);
  stop = () => closeNow(this.server);
}

let clean: HubProcess;
let chaotic: HubProcess;
const cleanSubscriber = new Subscriber(false);
const chaosSubscriber = new Subscriber(true);
let subscriberUrls: [string, string];
beforeAll(async () => {
  // Retries a second apart; no pacing of deliveries (every event reaches the subscriber 1–9 times).
  const env = { CITYHUB_RETRY_SCHEDULE: RETRY_SCHEDULE, CITYHUB_WEBHOOK_RATE_PER_SUBSCRIPTION: '1000,1000' };
  [clean, chaotic, ...subscriberUrls] = await Promise.all([
    startHubProcess(['--no-demo'], env),
    startHubProcess(['--no-demo'], { ...env, CITYHUB_CHAOS: CHAOS }),
    cleanSubscriber.start(),
    chaosSubscriber.start(),
  ]);
}, 120_000);
afterAll(
  () =>
    Promise.all([
      stopHubProcess(clean),
      stopHubProcess(chaotic),
      cleanSubscriber.stop(),
      chaosSubscriber.stop(),
    ]),
  30_000,
);

type Source = 'hotline' | 'city-platform' | 'sanitation';
type Item = { date: string; area: string; indicators: Record<string, number | null> };

/** Attempts of a request a hub answered 5xx (DynamoDB or the bus failing past the SDK's retries). */
let serverErrors = 0;

/** Calls an admin or analyst route; a 5xx is tried again, as a client would (every call here is idempotent). */
const call = async (state: HubState, method: string, path: string, body?: unknown, status = 200) => {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(`${state.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${state.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status >= 500 && attempt < 5) {
      serverErrors += 1;
      continue;
    }
    expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBe(status);
    return (await response.json()) as Record<string, unknown>;
  }
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

/** Sends records as a source would: a 5xx answer is sent again, with the same `webhook-id`, until a 202. */
const send = async (state: HubState, source: Source, records: readonly unknown[]) => {
  const id = `msg_${randomUUID()}`;
  for (let attempt = 1; ; attempt += 1) {
    const answer = await sendSigned(state, `/ingest/${source}`, JSON.stringify({ records }), { id });
    if (answer.status >= 500 && attempt < 10) {
      serverErrors += 1;
      continue;
    }
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body.rejected).toEqual([]);
    return;
  }
};

/** Every ticket and case lifecycle type, by name (not `ticket.*`, which also names the deadline alerts). */
const lifecycleTypes = [
  ...ticketEventTypes.map((type) => `ticket.${type}`),
  ...caseEventTypes.map((type) => `case.${type}`),
];

/**
 * Waits until a subscriber has had every expected event delivered, or deliveries stopped coming for
 * 30 s (a lost event), or 240 s passed.
 */
const deliveredAll = async (subscriber: Subscriber, expected: ReadonlySet<string>) => {
  const deadline = Date.now() + 240_000;
  let count = subscriber.delivered.size;
  let movedAt = Date.now();
  while (Date.now() < deadline && Date.now() - movedAt < 30_000) {
    if ([...expected].every((id) => subscriber.delivered.has(id))) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (subscriber.delivered.size > count) [count, movedAt] = [subscriber.delivered.size, Date.now()];
  }
  return new Set(subscriber.delivered);
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
  it('publishes identical indicators and delivers every webhook under delivery and service faults', async () => {
    const feeds = scenario();
    await Promise.all([registerCity(clean.state), registerCity(chaotic.state)]);
    await Promise.all(
      [clean.state, chaotic.state].map((state, index) =>
        call(state, 'POST', '/subscriptions', { url: subscriberUrls[index], events: lifecycleTypes }, 201),
      ),
    );

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

    // Every ticket and case event reached its subscriber: each webhook-id answered 2xx at least once.
    const expected = new Set([
      ...(feeds.hotline as { eventId: string }[]).map((record) => `ticket:${record.eventId}`),
      ...(feeds['city-platform'] as { eventId: string }[]).map((record) => `case:${record.eventId}`),
    ]);
    const waited = Date.now();
    const [cleanDelivered, chaosDelivered] = await Promise.all([
      deliveredAll(cleanSubscriber, expected),
      deliveredAll(chaosSubscriber, expected),
    ]);
    const missing = (delivered: ReadonlySet<string>, hub: HubProcess) => {
      const ids = [...expected].filter((id) => !delivered.has(id));
      // What the hub said that was not a chaos fault, to see where the missing events went.
      const said = hub
        .output()
        .split('\n')
        .filter((line) => line !== '' && !line.includes('chaos:'))
        .slice(-40);
      return ids.length === 0 ? [] : [`${ids.length} not delivered: ${ids.slice(0, 10).join(', ')}`, ...said];
    };
    expect(missing(cleanDelivered, clean)).toEqual([]);
    expect(missing(chaosDelivered, chaotic)).toEqual([]);
    // …and nothing else (the subscriber saw exactly the expected ids).
    expect(chaosDelivered).toEqual(expected);
    expect(cleanDelivered).toEqual(expected);

    // The service faults happened, and the retries (SDK, publisher, webhook schedule, sources) absorbed them.
    for (const fault of [
      'DynamoDB requests throttled so far',
      'DynamoDB requests timed out so far',
      'DynamoDB requests slowed so far',
      'PutEvents entries refused so far',
    ])
      expect(chaotic.output()).toContain(fault);
    expect(chaosSubscriber.failed.answered5xx).toBeGreaterThan(0);
    expect(chaosSubscriber.failed.cutOff).toBeGreaterThan(0);
    expect(chaotic.output()).not.toContain('moved to its dead letters');
    console.info(
      `chaos: ${serverErrors} answers 5xx sent again; subscriber failed ${JSON.stringify(chaosSubscriber.failed)}; deliveries done ${Math.round((Date.now() - waited) / 1000)} s after the indicators`,
    );
  }, 400_000);
});
