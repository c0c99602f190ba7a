import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubProcess, sendSigned, startHubProcess } from '../support/hub-process.ts';

/** Webhooks end to end: a real HTTP receiver on loopback, the hub running with a 1-second retry schedule. */
interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

let hub: HubProcess;
/** How long every attempt must fail before the hub disables a subscription, in this hub. */
const DISABLE_AFTER_MS = 6000;
let receiver: Server;
let base = '';
const received: Received[] = [];
const answers = new Map<string, number[]>();

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      received.push({
        path,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      if (path === '/hang') return; // never answers
      const planned = answers.get(path) ?? [];
      response.writeHead(planned.shift() ?? 200);
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  hub = await startHubProcess(['--no-demo'], {
    CITYHUB_RETRY_SCHEDULE: '1,1,1',
    // 6 s instead of 5 days: well past the 1-2 s of failures the flaky receiver below goes through.
    CITYHUB_WEBHOOK_DISABLE_AFTER_DAYS: String(DISABLE_AFTER_MS / 86_400_000),
  });
}, 120_000);

afterAll(async () => {
  hub?.child.kill('SIGTERM');
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

const admin = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${hub.state.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${hub.state.adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
};
const subscribe = (path: string, events: string[]) =>
  admin('POST', '/subscriptions', { url: `${base}${path}`, events });
const until = async (done: () => boolean, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return done();
};
const at = (path: string) => received.filter((request) => request.path === path);
let sequence = 0;
const startedAt = Date.now();
const sendTicket = async (type = 'received') => {
  sequence += 1;
  const ticketId = `w${sequence}`;
  await sendSigned(
    hub.state,
    '/ingest/hotline',
    JSON.stringify({
      records: [
        {
          eventId: `${ticketId}-${type}`,
          ticketId,
          type,
          occurredAt: '2026-03-02T09:00:00+08:00',
          category: 'noise',
          district: 'd1',
        },
      ],
    }),
  );
  return `ticket:${ticketId}-${type}`;
};

describe('webhooks over HTTP', () => {
  let okSecret = '';
  let okId = '';

  it('creates a subscription and shows its secret once', async () => {
    const created = await subscribe('/ok', ['ticket.*']);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: `${base}/ok`,
      events: ['ticket.*'],
      areas: [],
      status: 'active',
    });
    okSecret = String(created.body.secret);
    okId = String(created.body.id);
    expect(okSecret).toMatch(/^whsec_/);
    const shown = await admin('GET', `/subscriptions/${okId}`);
    expect(shown.body).not.toHaveProperty('secret');
    expect((await admin('GET', '/subscriptions')).body.items).toEqual([
      expect.objectContaining({ id: okId }),
    ]);
  });

  it('delivers a ticket event signed so the standardwebhooks library verifies it', async () => {
    const eventId = await sendTicket();
    expect(await until(() => at('/ok').some((request) => request.headers['webhook-id'] === eventId))).toBe(
      true,
    );
    const delivery = at('/ok').find((request) => request.headers['webhook-id'] === eventId) as Received;
    const payload = new Webhook(okSecret).verify(
      delivery.body,
      delivery.headers as Record<string, string>,
    ) as {
      type: string;
      data: Record<string, unknown>;
    };
    expect(payload).toMatchObject({
      type: 'ticket.received',
      data: { ticketId: `w${sequence}`, areas: ['city', 'district:d1'] },
    });
  });

  it('retries a receiver that fails twice and delivers on the third attempt', async () => {
    answers.set('/flaky', [500, 503]);
    const flaky = await subscribe('/flaky', ['ticket.received']);
    const eventId = await sendTicket();
    expect(await until(() => at('/flaky').length >= 3)).toBe(true);
    expect(at('/flaky').map((request) => request.headers['webhook-id'])).toEqual([eventId, eventId, eventId]);
    const { body } = await admin('GET', `/subscriptions/${flaky.body.id}/deliveries`);
    expect(
      (body.items as { attempt: number; statusCode: number }[])
        .map((item) => [item.attempt, item.statusCode])
        .sort(),
    ).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);
    await admin('DELETE', `/subscriptions/${flaky.body.id}`);
  });

  it('does not let a receiver that hangs delay a healthy one', async () => {
    const hanging = await subscribe('/hang', ['ticket.received']);
    const sentAt = Date.now();
    const eventId = await sendTicket();
    expect(
      await until(() => at('/ok').some((request) => request.headers['webhook-id'] === eventId), 5000),
    ).toBe(true);
    const healthy = at('/ok').find((request) => request.headers['webhook-id'] === eventId) as Received;
    expect(healthy.at - sentAt).toBeLessThan(5000);
    // Sent to both at once: the hanging receiver may record its request a moment after the healthy one.
    expect(
      await until(() => at('/hang').some((request) => request.headers['webhook-id'] === eventId), 5000),
    ).toBe(true);
    await admin('DELETE', `/subscriptions/${hanging.body.id}`);
  });

  it('disables a subscription whose endpoint answers 410 Gone', async () => {
    answers.set('/gone', [410]);
    const gone = await subscribe('/gone', ['ticket.*']);
    await sendTicket();
    expect(await until(() => at('/gone').length === 1)).toBe(true);
    expect(await until(() => false, 1000)).toBe(false);
    expect((await admin('GET', `/subscriptions/${gone.body.id}`)).body).toMatchObject({ status: 'disabled' });
    await sendTicket();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(at('/gone')).toHaveLength(1);
  });

  it('re-sends the events of a window on replay', async () => {
    const before = at('/ok').length;
    const replay = await admin('POST', `/subscriptions/${okId}/replay`, {
      since: new Date(startedAt).toISOString(),
    });
    expect(replay.status).toBe(202);
    expect(Number(replay.body.replayed)).toBeGreaterThanOrEqual(4);
    expect(await until(() => at('/ok').length >= before + Number(replay.body.replayed))).toBe(true);
  });

  it('refuses a replay window longer than the 30 days events are kept', async () => {
    const refused = await admin('POST', `/subscriptions/${okId}/replay`, { since: '2020-01-01T00:00:00Z' });
    expect(refused.status).toBe(400);
    expect(String(refused.body.error)).toContain('30 days');
  });

  it('rotates the secret, shows the new one once, and signs with both for the overlap', async () => {
    const rotatedAt = Date.now();
    const rotated = await admin('PATCH', `/subscriptions/${okId}`, { rotateSecret: true });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(okSecret);
    const validUntil = Date.parse(String(rotated.body.previousSecretValidUntil));
    expect(validUntil - rotatedAt).toBeGreaterThan(24 * 3_600_000 - 60_000);
    expect(validUntil - rotatedAt).toBeLessThanOrEqual(24 * 3_600_000 + 60_000);
    expect((await admin('GET', `/subscriptions/${okId}`)).body).not.toHaveProperty('secret');

    const eventId = await sendTicket();
    expect(await until(() => at('/ok').some((request) => request.headers['webhook-id'] === eventId))).toBe(
      true,
    );
    const delivery = at('/ok').find((request) => request.headers['webhook-id'] === eventId) as Received;
    expect(String(delivery.headers['webhook-signature']).split(' ')).toHaveLength(2);
    const headers = delivery.headers as Record<string, string>;
    // A receiver that has not switched yet still verifies; one that has, too.
    expect(new Webhook(okSecret).verify(delivery.body, headers)).toMatchObject({ type: 'ticket.received' });
    expect(new Webhook(String(rotated.body.secret)).verify(delivery.body, headers)).toMatchObject({
      type: 'ticket.received',
    });
    okSecret = String(rotated.body.secret);
  });

  it('disables a subscription whose every attempt failed for the configured time, and says so', async () => {
    const watcher = await subscribe('/watch', ['subscription.disabled']);
    answers.set(
      '/down',
      Array.from({ length: 20 }, () => 500),
    );
    // The received events alone: the minute sweep also announces these old tickets overdue, and two
    // first attempts at once would leave no retry to wait for.
    const down = await subscribe('/down', ['ticket.received']);
    const downId = String(down.body.id);
    await sendTicket();
    expect(await until(() => at('/down').length >= 2)).toBe(true);
    const firstFailure = (at('/down')[0] as Received).at;
    const failing = (await admin('GET', `/subscriptions/${downId}`)).body;
    expect(failing).toMatchObject({ status: 'active', failingSince: expect.any(String) });
    expect(Math.abs(Date.parse(String(failing.failingSince)) - firstFailure)).toBeLessThan(2000);

    // Once the limit has passed since the first failure, the next failed attempt disables it.
    await new Promise((resolve) => setTimeout(resolve, firstFailure + DISABLE_AFTER_MS + 500 - Date.now()));
    await sendTicket();
    expect(await until(() => at('/watch').length === 1)).toBe(true);
    const shown = (await admin('GET', `/subscriptions/${downId}`)).body;
    expect(shown).toMatchObject({ status: 'disabled', failingSince: failing.failingSince });
    expect(String(shown.disabledReason)).toMatch(
      new RegExp(
        `^every delivery attempt failed from ${String(failing.failingSince).replace(/\./g, '\\.')} to `,
      ),
    );
    const announcement = at('/watch')[0] as Received;
    expect(JSON.parse(announcement.body)).toEqual({
      type: 'subscription.disabled',
      timestamp: expect.any(String),
      data: {
        subscriptionId: downId,
        origin: base,
        cause: 'failing',
        reason: shown.disabledReason,
        disabledAt: expect.any(String),
        failingSince: failing.failingSince,
      },
    });
    expect(announcement.headers['webhook-id']).toMatch(new RegExp(`^subscription\\.disabled:${downId}:`));

    // Turned back on, it starts healthy: no reason, no run of failures.
    const reactivated = await admin('PATCH', `/subscriptions/${downId}`, { status: 'active' });
    expect(reactivated.body).toMatchObject({ status: 'active' });
    expect(reactivated.body).not.toHaveProperty('disabledReason');
    expect(reactivated.body).not.toHaveProperty('failingSince');
    await admin('DELETE', `/subscriptions/${downId}`);
    await admin('DELETE', `/subscriptions/${watcher.body.id}`);
  });

  it('delivers to a subscription stored with its secret before secrets had a table, and moves it on a change', async () => {
    const { dynamoDb } = hub.state;
    if (!dynamoDb) throw new Error('the hub wrote no DynamoDB endpoint in its state file');
    const tableNames = dynamoDb.tables;
    // DynamoDB Local takes any region and credentials.
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: dynamoDb.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const id = 'sub_00000000-0000-4000-8000-00000000013a';
    const legacySecret = `whsec_${Buffer.from('stored the way it used to be!!!!').toString('base64')}`;
    await documents.send(
      new PutCommand({
        TableName: tableNames.facts,
        Item: {
          pk: 'subscription',
          sk: id,
          id,
          url: `${base}/legacy`,
          events: ['ticket.*'],
          areas: [],
          status: 'active',
          secret: legacySecret,
          createdAt: '2026-03-01T00:00:00.000Z',
        },
      }),
    );
    const delivered = async () => {
      const eventId = await sendTicket();
      expect(
        await until(() => at('/legacy').some((request) => request.headers['webhook-id'] === eventId)),
      ).toBe(true);
      const delivery = at('/legacy').find((request) => request.headers['webhook-id'] === eventId) as Received;
      return new Webhook(legacySecret).verify(delivery.body, delivery.headers as Record<string, string>);
    };
    expect(await delivered()).toMatchObject({ type: 'ticket.received' });

    const item = async (table: string, key: Record<string, string>) =>
      (await documents.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
    expect((await admin('PATCH', `/subscriptions/${id}`, { description: 'moved' })).status).toBe(200);
    expect(await item(tableNames.facts, { pk: 'subscription', sk: id })).not.toHaveProperty('secret');
    expect(await item(tableNames.secrets, { pk: id, sk: 'secrets' })).toMatchObject({
      current: legacySecret,
    });
    expect(await delivered()).toMatchObject({ type: 'ticket.received' });
    await admin('DELETE', `/subscriptions/${id}`);
    expect(await item(tableNames.secrets, { pk: id, sk: 'secrets' })).toBeUndefined();
    documents.destroy();
  });

  it('asks the city platform for a case when a ticket of a synced category is received', async () => {
    expect(
      (await admin('PUT', '/reference/sync', { ticketCategoriesToCityPlatform: ['noise'] })).status,
    ).toBe(200);
    await subscribe('/sync', ['sync.*']);
    await sendTicket();
    expect(await until(() => at('/sync').length === 1)).toBe(true);
    expect(JSON.parse(at('/sync')[0]?.body ?? '{}')).toMatchObject({
      type: 'sync.case-requested',
      data: { ticketId: `w${sequence}`, category: 'noise', areas: ['city', 'district:d1'] },
    });
    expect(at('/sync')[0]?.headers['webhook-id']).toBe(`sync.case-requested:w${sequence}`);
  });

  it.each([
    ['http://10.0.0.1/hook', 'private'],
    ['http://172.16.5.4/hook', 'private'],
    ['http://192.168.1.1/hook', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    ['http://100.64.0.1/hook', 'carrier-grade NAT'],
    ['http://0.0.0.0/hook', 'unspecified'],
    ['http://[fc00::1]/hook', 'unique-local'],
    ['http://[fe80::1]/hook', 'link-local'],
    ['http://[::ffff:10.0.0.1]/hook', 'private'],
    ['http://167772161/hook', 'private'],
    ['http://012.0.0.1/hook', 'private'],
    ['ftp://example.com/hook', 'https or http'],
  ])('refuses to subscribe %s with 422', async (url, reason) => {
    const refused = await admin('POST', '/subscriptions', { url, events: ['ticket.*'] });
    expect(refused.status).toBe(422);
    expect(String(refused.body.error)).toContain(reason);
  });

  it('refuses an unknown event type with 400', async () => {
    const refused = await admin('POST', '/subscriptions', { url: `${base}/ok`, events: ['parking.*'] });
    expect(refused.status).toBe(400);
    expect(String(refused.body.error)).toContain('unknown event type');
  });
});
