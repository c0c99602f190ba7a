import { connect } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHttpApi } from '#infra/local/http-api';
import { sources } from '#shared/schemas/ingest';
import { routes } from '#shared/topology';

let seen: APIGatewayProxyEventV2 | undefined;
const api = new LocalHttpApi([
  {
    route: { method: 'POST', path: '/ingest/{source}', function: 'ingest', auth: 'signature' },
    handler: async (event) => {
      seen = event;
      return { statusCode: 202, headers: { 'x-test': 'yes' }, body: '{"ok":true}' };
    },
  },
  {
    route: { method: 'GET', path: '/indicators', function: 'query', auth: 'analyst' },
    handler: async (event) => {
      seen = event;
      return { statusCode: 200, body: 'fine' };
    },
  },
]);
let url: string;
beforeAll(async () => {
  url = await api.start(0);
});
afterAll(async () => api.stop());

describe('LocalHttpApi', () => {
  it('hands the handler an API Gateway payload 2.0 event with the raw body and path parameters', async () => {
    const response = await fetch(`${url}/ingest/city-platform`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Webhook-Id': 'msg_1' },
      body: '{"records":[]}',
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-test')).toBe('yes');
    expect(await response.json()).toEqual({ ok: true });
    expect(seen).toMatchObject({
      version: '2.0',
      routeKey: 'POST /ingest/{source}',
      rawPath: '/ingest/city-platform',
      pathParameters: { source: 'city-platform' },
      headers: { 'webhook-id': 'msg_1' },
      body: '{"records":[]}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/ingest/city-platform' }, stage: '$default' },
    });
  });

  it('says the request came over plain HTTP, whatever the client claims, as API Gateway says https', async () => {
    await fetch(`${url}/indicators?date=2026-03-02`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers['x-forwarded-port']).toBe(new URL(url).port);
  });

  it('keeps repeated query parameters in the raw string and joins them with commas', async () => {
    await fetch(`${url}/indicators?date=2026-03-02&area=city&area=district:d1`);
    expect(seen?.rawQueryString).toBe('date=2026-03-02&area=city&area=district:d1');
    expect(seen?.queryStringParameters).toEqual({ date: '2026-03-02', area: 'city,district:d1' });
  });

  it('base64-encodes a binary body', async () => {
    await fetch(`${url}/ingest/hotline`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 2, 255]),
    });
    expect(seen).toMatchObject({
      isBase64Encoded: true,
      body: Buffer.from([0, 1, 2, 255]).toString('base64'),
    });
  });

  it('base64-encodes a JSON body whose bytes are not UTF-8, so the function sees the bytes sent', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"records":["'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"]}'),
    ]);
    await fetch(`${url}/ingest/hotline`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bytes,
    });
    expect(seen).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
  });

  it.each(['%', '%zz', '%E0%A4%A'])(
    'answers 400 naming the segment when a path parameter is not percent-encoding: %s',
    async (segment) => {
      seen = undefined;
      const response = await fetch(`${url}/ingest/${segment}`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: `path segment ${JSON.stringify(segment)} is not valid percent-encoding`,
      });
      expect(seen).toBeUndefined();
    },
  );

  /** Sends raw bytes and returns the whole answer. */
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString();
      });
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
      socket.end(request);
    });

  it.each([
    [
      'headers over 16 KB',
      `GET /indicators HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'larger than 16 KB',
    ],
    ['a malformed header line', 'GET /indicators HTTP/1.1\r\nno colon here\r\n\r\n', 400, 'malformed HTTP'],
    [
      'a target that is not a path',
      'OPTIONS * HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
      400,
      'is not a path',
    ],
    [
      'a path that starts with //',
      'GET //?% HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
      404,
      'no route GET //',
    ],
  ])('answers a request with %s with a JSON error', async (_, request, status, message) => {
    const answer = await raw(request);
    expect(answer).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(answer).toContain('content-type: application/json');
    // The body, whether sent whole or as one chunk.
    const body = answer.slice(answer.indexOf('{'), answer.lastIndexOf('}') + 1);
    expect((JSON.parse(body) as { error: string }).error).toContain(message);
  });

  it.each([
    ['GET', '/nowhere', 404],
    ['DELETE', '/indicators', 405],
  ])('answers %s %s with %d', async (method, path, status) => {
    const response = await fetch(`${url}${path}`, { method });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toContain(path);
  });
});

describe('LocalHttpApi with the topology ingest routes', () => {
  const keys: string[] = [];
  const ingestApi = new LocalHttpApi(
    routes
      .filter((route) => route.function === 'ingest')
      .map((route) => ({
        route,
        handler: async (event) => {
          keys.push(event.routeKey);
          return { statusCode: 202, body: '{}' };
        },
      })),
  );
  let ingestUrl: string;
  beforeAll(async () => {
    ingestUrl = await ingestApi.start(0);
  });
  afterAll(async () => ingestApi.stop());

  it('hands each source its own route key, as API Gateway does', async () => {
    const paths = [...sources.map((source) => `/ingest/${source}`), '/ingest/hotline/open311'];
    for (const path of paths) {
      expect((await fetch(`${ingestUrl}${path}`, { method: 'POST', body: '{}' })).status).toBe(202);
    }
    expect(keys).toEqual(paths.map((path) => `POST ${path}`));
  });

  it('answers 404 for a path that names no source', async () => {
    const response = await fetch(`${ingestUrl}/ingest/parking`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toBe('no route POST /ingest/parking');
  });
});
