import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { encodeLocationFrame } from '#shared/domain/jt808';
import { routes } from '#shared/topology';
import { testAreas } from '../support/demo-areas.ts';
import { type HubProcess, sendSigned, startHubProcess, stopHubProcess } from '../support/hub-process.ts';

/**
 * The answers of a running hub against the document it serves at `GET /openapi.json`: every status a
 * route answers is documented for it, and every JSON body is valid against the JSON Schema documented
 * for that status (read back with zod's `z.fromJSONSchema`, no hand-written oracle). Every route is
 * called at least once with a success and, where one is cheap to cause, with an error.
 */
type Schema = Record<string, unknown>;
type Document = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
};

let hub: HubProcess;
let receiver: Server;
let receiverUrl = '';
let document: Document;
/** Route keys (`GET /areas`) answered with a 2xx so far. */
const succeeded = new Set<string>();

beforeAll(async () => {
  receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  hub = await startHubProcess();
}, 120_000);

afterAll(async () => {
  await stopHubProcess(hub);
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
}, 30_000);

/** A zod schema of a documented JSON Schema, its `$ref`s to components resolved. */
const validatorOf = (schema: Schema) =>
  z.fromJSONSchema(
    JSON.parse(
      JSON.stringify({ ...schema, $defs: document.components.schemas }).replaceAll(
        '#/components/schemas/',
        '#/$defs/',
      ),
    ),
  );

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/** Checks an answer of `METHOD path` (path as the topology writes it) against the document. */
const expectDocumented = (method: string, path: string, answer: Answer) => {
  const operation = document.paths[path]?.[method.toLowerCase()];
  expect(operation, `${method} ${path} is documented`).toBeDefined();
  const response = operation?.responses[String(answer.status)];
  expect(
    response,
    `${method} ${path} documents status ${answer.status} (${answer.text.slice(0, 200)})`,
  ).toBeDefined();
  const mediaType = answer.contentType.split(';')[0]?.trim() ?? '';
  if (answer.status === 204) {
    expect(response?.content).toBeUndefined();
  } else {
    const content = response?.content?.[mediaType];
    expect(content, `${method} ${path} ${answer.status} documents ${mediaType}`).toBeDefined();
    if ((mediaType === 'application/json' || mediaType === 'application/geo+json') && content) {
      const parsed = validatorOf(content.schema).safeParse(JSON.parse(answer.text));
      expect(
        parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [],
        `${method} ${path} ${answer.status}: ${answer.text.slice(0, 300)}`,
      ).toEqual([]);
    }
  }
  if (answer.status < 300) succeeded.add(`${method} ${path}`);
};

type Token = 'admin' | 'analyst' | 'none';

/** Calls the hub; `path` is the topology's path, `target` the URL path and query actually sent. */
const call = async (
  method: string,
  path: string,
  options: { target?: string; token?: Token; body?: unknown } = {},
): Promise<Answer & { json: () => Record<string, unknown> }> => {
  const token = options.token ?? 'admin';
  const response = await fetch(`${hub.state.url}${options.target ?? path}`, {
    method,
    headers: {
      ...(token === 'none'
        ? {}
        : { authorization: `Bearer ${token === 'admin' ? hub.state.adminToken : hub.state.analystToken}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const answer = {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
  expectDocumented(method, path, answer);
  return { ...answer, json: () => JSON.parse(answer.text) as Record<string, unknown> };
};

/** Sends a signed ingest body and checks the answer against the document. */
const ingest = async (
  path: string,
  target: string,
  body: unknown,
  options: { id?: string; secret?: string } = {},
) => {
  const { status, body: json } = await sendSigned(hub.state, target, JSON.stringify(body), options);
  expectDocumented('POST', path, { status, contentType: 'application/json', text: JSON.stringify(json) });
  return { status, body: json };
};

const ticket = (eventId: string, extra: Record<string, unknown> = {}) => ({
  eventId,
  ticketId: `T-${eventId}`,
  type: 'received',
  occurredAt: '2026-03-02T10:00:00+08:00',
  category: 'city.road-damage',
  district: 'west',
  ...extra,
});

describe('the answers of a running hub, against its own OpenAPI document', () => {
  it('serves the document, itself described', async () => {
    const response = await fetch(`${hub.state.url}/openapi.json`, {
      headers: { authorization: `Bearer ${hub.state.analystToken}` },
    });
    const text = await response.text();
    document = JSON.parse(text) as Document;
    expectDocumented('GET', '/openapi.json', {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text,
    });
    expect(response.status).toBe(200);
  });

  it('names the server as the hub serves it: plain HTTP on its own address', () => {
    expect((document as Document & { servers?: unknown }).servers).toEqual([{ url: hub.state.url }]);
  });

  it('answers the open routes as documented', async () => {
    expect((await call('GET', '/health', { token: 'none' })).status).toBe(200);
    expect((await call('GET', '/', { token: 'none' })).status).toBe(200);
  });

  it('answers the reference routes as documented', async () => {
    expect((await call('PUT', '/reference/areas', { body: testAreas })).status).toBe(200);
    expect((await call('PUT', '/reference/calendar', { body: { holidays: ['2026-01-01'] } })).status).toBe(
      200,
    );
    const road = {
      type: 'Feature',
      geometry: {
        type: 'LineString',
        coordinates: [
          [116.31, 39.91],
          [116.32, 39.91],
        ],
      },
      properties: { segmentId: 'w-1', district: 'west' },
    };
    expect(
      (await call('PUT', '/reference/roads', { body: { type: 'FeatureCollection', features: [road] } }))
        .status,
    ).toBe(200);
    expect(
      (
        await call('PUT', '/reference/vehicles', {
          body: [{ vehicleId: 'sw1', type: 'sweeper', district: 'west' }],
        })
      ).status,
    ).toBe(200);
    expect(
      (await call('PUT', '/reference/sync', { body: { ticketCategoriesToCityPlatform: ['city.*'] } })).status,
    ).toBe(200);
    expect(
      (
        await call('PUT', '/reference/alerts', {
          body: {
            rules: [
              {
                id: 'on-time',
                indicator: 'caseOnTimeClosureRate',
                areas: 'district',
                below: 0.9,
                at: '17:00',
              },
            ],
            feeds: { sanitation: 15 },
          },
        })
      ).status,
    ).toBe(200);
    expect(
      (await call('PUT', '/reference/alerts', { body: { rules: [{ id: 'x', indicator: 'nope' }] } })).status,
    ).toBe(400);
    expect(
      (await call('PUT', '/reference/supervision', { body: { yellowAt: 0.8, categories: { noise: 0.5 } } }))
        .status,
    ).toBe(200);
    expect((await call('PUT', '/reference/supervision', { body: { yellowAt: 1 } })).status).toBe(400);
    expect((await call('PUT', '/reference/areas', { body: { type: 'FeatureCollection' } })).status).toBe(400);
    expect((await call('PUT', '/reference/calendar', { body: {}, token: 'analyst' })).status).toBe(403);
  });

  let subscriptionId = '';

  it('answers the subscription routes as documented', async () => {
    const created = await call('POST', '/subscriptions', {
      body: { url: receiverUrl, events: ['ticket.*'], description: 'openapi check' },
    });
    expect(created.status).toBe(201);
    subscriptionId = String(created.json().id);
    expect((await call('POST', '/subscriptions', { body: { url: 'nope', events: [] } })).status).toBe(400);
    expect((await call('GET', '/subscriptions')).status).toBe(200);
    const one = `/subscriptions/${subscriptionId}`;
    expect((await call('GET', '/subscriptions/{id}', { target: one })).status).toBe(200);
    expect(
      (await call('PATCH', '/subscriptions/{id}', { target: one, body: { rotateSecret: true } })).json()
        .secret,
    ).toMatch(/^whsec_/);
    expect(
      (await call('PATCH', '/subscriptions/{id}', { target: one, body: { description: 'checked' } })).status,
    ).toBe(200);
    expect((await call('PATCH', '/subscriptions/{id}', { target: one, body: {} })).status).toBe(400);
    expect((await call('GET', '/subscriptions/{id}', { target: '/subscriptions/sub_none' })).status).toBe(
      404,
    );
    expect((await call('GET', '/subscriptions', { token: 'none' })).status).toBe(401);
  });

  it('answers the ingest routes as documented', async () => {
    const batch = { records: [ticket('oa-1'), ticket('oa-2', { type: 'escalated' })] };
    expect((await ingest('/ingest/hotline', '/ingest/hotline', batch, { id: 'msg_openapi' })).status).toBe(
      202,
    );
    expect((await ingest('/ingest/hotline', '/ingest/hotline', batch, { id: 'msg_openapi' })).status).toBe(
      202,
    );
    const other = { records: [ticket('oa-3')] };
    expect((await ingest('/ingest/hotline', '/ingest/hotline', other, { id: 'msg_openapi' })).status).toBe(
      409,
    );
    expect((await ingest('/ingest/hotline', '/ingest/hotline', { records: [{}] })).status).toBe(422);
    expect((await ingest('/ingest/hotline', '/ingest/hotline', { records: {} })).status).toBe(400);
    const caseEvent = {
      eventId: 'oa-case-1',
      caseId: 'oa-case',
      type: 'reported',
      occurredAt: '2026-03-02T09:00:00+08:00',
      category: 'city.roads',
    };
    expect(
      (await ingest('/ingest/city-platform', '/ingest/city-platform', { records: [caseEvent] })).status,
    ).toBe(202);
    const track = {
      eventId: 'oa-gps-1',
      vehicleId: 'sw1',
      points: [{ t: '2026-03-02T09:00:00+08:00', lat: 39.9, lon: 116.4 }],
    };
    expect((await ingest('/ingest/sanitation', '/ingest/sanitation', { records: [track] })).status).toBe(202);
    // A path naming no source has no route (no operation documents it).
    expect((await sendSigned(hub.state, '/ingest/parking', JSON.stringify(batch))).status).toBe(404);
    const wrongSecret = `whsec_${Buffer.from('not-the-hotline-secret-at-all!!').toString('base64')}`;
    expect((await ingest('/ingest/hotline', '/ingest/hotline', batch, { secret: wrongSecret })).status).toBe(
      401,
    );
    const request = {
      service_request_id: 'oa-311',
      status: 'open',
      service_code: 'city.noise',
      requested_datetime: '2026-03-02T11:00:00+08:00',
    };
    expect(
      (await ingest('/ingest/hotline/open311', '/ingest/hotline/open311', { requests: [request] })).status,
    ).toBe(202);
    const frame = encodeLocationFrame({
      terminal: '13800138000',
      serial: 1,
      t: '2026-03-02T09:00:00+08:00',
      lat: 39.91,
      lon: 116.315,
      speedKmh: 6,
      working: true,
    });
    const jt808 = (frames: string[]) => ({
      records: [{ eventId: `oa-jt-${frames.length}`, vehicleId: 'sw1', frames }],
    });
    expect(
      (await ingest('/ingest/sanitation/jt808', '/ingest/sanitation/jt808', jt808([frame, '7e00']))).status,
    ).toBe(202);
    expect(
      (await ingest('/ingest/sanitation/jt808', '/ingest/sanitation/jt808', jt808(['7e00']))).status,
    ).toBe(422);
  });

  it('answers the admin routes as documented', async () => {
    const recomputed = await call('POST', '/admin/recompute', { body: { date: '2026-03-02' } });
    expect(recomputed.status).toBe(200);
    expect((await call('POST', '/admin/recompute', { body: { date: '2026-02-30' } })).status).toBe(400);
    const quarantined = await call('GET', '/quarantine', { target: '/quarantine?source=hotline' });
    expect(quarantined.json().items).not.toHaveLength(0);
    expect((await call('GET', '/quarantine', { target: '/quarantine?source=parking' })).status).toBe(400);
    expect(
      (await call('GET', '/quarantine', { target: '/quarantine?source=hotline', token: 'analyst' })).status,
    ).toBe(403);
    const quality = await call('GET', '/admin/quality', {
      target: '/admin/quality?from=2026-03-01&to=2026-03-02',
    });
    expect(quality.status).toBe(200);
    const dryRun = await call('POST', '/admin/redrive', { body: { dryRun: true } });
    expect(dryRun.status).toBe(200);
    expect(dryRun.json().queues).toHaveLength(5);
    expect((await call('POST', '/admin/redrive', { body: { queue: 'facts' } })).status).toBe(200);
    expect((await call('POST', '/admin/redrive', { body: { queue: 'parking' } })).status).toBe(400);
  });

  it('answers the analyst routes as documented', async () => {
    // The accepted tickets reach the indicators through the bus, the facts and the recompute queue.
    const first = () =>
      call('GET', '/indicators', { target: '/indicators?date=2026-03-02&limit=1', token: 'analyst' });
    let page = await first();
    const deadline = Date.now() + 20_000;
    while ((page.json().items as unknown[]).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      page = await first();
    }
    expect(page.json().items).toHaveLength(1);
    expect(page.json().nextToken).toEqual(expect.any(String));
    const csv = await call('GET', '/indicators', {
      target: '/indicators?date=2026-03-02&format=csv',
      token: 'analyst',
    });
    expect(csv.contentType).toMatch(/^text\/csv/);
    expect(
      (await call('GET', '/indicators', { target: '/indicators?date=2026-02-30', token: 'analyst' })).status,
    ).toBe(400);
    expect(
      (await call('GET', '/indicators', { target: '/indicators?date=2026-03-02', token: 'none' })).status,
    ).toBe(401);
    expect((await call('GET', '/areas', { token: 'analyst' })).json().items).toHaveLength(4);
    const feeds = await call('GET', '/feeds', { token: 'analyst' });
    expect(feeds.json().items).toContainEqual(
      expect.objectContaining({ source: 'hotline', ageSeconds: expect.any(Number) }),
    );
    for (const [path, query] of [
      ['/map/roads', 'date=2026-03-02'],
      ['/map/areas', 'date=2026-03-02&indicator=ticketsReceived'],
      ['/map/events', 'date=2026-03-02&limit=1'],
    ] as const) {
      const map = await call('GET', path, { target: `${path}?${query}`, token: 'analyst' });
      expect(map.json().type).toBe('FeatureCollection');
      const extra = await call('GET', path, { target: `${path}?${query}&extra=1`, token: 'analyst' });
      expect(extra.status).toBe(400);
    }
    // The tickets above were received on 2026-03-02: open and long overdue.
    const open = await call('GET', '/open-items', {
      target: '/open-items?kind=ticket&limit=1',
      token: 'analyst',
    });
    expect(open.json().items).toEqual([expect.objectContaining({ kind: 'ticket', light: 'red' })]);
    const openCsv = await call('GET', '/open-items', {
      target: '/open-items?format=csv&light=red',
      token: 'analyst',
    });
    expect(openCsv.contentType).toMatch(/^text\/csv/);
    expect(
      (await call('GET', '/open-items', { target: '/open-items?area=district:atlantis', token: 'analyst' }))
        .status,
    ).toBe(404);
    expect(
      (await call('GET', '/open-items', { target: '/open-items?light=blue', token: 'analyst' })).status,
    ).toBe(400);
  });

  it('answers deliveries, replays and deletion as documented', async () => {
    const target = `/subscriptions/${subscriptionId}`;
    let attempts: unknown[] = [];
    const deadline = Date.now() + 20_000;
    while (attempts.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      attempts = (
        await call('GET', '/subscriptions/{id}/deliveries', { target: `${target}/deliveries` })
      ).json().items as unknown[];
    }
    expect(attempts).not.toHaveLength(0);
    expect(
      (await call('GET', '/subscriptions/{id}/deliveries', { target: `${target}/deliveries?limit=0` }))
        .status,
    ).toBe(400);
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const replay = await call('POST', '/subscriptions/{id}/replay', {
      target: `${target}/replay`,
      body: { since },
    });
    expect(replay.json().replayed).toBeGreaterThan(0);
    expect(
      (await call('POST', '/subscriptions/{id}/replay', { target: `${target}/replay`, body: { since: 'x' } }))
        .status,
    ).toBe(400);
    expect((await call('DELETE', '/subscriptions/{id}', { target })).status).toBe(204);
    expect((await call('DELETE', '/subscriptions/{id}', { target })).status).toBe(404);
  });

  it('has checked a success of every route of the topology', () => {
    expect(
      routes.map((route) => `${route.method} ${route.path}`).filter((key) => !succeeded.has(key)),
    ).toEqual([]);
  });
});
