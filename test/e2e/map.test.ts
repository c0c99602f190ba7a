import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRoutes } from '#functions/query/routes';
import { queryDepsOf, queryEnvSchema } from '#shared/composition/root';
import type { HttpEvent } from '#shared/http/api';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';
import { functions } from '#shared/topology';
import { testAreas } from '../support/demo-areas.ts';
import { type HubProcess, sendSigned, startHubProcess, stopHubProcess } from '../support/hub-process.ts';
import { asRecordPoints, drive, testRoads } from '../support/metric-city.ts';

/**
 * The map of a day over HTTP (`GET /map/roads`, `/map/areas`, `/map/events`) against a local hub: the
 * metric test city's roads swept as in test/e2e/sanitation.test.ts, the two-district test areas, two
 * tickets and a case with a place and one ticket without; the answers must agree with the indicators.
 */
let hub: HubProcess;
beforeAll(async () => {
  hub = await startHubProcess();
}, 120_000);
afterAll(() => stopHubProcess(hub), 20_000);

const DAY = '2026-03-02';
const nine = Date.parse(`${DAY}T09:00:00+08:00`);

const put = async (path: string, body: unknown) => {
  const response = await fetch(`${hub.state.url}${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${hub.state.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
};
const get = (target: string, token: string | null = hub.state.analystToken) =>
  fetch(`${hub.state.url}${target}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
const getJson = async <T>(target: string): Promise<T> => {
  const response = await get(target);
  expect(response.status, `${target}: ${await response.clone().text()}`).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/(geo\+)?json/);
  return (await response.json()) as T;
};

interface Item {
  area: string;
  indicators: Record<string, number | null>;
}
interface Collection<P> {
  type: string;
  features: { geometry: { type: string; coordinates: unknown }; properties: P }[];
}
type RoadMap = Collection<{ segmentId: string; planned: boolean; lengthM: number; share: number | null }> & {
  coverage: boolean;
};
type AreaMap = Collection<{ area: string; name: string; value: number | null }>;
type EventMap = Collection<{
  kind: string;
  id: string;
  category: string | null;
  status: string;
  area: string;
  placedBy: string;
}> & { total: number; truncated: boolean; unplaced: number };

const ticket = (
  id: string,
  type: HotlineRecord['type'],
  time: string,
  extra: Partial<HotlineRecord> = {},
) => ({
  eventId: `${id}-${type}`,
  ticketId: id,
  type,
  occurredAt: `${DAY}T${time}+08:00`,
  category: 'noise',
  ...extra,
});
const caseEvent = (
  type: CityPlatformRecord['type'],
  time: string,
  extra: Partial<CityPlatformRecord> = {},
) => ({
  eventId: `map-k1-${type}`,
  caseId: 'map-k1',
  type,
  occurredAt: `${DAY}T${time}+08:00`,
  category: 'road-damage',
  ...extra,
});

const indicators = async (): Promise<Item[]> =>
  (
    await getJson<{ items: Item[] }>(
      `/indicators?date=${DAY}&area=city&area=district:east&area=district:west&area=street:east-south`,
    )
  ).items;

describe('the map of a day over HTTP', () => {
  beforeAll(async () => {
    await put('/reference/areas', testAreas);
    await put('/reference/roads', testRoads);
    await put('/reference/vehicles', [{ vehicleId: 'sw1', type: 'sweeper', district: 'east' }]);
    // sw1 sweeps all of `main` and half of `cross` (test/e2e/sanitation.test.ts works the numbers out).
    const sweep = drive([-30, 0], [230, 0], 6, nine);
    const cross = drive([100, -100], [100, -20], 7.2, nine + 3_600_000);
    const gps = await sendSigned(
      hub.state,
      '/ingest/sanitation',
      JSON.stringify({
        records: [
          { eventId: 'g1', vehicleId: 'sw1', points: asRecordPoints(sweep) },
          { eventId: 'g2', vehicleId: 'sw1', points: asRecordPoints(cross) },
        ],
      }),
    );
    expect(gps.body).toMatchObject({ accepted: 2 });
    const tickets = await sendSigned(
      hub.state,
      '/ingest/hotline',
      JSON.stringify({
        records: [
          ticket('map-t1', 'received', '10:00:00', { street: 'east-south' }),
          ticket('map-t1', 'closed', '12:00:00'),
          ticket('map-t2', 'received', '11:00:00', {
            category: 'garbage',
            location: { lat: 39.97, lon: 116.35 },
          }),
          ticket('map-t3', 'received', '12:00:00'),
        ],
      }),
    );
    expect(tickets.body).toMatchObject({ accepted: 4 });
    const cases = await sendSigned(
      hub.state,
      '/ingest/city-platform',
      JSON.stringify({
        records: [
          caseEvent('reported', '09:00:00', { district: 'west' }),
          caseEvent('filed', '09:30:00'),
          caseEvent('dispatched', '10:00:00', { category: 'broken-manhole' }),
        ],
      }),
    );
    expect(cases.body).toMatchObject({ accepted: 3 });
    // Wait for the recompute: three tickets, one case, 0.3 km cleaned in the city.
    const deadline = Date.now() + 30_000;
    const ready = (items: Item[]) => {
      const city = items.find((item) => item.area === 'city')?.indicators;
      return (
        city?.ticketsReceived === 3 &&
        city.casesReported === 1 &&
        Math.abs((city.cleanedRoadKm ?? 0) - 0.3) < 0.005
      );
    };
    while (!ready(await indicators())) {
      if (Date.now() > deadline) throw new Error(`no indicators: ${JSON.stringify(await indicators())}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 60_000);

  it('gives each road segment its share cleaned, summing to cleanedRoadKm', async () => {
    const roads = await getJson<RoadMap>(`/map/roads?date=${DAY}`);
    expect(roads).toMatchObject({ type: 'FeatureCollection', date: DAY, coverage: true });
    const share = Object.fromEntries(roads.features.map((f) => [f.properties.segmentId, f.properties.share]));
    // main: all 200 m; cross: 100 of 200 m (to a cell at each end); north: nothing; service: not planned.
    expect(share.main).toBeCloseTo(1, 2);
    expect(share.cross).toBeCloseTo(0.5, 2);
    expect(share.north).toBe(0);
    expect(share.service).toBeNull();
    expect(roads.features[0]?.geometry.type).toBe('LineString');
    const city = (await indicators()).find((item) => item.area === 'city')?.indicators;
    const cleanedKm =
      roads.features
        .filter((feature) => feature.properties.planned)
        .reduce((sum, feature) => sum + (feature.properties.share ?? 0) * feature.properties.lengthM, 0) /
      1000;
    expect(cleanedKm).toBeCloseTo(city?.cleanedRoadKm ?? Number.NaN, 4);
  });

  it('has no shares on a day without GPS data', async () => {
    const roads = await getJson<RoadMap>('/map/roads?date=2026-03-01');
    expect(roads.coverage).toBe(false);
    expect(roads.features.map((feature) => feature.properties.share)).toEqual([null, null, null, null]);
  });

  it('gives each area the value GET /indicators publishes for it', async () => {
    const published = new Map((await indicators()).map((item) => [item.area, item.indicators]));
    for (const indicator of ['ticketsReceived', 'cleanedRoadKm', 'roadCleaningRate']) {
      const areas = await getJson<AreaMap>(`/map/areas?date=${DAY}&indicator=${indicator}`);
      expect(areas).toMatchObject({ type: 'FeatureCollection', date: DAY, indicator });
      expect(areas.features.map((feature) => feature.properties.area)).toEqual([
        'district:west',
        'district:east',
        'street:west-south',
        'street:east-south',
      ]);
      for (const { properties } of areas.features) {
        expect(properties.value, `${indicator} of ${properties.area}`).toBe(
          published.get(properties.area)?.[indicator] ?? null,
        );
      }
    }
    const streets = await getJson<AreaMap>(`/map/areas?date=${DAY}&indicator=ticketsReceived&level=street`);
    expect(streets.features.map((feature) => [feature.properties.name, feature.properties.value])).toEqual([
      ['西南街道', null],
      ['东南街道', 1],
    ]);
  });

  it('places the tickets and cases of the day, and says when the limit cut them', async () => {
    const events = await getJson<EventMap>(`/map/events?date=${DAY}`);
    expect(events).toMatchObject({
      type: 'FeatureCollection',
      date: DAY,
      total: 3,
      truncated: false,
      unplaced: 1,
    });
    expect(events.features.map((feature) => [feature.geometry.coordinates, feature.properties])).toEqual([
      [
        [116.45, 39.925],
        {
          kind: 'ticket',
          id: 'map-t1',
          category: 'noise',
          status: 'closed',
          area: 'street:east-south',
          placedBy: 'street',
        },
      ],
      [
        [116.35, 39.97],
        {
          kind: 'ticket',
          id: 'map-t2',
          category: 'garbage',
          status: 'open',
          area: 'district:west',
          placedBy: 'location',
        },
      ],
      [
        [116.35, 39.95],
        {
          kind: 'case',
          id: 'map-k1',
          category: 'broken-manhole',
          status: 'dispatched',
          area: 'district:west',
          placedBy: 'district',
        },
      ],
    ]);
    // Two tickets and a case over a limit of 1: round(1 · 2/3) = 1 ticket, no case.
    const cut = await getJson<EventMap>(`/map/events?date=${DAY}&limit=1`);
    expect(cut).toMatchObject({ total: 3, truncated: true, unplaced: 1 });
    expect(cut.features.map((feature) => feature.properties.id)).toEqual(['map-t1']);
    const cases = await getJson<EventMap>(`/map/events?date=${DAY}&kind=case`);
    expect(cases.features.map((feature) => feature.properties.id)).toEqual(['map-k1']);
  });

  it('refuses bad queries with 400 and callers without the analyst token with 401', async () => {
    const refused = async (target: string, message: RegExp) => {
      const response = await get(target);
      expect(response.status, target).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    };
    await refused('/map/roads', /date/);
    await refused(`/map/roads?date=${DAY}&bbox=1,2,3,4`, /unknown parameter "bbox".*this route takes date/);
    await refused(`/map/areas?date=${DAY}&indicator=nope`, /indicator: must be an indicator name/);
    await refused(`/map/areas?date=${DAY}&indicator=ticketsReceived&level=city`, /level/);
    await refused(`/map/events?date=2026-02-30`, /date/);
    await refused(`/map/events?date=${DAY}&limit=5001`, /limit/);
    await refused(`/map/events?date=${DAY}&kind=tickets`, /kind/);
    for (const path of ['/map/roads', '/map/areas', '/map/events']) {
      expect((await get(`${path}?date=${DAY}`, null)).status).toBe(401);
    }
  });

  it("reads only the partitions of the facts table the query function's IAM grant names", async () => {
    // The query function's routes, run here against the hub's tables through a proxy that notes the
    // partition key of every call on the facts table: each must match the topology's `leadingKeys`.
    const dynamo = hub.state.dynamoDb;
    if (!dynamo) throw new Error('the state file names no DynamoDB endpoint');
    // DynamoDB Local takes any credentials, as the hub's own functions do.
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    const proxy = await partitionRecorder(dynamo.endpoint, dynamo.tables.facts);
    try {
      const deps = queryDepsOf(
        queryEnvSchema.parse({
          DYNAMODB_ENDPOINT: proxy.url,
          FACTS_TABLE: dynamo.tables.facts,
          INDICATORS_TABLE: dynamo.tables.indicators,
        }),
      );
      const routes = queryRoutes(deps);
      const call = (key: keyof typeof routes, rawQueryString = '') =>
        routes[key]({ rawQueryString, headers: {} } as HttpEvent, {} as Context);
      await call('GET /indicators', `date=${DAY}&area=district:west&format=csv`);
      await call('GET /areas');
      await call('GET /feeds');
      await call('GET /map/roads', `date=${DAY}`);
      await call('GET /map/areas', `date=${DAY}&indicator=roadCleaningRate`);
      await call('GET /map/events', `date=${DAY}`);
    } finally {
      await proxy.close();
      vi.unstubAllEnvs();
    }
    const patterns = (functions.query.access.leadingKeys.facts as readonly string[]).map(
      (glob) => new RegExp(`^${glob.replaceAll('*', '.*')}$`),
    );
    const families = new Set(proxy.keys.map((key) => key.split('#')[0]));
    // Every family of partitions the map reads was read (so the check below covers them).
    expect([...families].sort()).toEqual(
      expect.arrayContaining(['case', 'cohortlog', 'covunion', 'feed', 'gpshead', 'reference']),
    );
    expect(proxy.keys.filter((key) => !patterns.some((pattern) => pattern.test(key)))).toEqual([]);
  });
});

/**
 * A proxy in front of DynamoDB Local that records the partition key of every GetItem, BatchGetItem
 * and Query on `table` (from `Key`, `Keys`, or the `pk = :value` of a key condition).
 */
const partitionRecorder = async (target: string, table: string) => {
  const keys: string[] = [];
  const pkOf = (key: unknown) => (key as { pk?: { S?: string } } | undefined)?.pk?.S;
  const note = (operation: string, body: Record<string, unknown>) => {
    if (operation === 'GetItem' && body.TableName === table) keys.push(String(pkOf(body.Key)));
    if (operation === 'BatchGetItem') {
      const request = (body.RequestItems as Record<string, { Keys: unknown[] }>)[table];
      for (const key of request?.Keys ?? []) keys.push(String(pkOf(key)));
    }
    if (operation === 'Query' && body.TableName === table) {
      const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
      const values = (body.ExpressionAttributeValues ?? {}) as Record<string, { S?: string }>;
      for (const [, name, value] of String(body.KeyConditionExpression).matchAll(/(#?\w+)\s*=\s*(:\w+)/g)) {
        if ((names[name as string] ?? name) === 'pk') keys.push(String(values[value as string]?.S));
      }
    }
  };
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    note(operation, JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>);
    const answer = await fetch(`${target}${request.url ?? '/'}`, {
      method: request.method ?? 'POST',
      headers: Object.fromEntries(
        Object.entries(request.headers).filter(
          ([name]) => !['host', 'content-length', 'connection'].includes(name),
        ),
      ) as Record<string, string>,
      body,
    });
    response.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    });
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    keys,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
