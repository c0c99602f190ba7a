import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHttpApi } from '#infra/local/http-api';

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

  it.each([
    ['GET', '/nowhere', 404],
    ['DELETE', '/indicators', 405],
  ])('answers %s %s with %d', async (method, path, status) => {
    const response = await fetch(`${url}${path}`, { method });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toContain(path);
  });
});
