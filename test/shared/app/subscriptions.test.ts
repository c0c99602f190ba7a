import { describe, expect, it } from 'vitest';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  replay,
  type SubscriptionsDeps,
  updateSubscription,
} from '#shared/app/subscriptions';
import { InvalidInputError, RefusedRequestError, UnknownResourceError } from '#shared/domain/errors';
import type { WebhookEvent } from '#shared/domain/webhooks/events';
import type { DeliveryAttempt, Subscription } from '#shared/domain/webhooks/subscription';
import { RecordingPublisher } from '../../support/recording-publisher.ts';

const now = Date.parse('2026-03-02T02:00:00.000Z');
const stored: Subscription = {
  id: 'sub_1',
  url: 'https://example.org/hook',
  events: ['ticket.*'],
  areas: [],
  description: 'desk',
  status: 'active',
  secret: 'whsec_old',
  createdAt: '2026-03-01T00:00:00.000Z',
};
const disabled: Subscription = {
  ...stored,
  status: 'disabled',
  disabledReason: 'the endpoint answered 410 Gone',
};
const attempt: DeliveryAttempt = {
  eventId: 'e1',
  type: 'ticket.received',
  attempt: 1,
  durationMs: 3,
  at: 'x',
};
const sent = (id: string, type: string): WebhookEvent => ({
  id,
  type,
  timestamp: '2026-03-02T01:00:00.000Z',
  data: {},
});

/** In-memory subscriptions, a refusing or accepting address check, and a publisher that records. */
const fakes = (refuse?: string, subscription = stored) => {
  const subscriptions = new Map([[subscription.id, subscription]]);
  const checked: string[] = [];
  const windows: [string, string][] = [];
  const publisher = new RecordingPublisher();
  const deps: SubscriptionsDeps = {
    webhooks: {
      create: async (subscription) => void subscriptions.set(subscription.id, subscription),
      get: async (id) => subscriptions.get(id),
      list: async () => [...subscriptions.values()],
      replace: async (subscription) =>
        subscriptions.has(subscription.id) && !!subscriptions.set(subscription.id, subscription),
      delete: async (id) => subscriptions.delete(id),
      listAttempts: async (_id, limit) => [attempt].slice(0, limit),
      eventsBetween: async (since, until) => {
        windows.push([since, until]);
        return [sent('ticket:1', 'ticket.received'), sent('case:1', 'case.received')];
      },
      storeEvents: async () => {},
    },
    publisher,
    checkTarget: async (url) => {
      checked.push(url);
      if (refuse) throw new RefusedRequestError(refuse);
    },
    now: () => now,
  };
  return { deps, subscriptions, checked, windows, publisher };
};

describe('createSubscription', () => {
  it('stores an active subscription with a new id and secret, and shows the secret once', async () => {
    const { deps, subscriptions, checked } = fakes();
    const created = await createSubscription(
      { url: 'https://example.org/new', events: ['case.*'], description: 'ops' },
      deps,
    );
    expect(checked).toEqual(['https://example.org/new']);
    expect(created).toEqual({
      id: expect.stringMatching(/^sub_[0-9a-f-]{36}$/),
      url: 'https://example.org/new',
      events: ['case.*'],
      areas: [],
      description: 'ops',
      status: 'active',
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    expect(subscriptions.get(created.id)).toEqual({ ...created, createdAt: '2026-03-02T02:00:00.000Z' });
  });

  it('stores nothing when the address check refuses the URL', async () => {
    const { deps, subscriptions } = fakes('10.0.0.1 is a private address');
    await expect(createSubscription({ url: 'http://10.0.0.1/hook', events: ['*'] }, deps)).rejects.toThrow(
      new RefusedRequestError('10.0.0.1 is a private address'),
    );
    expect(subscriptions.size).toBe(1);
  });
});

describe('reading and deleting', () => {
  it('never shows a secret when listing or getting', async () => {
    const { deps } = fakes();
    const { secret: _secret, ...visible } = stored;
    expect(await listSubscriptions(deps)).toEqual([visible]);
    expect(await getSubscription('sub_1', deps)).toEqual(visible);
  });

  it.each([
    ['get', (deps: SubscriptionsDeps) => getSubscription('sub_none', deps)],
    ['delete', (deps: SubscriptionsDeps) => deleteSubscription('sub_none', deps)],
    ['patch', (deps: SubscriptionsDeps) => updateSubscription('sub_none', { events: ['*'] }, deps)],
  ])('names the unknown id when asked to %s it', async (_, call) => {
    await expect(call(fakes().deps)).rejects.toThrow(new UnknownResourceError('no subscription sub_none'));
  });
});

describe('updateSubscription', () => {
  it('checks no URL for a change that does not activate', async () => {
    const { deps, checked } = fakes();
    await updateSubscription('sub_1', { events: ['*'], status: 'disabled' }, deps);
    expect(checked).toEqual([]);
  });

  it('reactivates after checking the URL again, and clears the reason it was disabled', async () => {
    const { deps, subscriptions, checked } = fakes(undefined, disabled);
    const { secret: _secret, ...visible } = disabled;
    const answer = await updateSubscription('sub_1', { status: 'active' }, deps);
    expect(checked).toEqual([disabled.url]);
    expect(answer).toEqual({ ...visible, status: 'active', disabledReason: undefined });
    expect(subscriptions.get('sub_1')?.status).toBe('active');
  });

  it('keeps the subscription as it was when the reactivated URL is refused', async () => {
    const { deps, subscriptions } = fakes('example.org resolves to 127.0.0.1', disabled);
    await expect(updateSubscription('sub_1', { status: 'active' }, deps)).rejects.toBeInstanceOf(
      RefusedRequestError,
    );
    expect(subscriptions.get('sub_1')).toBe(disabled);
  });

  it('shows the new secret after rotating it, and only then', async () => {
    const { deps, subscriptions } = fakes();
    const rotated = await updateSubscription('sub_1', { rotateSecret: true }, deps);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(stored.secret);
    expect(subscriptions.get('sub_1')?.secret).toBe(rotated.secret);
    expect(await updateSubscription('sub_1', { description: 'x' }, deps)).not.toHaveProperty('secret');
  });
});

describe('listDeliveries', () => {
  it('reads the query only once the subscription is found', async () => {
    const { deps } = fakes();
    const query = () => {
      throw new InvalidInputError('invalid query: limit: must be 1 to 100');
    };
    await expect(listDeliveries('sub_none', query, deps)).rejects.toBeInstanceOf(UnknownResourceError);
    await expect(listDeliveries('sub_1', query, deps)).rejects.toBeInstanceOf(InvalidInputError);
    expect(await listDeliveries('sub_1', () => ({ limit: 5 }), deps)).toEqual([attempt]);
  });
});

describe('replay', () => {
  it('asks for one delivery per wanted event sent in the window, which ends now at the latest', async () => {
    const { deps, windows, publisher } = fakes();
    const window = () => ({ since: '2026-03-01T00:00:00Z', until: '2026-03-05T00:00:00Z' });
    expect(await replay('sub_1', window, deps)).toBe(1);
    expect(windows).toEqual([['2026-03-01T00:00:00.000Z', '2026-03-02T02:00:00.000Z']]);
    expect(publisher.published).toEqual([
      {
        detailType: 'webhook.delivery-requested',
        detail: { subscriptionId: 'sub_1', event: sent('ticket:1', 'ticket.received') },
      },
    ]);
  });

  it('refuses a window over the 30 days events are kept', async () => {
    const { deps, windows } = fakes();
    await expect(replay('sub_1', () => ({ since: '2026-01-30T02:00:00Z' }), deps)).rejects.toThrow(
      new InvalidInputError('a replay window spans at most 30 days (events are kept that long)'),
    );
    expect(windows).toEqual([]);
  });

  it('reads the body only once the subscription is found', async () => {
    const window = () => {
      throw new InvalidInputError('invalid replay: since: required');
    };
    await expect(replay('sub_none', window, fakes().deps)).rejects.toBeInstanceOf(UnknownResourceError);
  });
});
