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
import {
  ConflictError,
  InvalidInputError,
  RefusedRequestError,
  UnknownResourceError,
} from '#shared/domain/errors';
import type { WebhookEvent } from '#shared/domain/webhooks/events';
import type {
  DeliveryAttempt,
  StoredSubscription,
  SubscriptionSecrets,
} from '#shared/domain/webhooks/subscription';
import { RecordingPublisher } from '../../support/recording-publisher.ts';

const now = Date.parse('2026-03-02T02:00:00.000Z');
const stored: StoredSubscription = {
  id: 'sub_1',
  url: 'https://example.org/hook',
  events: ['ticket.*'],
  areas: [],
  description: 'desk',
  status: 'active',
  createdAt: '2026-03-01T00:00:00.000Z',
};
const disabled: StoredSubscription = {
  ...stored,
  status: 'disabled',
  disabledReason: 'every delivery attempt failed from 2026-02-20T00:00:00.000Z to …',
  failingSince: '2026-02-20T00:00:00.000Z',
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

/**
 * In-memory subscriptions and secrets (`sub_1` holds `whsec_old`), a refusing or accepting address
 * check, and a publisher that records. `raceSecrets` secret writes lose to another writer first.
 */
const fakes = (
  refuse?: string,
  subscription = stored,
  secrets: Map<string, SubscriptionSecrets> = new Map([['sub_1', { current: 'whsec_old' }]]),
  raceSecrets = 0,
) => {
  const subscriptions = new Map<string, StoredSubscription>([[subscription.id, subscription]]);
  let races = raceSecrets;
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
    secrets: {
      get: async (id) => secrets.get(id),
      put: async (id, next, replacing) => {
        if (races > 0) {
          races -= 1;
          return false;
        }
        if (secrets.get(id)?.current !== replacing) return false;
        secrets.set(id, next);
        return true;
      },
      delete: async (id) => void secrets.delete(id),
    },
    secretOverlapMs: 24 * 3_600_000,
    publisher,
    checkTarget: async (url) => {
      checked.push(url);
      if (refuse) throw new RefusedRequestError(refuse);
    },
    now: () => now,
  };
  return { deps, subscriptions, secrets, checked, windows, publisher };
};

describe('createSubscription', () => {
  it('stores an active subscription with a new id, its secret apart, and shows the secret once', async () => {
    const { deps, subscriptions, secrets, checked } = fakes();
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
    const { secret, ...item } = created;
    expect(subscriptions.get(created.id)).toEqual({ ...item, createdAt: '2026-03-02T02:00:00.000Z' });
    expect(secrets.get(created.id)).toEqual({ current: secret });
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
    const { deps } = fakes(undefined, { ...stored, legacySecret: 'whsec_legacy' });
    expect(await listSubscriptions(deps)).toEqual([stored]);
    expect(await getSubscription('sub_1', deps)).toEqual(stored);
  });

  it('deletes a subscription with its secrets', async () => {
    const { deps, subscriptions, secrets } = fakes();
    await deleteSubscription('sub_1', deps);
    expect(subscriptions.size).toBe(0);
    expect(secrets.size).toBe(0);
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

  it('reactivates after checking the URL again, and clears the reason and the run of failures', async () => {
    const { deps, subscriptions, checked } = fakes(undefined, disabled);
    const answer = await updateSubscription('sub_1', { status: 'active' }, deps);
    expect(checked).toEqual([disabled.url]);
    const reactivated = { ...disabled, status: 'active', disabledReason: undefined, failingSince: undefined };
    expect(answer).toEqual(reactivated);
    expect(subscriptions.get('sub_1')).toEqual(reactivated);
  });

  it('keeps the subscription as it was when the reactivated URL is refused', async () => {
    const { deps, subscriptions } = fakes('example.org resolves to 127.0.0.1', disabled);
    await expect(updateSubscription('sub_1', { status: 'active' }, deps)).rejects.toBeInstanceOf(
      RefusedRequestError,
    );
    expect(subscriptions.get('sub_1')).toBe(disabled);
  });

  it('shows the new secret after rotating it, and only then; the old one stays valid for 24 hours', async () => {
    const { deps, secrets } = fakes();
    const rotated = await updateSubscription('sub_1', { rotateSecret: true }, deps);
    expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(rotated.secret).not.toBe('whsec_old');
    expect(rotated.previousSecretValidUntil).toBe('2026-03-03T02:00:00.000Z');
    expect(secrets.get('sub_1')).toEqual({
      current: rotated.secret,
      previous: 'whsec_old',
      previousUntil: '2026-03-03T02:00:00.000Z',
    });
    const changed = await updateSubscription('sub_1', { description: 'x' }, deps);
    expect(changed).not.toHaveProperty('secret');
    expect(changed).not.toHaveProperty('previousSecretValidUntil');
    expect(secrets.get('sub_1')?.current).toBe(rotated.secret);
  });

  it('keeps only the newest replaced secret when rotating twice within the overlap', async () => {
    const { deps, secrets } = fakes();
    const first = await updateSubscription('sub_1', { rotateSecret: true }, deps);
    const second = await updateSubscription('sub_1', { rotateSecret: true }, deps);
    expect(secrets.get('sub_1')).toEqual({
      current: second.secret,
      previous: first.secret,
      previousUntil: '2026-03-03T02:00:00.000Z',
    });
  });

  it('rotates again after losing a race with another secret write, and gives up after three', async () => {
    const retried = fakes(undefined, stored, undefined, 2);
    const rotated = await updateSubscription('sub_1', { rotateSecret: true }, retried.deps);
    expect(retried.secrets.get('sub_1')).toMatchObject({ current: rotated.secret, previous: 'whsec_old' });
    const lost = fakes(undefined, stored, undefined, 3);
    await expect(updateSubscription('sub_1', { rotateSecret: true }, lost.deps)).rejects.toThrow(
      new ConflictError('the secret of subscription sub_1 is being rotated by another request: try again'),
    );
    expect(lost.secrets.get('sub_1')).toEqual({ current: 'whsec_old' });
  });

  it('moves the secret of a subscription stored with it into the secret store on any change', async () => {
    const legacy = { ...stored, legacySecret: 'whsec_legacy' };
    const { deps, subscriptions, secrets } = fakes(undefined, legacy, new Map());
    expect(await updateSubscription('sub_1', { description: 'moved' }, deps)).toEqual({
      ...stored,
      description: 'moved',
    });
    expect(secrets.get('sub_1')).toEqual({ current: 'whsec_legacy' });
    expect(subscriptions.get('sub_1')).not.toHaveProperty('legacySecret');
  });

  it('keeps the legacy secret valid for the overlap when rotating a subscription stored with it', async () => {
    const legacy = { ...stored, legacySecret: 'whsec_legacy' };
    const { deps, secrets } = fakes(undefined, legacy, new Map());
    const rotated = await updateSubscription('sub_1', { rotateSecret: true }, deps);
    expect(secrets.get('sub_1')).toEqual({
      current: rotated.secret,
      previous: 'whsec_legacy',
      previousUntil: '2026-03-03T02:00:00.000Z',
    });
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
