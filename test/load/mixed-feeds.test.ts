import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamo';
import { GpsLogStore } from '#shared/adapters/gps-log-store';
import { signHeaders } from '#shared/http/signature';
import { processCpuMs } from '../bench/process-cpu.ts';
import { type HubProcess, startHubProcess, stopHubProcess } from '../support/hub-process.ts';

/**
 * Load: autocannon sends signed batches of the three feeds, mixed, at a fixed rate to a local hub on
 * loopback for a bounded time. No answer may be a 5xx, and after recomputation every accepted record
 * is counted: each hotline record is a new ticket, each city-platform record a new case, and each GPS
 * request a minute of the whole fleet, as a sanitation platform forwards it: one record per vehicle,
 * a sweeper driving straight at 6 km/h, so operating kilometres are known exactly, and every point is
 * counted in the GPS log (a lost minute shows there even where operating kilometres would bridge it).
 *
 * The CPU DynamoDB Local's Java process and the hub used during the load and while counting is
 * printed: on a machine of few cores it says which of them sets the limit.
 *
 * `CITYHUB_LOAD_RATE` (records/s, default 100), `CITYHUB_LOAD_SECONDS` (default 30) and
 * `CITYHUB_LOAD_BATCH` (records per request, default 10) set the load, `CITYHUB_LOAD_DRAIN_SECONDS`
 * (default 300) how long the hub may take afterwards; docs/performance.md has what this machine sustains.
 */
const RATE = Number(process.env.CITYHUB_LOAD_RATE ?? 100);
const SECONDS = Number(process.env.CITYHUB_LOAD_SECONDS ?? 30);
const RECORDS_PER_REQUEST = Number(process.env.CITYHUB_LOAD_BATCH ?? 10);
/** How long the hub may take to count everything after the load. */
const DRAIN_MS = Number(process.env.CITYHUB_LOAD_DRAIN_SECONDS ?? 300) * 1000;
/** Requests in flight at most: two seconds of requests, so slow answers do not hold the rate back. */
const CONNECTIONS = Math.max(4, Math.ceil((2 * RATE) / RECORDS_PER_REQUEST));
const TEST_TIMEOUT_MS = SECONDS * 1000 + DRAIN_MS + 120_000;
const DAY = '2026-03-02';
/** One GPS record per vehicle and request: a request is a minute of the whole fleet. */
const VEHICLES = RECORDS_PER_REQUEST;
/** Points a GPS record holds: one every 10 s for a minute. */
const POINTS = 6;
const STEP_S = 10;
const SPEED_KMH = 6;
const STEP_M = (SPEED_KMH / 3.6) * STEP_S;
const METRES_PER_DEGREE_LAT = (6_371_008.8 * Math.PI) / 180;

let hub: HubProcess;
beforeAll(async () => {
  hub = await startHubProcess(['--no-demo']);
}, 120_000);
afterAll(() => stopHubProcess(hub), 30_000);

type Source = 'hotline' | 'city-platform' | 'sanitation';
/** Requests in turn: half hotline, a fifth city-platform, the rest GPS. */
const MIX: Source[] = [
  'hotline',
  'sanitation',
  'hotline',
  'city-platform',
  'hotline',
  'sanitation',
  'hotline',
  'city-platform',
  'hotline',
  'sanitation',
];

describe('load', { timeout: TEST_TIMEOUT_MS }, () => {
  it(`sustains ${RATE} records/s of mixed feeds for ${SECONDS} s with no 5xx, and counts every accepted record`, async () => {
    const { state } = hub;
    const admin = { authorization: `Bearer ${state.adminToken}`, 'content-type': 'application/json' };
    const vehicles = Array.from({ length: VEHICLES }, (_, v) => ({
      vehicleId: `load-${v}`,
      type: 'sweeper',
      district: 'load',
    }));
    expect(
      (
        await fetch(`${state.url}/reference/vehicles`, {
          method: 'PUT',
          headers: admin,
          body: JSON.stringify(vehicles),
        })
      ).status,
    ).toBe(200);

    const dayStart = Date.parse(`${DAY}T00:00:00+08:00`);
    const minuteOf = new Array<number>(VEHICLES).fill(0);
    /** What the 202 answers took: tickets, cases, and per vehicle the first and last GPS step. */
    const taken = {
      tickets: 0,
      cases: 0,
      points: 0,
      steps: new Map<number, { first: number; last: number }>(),
    };
    const statuses = new Map<number, number>();
    let requestNumber = 0;
    let recordNumber = 0;
    let setUp = 0;
    type Sent = { source: Source; gps: { vehicle: number; first: number; last: number }[] };
    const bodyOf = (source: Source): { body: string; sent: Sent } => {
      const gps: Sent['gps'] = [];
      const records = Array.from({ length: RECORDS_PER_REQUEST }, () => {
        const id = `load-${recordNumber++}`;
        const occurredAt = new Date(dayStart + (recordNumber % 86_400) * 1000).toISOString();
        if (source === 'hotline')
          return { eventId: id, ticketId: id, type: 'received', occurredAt, category: 'noise' };
        if (source === 'city-platform')
          return { eventId: id, caseId: id, type: 'reported', occurredAt, category: 'road-damage' };
        // GPS: vehicles take turns; each record is the next minute of that vehicle, due north from its start.
        const vehicle = recordNumber % VEHICLES;
        const minute = minuteOf[vehicle] ?? 0;
        minuteOf[vehicle] = minute + 1;
        gps.push({ vehicle, first: minute * POINTS, last: minute * POINTS + POINTS - 1 });
        const points = Array.from({ length: POINTS }, (_, k) => {
          const step = minute * POINTS + k;
          return {
            t: new Date(dayStart + 6 * 3_600_000 + step * STEP_S * 1000).toISOString(),
            lat: 39.8 + (step * STEP_M) / METRES_PER_DEGREE_LAT,
            lon: 116.2 + vehicle * 0.01,
            working: true,
          };
        });
        return { eventId: id, vehicleId: `load-${vehicle}`, points };
      });
      return { body: JSON.stringify({ records }), sent: { source, gps } };
    };

    // CPU of the hub and of DynamoDB Local (cores used over a span), printed with the results.
    const pids = { hub: hub.child.pid, dynamoDb: state.dynamoDb?.pid };
    const cpuNow = () => ({
      at: performance.now(),
      hub: pids.hub === undefined ? Number.NaN : processCpuMs(pids.hub),
      dynamoDb: pids.dynamoDb === undefined ? Number.NaN : processCpuMs(pids.dynamoDb),
    });
    const coresUsed = (from: ReturnType<typeof cpuNow>, to: ReturnType<typeof cpuNow>) => {
      const ms = to.at - from.at;
      return `DynamoDB Local ${((to.dynamoDb - from.dynamoDb) / ms).toFixed(2)} cores, hub ${((to.hub - from.hub) / ms).toFixed(2)}`;
    };
    const loadStarted = cpuNow();
    const result = await autocannon({
      url: state.url,
      connections: CONNECTIONS,
      duration: SECONDS,
      overallRate: RATE / RECORDS_PER_REQUEST,
      requests: [
        {
          method: 'POST',
          // One request in flight per connection: its context remembers what the request carried.
          setupRequest: (request, context) => {
            const source = MIX[requestNumber++ % MIX.length] as Source;
            const { body, sent } = bodyOf(source);
            (context as { sent?: Sent }).sent = sent;
            setUp += 1;
            return {
              ...request,
              path: `/ingest/${source}`,
              body,
              headers: {
                'content-type': 'application/json',
                ...signHeaders(state.sourceSecrets[source], `load-${requestNumber}`, body),
              },
            };
          },
          onResponse: (status, body, context) => {
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            const sent = (context as { sent?: Sent }).sent;
            if (status !== 202 || !sent) return;
            expect(JSON.parse(body)).toEqual({ accepted: RECORDS_PER_REQUEST, duplicates: 0, rejected: [] });
            if (sent.source === 'hotline') taken.tickets += RECORDS_PER_REQUEST;
            else if (sent.source === 'city-platform') taken.cases += RECORDS_PER_REQUEST;
            taken.points += sent.gps.length * POINTS;
            for (const { vehicle, first, last } of sent.gps) {
              const seen = taken.steps.get(vehicle);
              taken.steps.set(vehicle, {
                first: Math.min(first, seen?.first ?? first),
                last: Math.max(last, seen?.last ?? last),
              });
            }
          },
        },
      ],
    });
    const loadEnded = cpuNow();
    const answered = [...statuses.values()].reduce((sum, count) => sum + count, 0);
    const rate = (answered * RECORDS_PER_REQUEST) / SECONDS;
    console.info(
      `load: ${answered} requests answered of ${setUp} sent (${rate.toFixed(0)} records/s; offered ${RATE}), latency p50 ${result.latency.p50} ms p99 ${result.latency.p99} ms, statuses ${JSON.stringify(Object.fromEntries(statuses))}; CPU during the load: ${coresUsed(loadStarted, loadEnded)}`,
    );
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
    expect(statuses.get(202)).toBe(answered);
    expect(rate).toBeGreaterThanOrEqual(RATE * 0.9);
    // A request autocannon had in flight when time ran out may have been taken too: it was never answered.
    const unanswered = setUp - answered;
    expect(unanswered).toBeLessThanOrEqual(CONNECTIONS);

    // Every accepted record counted once the hub has worked through them and recomputed the day.
    const expectedKm = [...taken.steps.values()].reduce(
      (sum, { first, last }) => sum + ((last - first) * STEP_M) / 1000,
      0,
    );
    const started = Date.now();
    let city: Record<string, number> = {};
    let counted = false;
    // Every point the GPS log holds for the day: the vehicles' heads count their distinct points.
    const { dynamoDb } = state;
    if (!dynamoDb) throw new Error('the hub wrote no DynamoDB endpoint in its state file');
    // DynamoDB Local takes any region and credentials.
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    const gps = new GpsLogStore(createDocumentClient(dynamoDb.endpoint), dynamoDb.tables.facts);
    const storedPoints = async () =>
      [...(await gps.readHeads(DAY)).values()]
        .flatMap((head) => [...head.vehicles.values()])
        .reduce((sum, vehicle) => sum + vehicle.points, 0);
    let points = 0;
    // The hub recomputes by itself after new data; a recompute asked for re-reads the whole day, so
    // it is asked for only every 30 s, not to slow the hub while it works through its queues.
    let askedAt = Number.NEGATIVE_INFINITY;
    for (;;) {
      if (Date.now() - askedAt >= 30_000) {
        askedAt = Date.now();
        await fetch(`${state.url}/admin/recompute`, {
          method: 'POST',
          headers: admin,
          body: JSON.stringify({ date: DAY }),
        });
      }
      const response = await fetch(`${state.url}/indicators?date=${DAY}&area=city`, { headers: admin });
      city =
        ((await response.json()) as { items: { indicators: Record<string, number> }[] }).items[0]
          ?.indicators ?? {};
      points = await storedPoints();
      counted =
        (city.ticketsReceived ?? 0) >= taken.tickets &&
        (city.casesReported ?? 0) >= taken.cases &&
        (city.operatingKm ?? 0) >= expectedKm - 1e-6 &&
        points >= taken.points;
      if (counted || Date.now() - started > DRAIN_MS) break;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    console.info(
      `load: ${counted ? 'all accepted records counted' : 'still counting'} ${((Date.now() - started) / 1000).toFixed(0)} s after the load ended; CPU meanwhile: ${coresUsed(loadEnded, cpuNow())}`,
    );
    const slack = unanswered * RECORDS_PER_REQUEST;
    expect(city.ticketsReceived).toBeGreaterThanOrEqual(taken.tickets);
    expect(city.ticketsReceived).toBeLessThanOrEqual(taken.tickets + slack);
    expect(city.casesReported).toBeGreaterThanOrEqual(taken.cases);
    expect(city.casesReported).toBeLessThanOrEqual(taken.cases + slack);
    expect(city.operatingKm).toBeGreaterThanOrEqual(expectedKm - 1e-6);
    expect(city.operatingKm).toBeLessThanOrEqual(expectedKm + (slack * POINTS * STEP_M) / 1000 + 1e-6);
    expect(points).toBeGreaterThanOrEqual(taken.points);
    expect(points).toBeLessThanOrEqual(taken.points + slack * POINTS);
  });
});
