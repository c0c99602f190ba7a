import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createDeliveryPacer } from '#shared/adapters/delivery-pacer';
import { signatureHeader } from '#shared/adapters/webhook-sender';
import {
  type DeliverMessagesDeps,
  type DeliveryMessage,
  deliverMessages,
  deliverOnce,
  type SendEvent,
} from '#shared/app/deliver';
import type { WebhookEvent } from '#shared/domain/webhooks/events';
import type {
  DeliveryAttempt,
  StoredSubscription,
  Subscription,
  SubscriptionSecrets,
} from '#shared/domain/webhooks/subscription';
import { RecordingPublisher } from '../../support/recording-publisher.ts';

const subscription: Subscription = {
  id: 'sub_1',
  url: 'https://example.org/hook',
  events: ['*'],
  areas: [],
  status: 'active',
  createdAt: '2026-03-01T00:00:00.000Z',
};
const event = (id: string): WebhookEvent => ({
  id,
  type: 'ticket.received',
  timestamp: '2026-03-02T01:00:00.000Z',
  data: {},
});
/** A delivery message as the bus puts it on the delivery queue. */
const message = (id: string, receiveCount: number, body?: string): DeliveryMessage => ({
  id,
  receiptHandle: `handle-${id}`,
  receiveCount,
  body:
    body ??
    JSON.stringify({
      id: `bus-${id}`,
      source: 'cityhub.webhooks',
      'detail-type': 'webhook.delivery-requested',
      time: '2026-03-02T01:00:00Z',
      detail: { subscriptionId: subscription.id, event: event(id) },
    }),
});

/** The endpoint answers each event id with its planned status; the schedule has one retry, after 5 s. */
const fakes = (statuses: Record<string, number>) => {
  const postponed: [string, number][] = [];
  const logged: DeliveryAttempt[] = [];
  const deps: DeliverMessagesDeps = {
    webhooks: {
      get: async (id) => (id === subscription.id ? subscription : undefined),
      logAttempt: async (_id, attempt) => void logged.push(attempt),
      disable: async () => true,
      markFailing: async () => {},
      markHealthy: async () => {},
    },
    secrets: { get: async () => ({ current: 'whsec_x' }) },
    publisher: new RecordingPublisher(),
    policy: { allowHttp: false, allowLoopback: false, extraPorts: [] },
    schedule: [5],
    disableAfterMs: 5 * 86_400_000,
    send: async (_url, _secret, sent) => ({ statusCode: statuses[sent.id], durationMs: 1 }),
    pace: async () => {},
    retries: { postpone: async (handle, seconds) => void postponed.push([handle, seconds]) },
    now: () => Date.parse('2026-03-02T02:00:00Z'),
  };
  return { deps, postponed, logged };
};

describe('deliverMessages', () => {
  it('reports failed, in batch order, every message not delivered; a retry is hidden for its delay', async () => {
    const { deps, postponed, logged } = fakes({ ok: 200, retry: 500, last: 503 });
    const outcome = await deliverMessages(
      [message('retry', 1), message('ok', 1), message('unreadable', 1, '{"detail":'), message('last', 2)],
      deps,
    );
    expect(outcome.failedMessages).toEqual(['retry', 'unreadable', 'last']);
    expect(postponed).toEqual([['handle-retry', 5]]);
    expect(outcome.givenUp).toEqual([{ subscriptionId: 'sub_1', eventId: 'last' }]);
    expect(outcome.errors.map(({ messageId, error }) => [messageId, error.name])).toEqual([
      ['unreadable', 'SyntaxError'],
    ]);
    expect(logged.map(({ eventId, attempt }) => [eventId, attempt]).sort()).toEqual([
      ['last', 2],
      ['ok', 1],
      ['retry', 1],
    ]);
  });

  it('reports a message failed when hiding it for the retry fails', async () => {
    const { deps } = fakes({ retry: 500 });
    const outcome = await deliverMessages([message('retry', 1)], {
      ...deps,
      retries: {
        postpone: async () => {
          throw new Error('receipt handle has expired');
        },
      },
    });
    expect(outcome.failedMessages).toEqual(['retry']);
    expect(outcome.errors.map(({ error }) => error.message)).toEqual(['receipt handle has expired']);
  });

  it('sends each delivery only once its subscription has a slot, on the real pacer', async () => {
    // 2 a second, burst 1, on a clock that moves only while deliveries wait.
    let clock = Date.parse('2026-03-02T02:00:00Z');
    const sentAt: [string, number][] = [];
    const { deps } = fakes({ a: 200, b: 200, c: 200 });
    const outcome = await deliverMessages([message('a', 1), message('b', 1), message('c', 1)], {
      ...deps,
      now: () => clock,
      pace: createDeliveryPacer(
        { perSecond: 2, burst: 1 },
        () => clock,
        async (ms) => {
          await new Promise((resolve) => setImmediate(resolve));
          clock = Math.max(clock, Date.parse('2026-03-02T02:00:00Z') + ms);
        },
      ),
      send: async (_url, _secrets, sent) => {
        sentAt.push([sent.id, clock - Date.parse('2026-03-02T02:00:00Z')]);
        return { statusCode: 200, durationMs: 1 };
      },
    });
    expect(outcome.failedMessages).toEqual([]);
    expect(sentAt.sort()).toEqual([
      ['a', 0],
      ['b', 500],
      ['c', 1000],
    ]);
  });
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const rotatedAt = Date.parse('2026-03-02T00:00:00.000Z');
/** Secrets as a rotation at `rotatedAt` with the default 24-hour overlap leaves them. */
const rotated: SubscriptionSecrets = {
  current: `whsec_${Buffer.from('the new secret, 32 bytes long!!!').toString('base64')}`,
  previous: `whsec_${Buffer.from('the old secret, 32 bytes long!!!').toString('base64')}`,
  previousUntil: '2026-03-03T00:00:00.000Z',
};

/**
 * One subscription held in memory, whose endpoint answers `status`; the sender signs with the real
 * Standard Webhooks header (at the real time, as receivers check it against theirs). Records health
 * writes, disables and published events.
 */
const world = (options: {
  status: number;
  at: number;
  stored?: Partial<StoredSubscription>;
  secrets?: SubscriptionSecrets;
  disableWins?: boolean;
}) => {
  let target: StoredSubscription = { ...subscription, ...options.stored };
  const writes: string[] = [];
  const requests: SentRequest[] = [];
  const publisher = new RecordingPublisher();
  const send: SendEvent = async (_url, secrets, sent) => {
    const body = JSON.stringify({ type: sent.type, timestamp: sent.timestamp, data: sent.data });
    const at = new Date();
    requests.push({
      body,
      headers: {
        'webhook-id': sent.id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signatureHeader(secrets, sent.id, at, body),
      },
    });
    return { statusCode: options.status, durationMs: 1 };
  };
  const deps: DeliverMessagesDeps = {
    webhooks: {
      get: async () => target,
      logAttempt: async () => {},
      disable: async (id, reason) => {
        writes.push(`disable ${id}: ${reason}`);
        if (options.disableWins === false) return false;
        target = { ...target, status: 'disabled', disabledReason: reason };
        return true;
      },
      markFailing: async (id, since) => {
        writes.push(`failing ${id} since ${since}`);
        target = { ...target, failingSince: target.failingSince ?? since };
      },
      markHealthy: async (id) => {
        writes.push(`healthy ${id}`);
        target = { ...target, failingSince: undefined };
      },
    },
    secrets: { get: async () => options.secrets },
    publisher,
    policy: { allowHttp: false, allowLoopback: false, extraPorts: [] },
    schedule: [5, 300],
    disableAfterMs: 5 * DAY,
    send,
    pace: async () => {},
    retries: { postpone: async () => {} },
    now: () => options.at,
  };
  return { deps, writes, requests, publisher, current: () => target };
};

type SentRequest = { headers: Record<string, string>; body: string };

/** Whether a receiver holding only `secret` accepts a request. */
const verifies = (secret: string, request: SentRequest) => {
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
};

describe('deliverOnce: secret rotation', () => {
  it.each([
    ['just after the rotation', rotatedAt + 1000, true],
    ['an hour before the overlap ends', rotatedAt + 23 * HOUR, true],
    ['when the overlap has ended', rotatedAt + DAY, false],
    ['a day after the overlap ended', rotatedAt + 2 * DAY, false],
  ])('signs %s so the old secret verifies: %s; the new one always does', async (_, at, oldVerifies) => {
    const { deps, requests } = world({ status: 200, at, secrets: rotated });
    await deliverOnce('sub_1', event('e1'), 1, deps);
    const [request] = requests as [SentRequest];
    expect(request.headers['webhook-signature']?.split(' ')).toHaveLength(oldVerifies ? 2 : 1);
    expect(verifies(rotated.current, request)).toBe(true);
    expect(verifies(rotated.previous as string, request)).toBe(oldVerifies);
    expect(
      verifies(`whsec_${Buffer.from('a secret never given out!!!!!!!!').toString('base64')}`, request),
    ).toBe(false);
  });

  it('signs with the secret a subscription stored before secrets had their own table still holds', async () => {
    const legacy = `whsec_${Buffer.from('kept in the subscription item!!!').toString('base64')}`;
    const { deps, requests } = world({ status: 200, at: rotatedAt, stored: { legacySecret: legacy } });
    expect(await deliverOnce('sub_1', event('e1'), 1, deps)).toEqual({
      kind: 'done',
      note: 'delivered (200)',
    });
    expect(verifies(legacy, requests[0] as SentRequest)).toBe(true);
  });

  it('prefers the secret store over a legacy secret once the secret has moved there', async () => {
    const { deps, requests } = world({
      status: 200,
      at: rotatedAt + 2 * DAY,
      stored: { legacySecret: rotated.previous },
      secrets: rotated,
    });
    await deliverOnce('sub_1', event('e1'), 1, deps);
    const [request] = requests as [SentRequest];
    expect(verifies(rotated.current, request)).toBe(true);
    expect(verifies(rotated.previous as string, request)).toBe(false);
  });

  it('sends nothing and fails the message when no secret is stored anywhere', async () => {
    const { deps, requests } = world({ status: 200, at: rotatedAt });
    await expect(deliverOnce('sub_1', event('e1'), 1, deps)).rejects.toThrow(
      new Error('no secret is stored for subscription sub_1'),
    );
    expect(requests).toEqual([]);
  });
});

describe('deliverOnce: endpoint health', () => {
  const failingSince = '2026-03-01T00:00:00.000Z';
  const t0 = Date.parse(failingSince);
  const secrets = { current: rotated.current };

  it('records when a run of failures begins, and only then', async () => {
    const first = world({ status: 500, at: t0, secrets });
    expect(await deliverOnce('sub_1', event('e1'), 1, first.deps)).toEqual({ kind: 'retry', afterS: 5 });
    expect(first.writes).toEqual(['failing sub_1 since 2026-03-01T00:00:00.000Z']);
    const later = world({ status: 503, at: t0 + 4 * DAY, stored: { failingSince }, secrets });
    expect(await deliverOnce('sub_1', event('e2'), 2, later.deps)).toEqual({ kind: 'retry', afterS: 300 });
    expect(later.writes).toEqual([]);
  });

  it('ends the run with a delivered attempt, and writes nothing for a healthy one', async () => {
    const recovered = world({ status: 204, at: t0 + 4 * DAY, stored: { failingSince }, secrets });
    await deliverOnce('sub_1', event('e1'), 1, recovered.deps);
    expect(recovered.writes).toEqual(['healthy sub_1']);
    expect(recovered.current().failingSince).toBeUndefined();
    const healthy = world({ status: 200, at: t0, secrets });
    await deliverOnce('sub_1', event('e2'), 1, healthy.deps);
    expect(healthy.writes).toEqual([]);
  });

  it('disables a subscription whose attempts all failed for 5 days and announces it', async () => {
    const { deps, writes, publisher, current } = world({
      status: 500,
      at: t0 + 5 * DAY,
      stored: { failingSince, description: 'ops desk', url: 'https://ops.example.org:8443/hook?token=t' },
      secrets,
    });
    expect(await deliverOnce('sub_1', event('e1'), 1, deps)).toEqual({
      kind: 'done',
      note: 'disabled after failing for too long',
    });
    const reason =
      'every delivery attempt failed from 2026-03-01T00:00:00.000Z to 2026-03-06T00:00:00.000Z (5 days; the limit is 5): fix the endpoint, then PATCH {"status": "active"}';
    expect(writes).toEqual([`disable sub_1: ${reason}`]);
    expect(current()).toMatchObject({ status: 'disabled', disabledReason: reason });
    expect(publisher.published).toEqual([
      {
        detailType: 'subscription.disabled',
        detail: {
          subscriptionId: 'sub_1',
          origin: 'https://ops.example.org:8443',
          description: 'ops desk',
          cause: 'failing',
          reason,
          disabledAt: '2026-03-06T00:00:00.000Z',
          failingSince,
        },
      },
    ]);
  });

  it('announces nothing when another delivery disabled the subscription first', async () => {
    const { deps, publisher } = world({
      status: 500,
      at: t0 + 6 * DAY,
      stored: { failingSince },
      secrets,
      disableWins: false,
    });
    expect(await deliverOnce('sub_1', event('e1'), 1, deps)).toMatchObject({ kind: 'done' });
    expect(publisher.published).toEqual([]);
  });

  it('disables on 410 Gone at once, and announces it', async () => {
    const { deps, publisher, current } = world({ status: 410, at: t0, secrets });
    expect(await deliverOnce('sub_1', event('e1'), 1, deps)).toEqual({
      kind: 'done',
      note: 'disabled after 410 Gone',
    });
    expect(current()).toMatchObject({
      status: 'disabled',
      disabledReason: 'the endpoint answered 410 Gone at 2026-03-01T00:00:00.000Z',
    });
    expect(publisher.published).toEqual([
      {
        detailType: 'subscription.disabled',
        detail: {
          subscriptionId: 'sub_1',
          origin: 'https://example.org',
          cause: 'gone',
          reason: 'the endpoint answered 410 Gone at 2026-03-01T00:00:00.000Z',
          disabledAt: '2026-03-01T00:00:00.000Z',
        },
      },
    ]);
  });

  it('sends nothing to a disabled subscription', async () => {
    const { deps, requests } = world({ status: 200, at: t0, stored: { status: 'disabled' }, secrets });
    expect(await deliverOnce('sub_1', event('e1'), 1, deps)).toEqual({
      kind: 'done',
      note: 'subscription disabled',
    });
    expect(requests).toEqual([]);
  });
});
