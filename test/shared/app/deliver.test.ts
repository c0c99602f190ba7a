import { describe, expect, it } from 'vitest';
import { type DeliverMessagesDeps, type DeliveryMessage, deliverMessages } from '#shared/app/deliver';
import type { WebhookEvent } from '#shared/domain/webhooks/events';
import type { DeliveryAttempt, Subscription } from '#shared/domain/webhooks/subscription';

const subscription: Subscription = {
  id: 'sub_1',
  url: 'https://example.org/hook',
  events: ['*'],
  areas: [],
  status: 'active',
  secret: 'whsec_x',
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
      disable: async () => {},
    },
    policy: { allowHttp: false, allowLoopback: false, extraPorts: [] },
    schedule: [5],
    send: async (_url, _secret, sent) => ({ statusCode: statuses[sent.id], durationMs: 1 }),
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
});
