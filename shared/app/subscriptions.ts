import { randomBytes, randomUUID } from 'node:crypto';
import { type FanoutDeps, fanOut } from '#shared/app/fanout';
import { ConflictError, InvalidInputError, UnknownResourceError } from '#shared/domain/errors';
import { type WebhookEvent, wants } from '#shared/domain/webhooks/events';
import {
  type DeliveryAttempt,
  rotateSecrets,
  type StoredSubscription,
  type Subscription,
  type SubscriptionSecrets,
  WEBHOOK_RETENTION_S,
} from '#shared/domain/webhooks/subscription';
import { excerpt } from '#shared/schemas/messages';
import type { CreateSubscription, PatchSubscription } from '#shared/schemas/subscriptions';

/**
 * The subscriptions use-cases (CONTRACT §7): create, list, get, change and delete a subscription, read
 * its delivery log, and replay the events sent in a window to it.
 */

/** The stored subscriptions (without their secrets, but for those stored before secrets moved out). */
export interface SubscriptionStore {
  /** Stores a new subscription. */
  create(subscription: Subscription): Promise<void>;
  /** The subscription with this id (with its legacy secret, if it has one); undefined when there is none. */
  get(id: string): Promise<StoredSubscription | undefined>;
  /** Every subscription. */
  list(): Promise<Subscription[]>;
  /** Replaces a subscription that exists, dropping any legacy secret; false when it does not exist. */
  replace(subscription: Subscription): Promise<boolean>;
  /** Deletes a subscription; false when there was none. */
  delete(id: string): Promise<boolean>;
}

/** The subscriptions' signing secrets, in a store of their own. */
export interface SecretStore {
  /** The secrets of a subscription; undefined when none are stored. */
  get(subscriptionId: string): Promise<SubscriptionSecrets | undefined>;
  /**
   * Stores the secrets if the stored current secret is still `replacing` (undefined: if none is
   * stored); false when another write came first.
   */
  put(subscriptionId: string, secrets: SubscriptionSecrets, replacing: string | undefined): Promise<boolean>;
  delete(subscriptionId: string): Promise<void>;
}

/** The delivery attempts of each subscription. */
export interface DeliveryLog {
  /** The newest `limit` attempts of a subscription, newest first. */
  listAttempts(subscriptionId: string, limit: number): Promise<DeliveryAttempt[]>;
}

/** The events the hub sent out, kept {@link WEBHOOK_RETENTION_S} for replays. */
export interface SentEvents {
  /** Events sent between `since` and `until` (UTC ISO), each once. */
  eventsBetween(since: string, until: string): Promise<WebhookEvent[]>;
}

/**
 * Checks that webhooks may go to a URL (scheme, and every address its host resolves to); rejects with
 * a `RefusedRequestError` saying why not.
 */
export type TargetCheck = (url: string) => Promise<unknown>;

/** A subscription as the API shows it: never a secret. */
export type ShownSubscription = Subscription;

/** A new subscription as its creator sees it, the one time its secret is shown unasked. */
export type CreatedSubscription = Omit<Subscription, 'createdAt' | 'disabledReason' | 'failingSince'> & {
  readonly secret: string;
};

/** A changed subscription; after a rotation with the new secret (shown this once) and the old one's end. */
export type PatchedSubscription = ShownSubscription & {
  readonly secret?: string;
  readonly previousSecretValidUntil?: string;
};

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

const shown = ({ legacySecret: _secret, ...visible }: StoredSubscription): ShownSubscription => visible;

const unknown = (id: string) => new UnknownResourceError(`no subscription ${excerpt(id)}`);

const found = async (id: string, webhooks: Pick<SubscriptionStore, 'get'>): Promise<StoredSubscription> => {
  const subscription = await webhooks.get(id);
  if (!subscription) throw unknown(id);
  return subscription;
};

export interface CreateSubscriptionDeps {
  readonly webhooks: Pick<SubscriptionStore, 'create'>;
  readonly secrets: Pick<SecretStore, 'put'>;
  readonly checkTarget: TargetCheck;
  readonly now: () => number;
}

/**
 * Creates an active subscription with a new id and secret, once its URL passes the address check. The
 * secret is stored first, so no subscription is ever without one.
 */
export const createSubscription = async (
  input: CreateSubscription,
  deps: CreateSubscriptionDeps,
): Promise<CreatedSubscription> => {
  await deps.checkTarget(input.url);
  const subscription: Subscription = {
    id: `sub_${randomUUID()}`,
    url: input.url,
    events: input.events,
    areas: input.areas ?? [],
    description: input.description,
    status: 'active',
    createdAt: new Date(deps.now()).toISOString(),
  };
  const secret = newSecret();
  await deps.secrets.put(subscription.id, { current: secret }, undefined);
  await deps.webhooks.create(subscription);
  const { createdAt: _createdAt, ...created } = subscription;
  return { ...created, secret };
};

/** Every subscription, without secrets. */
export const listSubscriptions = async (deps: {
  readonly webhooks: Pick<SubscriptionStore, 'list'>;
}): Promise<ShownSubscription[]> => (await deps.webhooks.list()).map(shown);

/** One subscription, without its secret; an unknown id is an `UnknownResourceError`. */
export const getSubscription = async (
  id: string,
  deps: { readonly webhooks: Pick<SubscriptionStore, 'get'> },
): Promise<ShownSubscription> => shown(await found(id, deps.webhooks));

export interface UpdateSubscriptionDeps {
  readonly webhooks: Pick<SubscriptionStore, 'get' | 'replace'>;
  readonly secrets: Pick<SecretStore, 'get' | 'put'>;
  readonly checkTarget: TargetCheck;
  /** How long (ms) a rotated-out secret still signs deliveries. */
  readonly secretOverlapMs: number;
  readonly now: () => number;
}

/** Rotations that lose a race with another rotation are tried again this many times. */
const ROTATION_TRIES = 3;

/**
 * Writes a subscription's secrets to the secret store: rotated when `rotate`, else a legacy secret
 * moved there as it is. Returns the secrets written; undefined when there was nothing to write.
 */
const storeSecrets = async (
  subscription: StoredSubscription,
  rotate: boolean,
  deps: UpdateSubscriptionDeps,
): Promise<SubscriptionSecrets | undefined> => {
  for (let tries = 0; tries < ROTATION_TRIES; tries += 1) {
    const stored = await deps.secrets.get(subscription.id);
    const held =
      stored ??
      (subscription.legacySecret === undefined ? undefined : { current: subscription.legacySecret });
    if (!rotate && (stored || !held)) return undefined;
    const next =
      rotate && held
        ? rotateSecrets(held, newSecret(), deps.now(), deps.secretOverlapMs)
        : (held ?? { current: newSecret() });
    if (await deps.secrets.put(subscription.id, next, stored?.current)) return next;
  }
  throw new ConflictError(
    `the secret of subscription ${subscription.id} is being rotated by another request: try again`,
  );
};

/**
 * Applies a patch: a new status clears the reason it was disabled for and any run of failures, and
 * (re)activating checks the URL again; `rotateSecret` makes a new secret, which the answer then shows
 * (once), and keeps the one it replaces valid for `secretOverlapMs` (only the newest replaced secret:
 * rotating again within that time ends the older one's window at once). A subscription stored with its
 * secret in its item has that secret moved to the secret store first.
 */
export const updateSubscription = async (
  id: string,
  patch: PatchSubscription,
  deps: UpdateSubscriptionDeps,
): Promise<PatchedSubscription> => {
  const current = await found(id, deps.webhooks);
  const updated: Subscription = {
    ...shown(current),
    ...(patch.status ? { status: patch.status, disabledReason: undefined, failingSince: undefined } : {}),
    ...(patch.events ? { events: patch.events } : {}),
    ...(patch.areas ? { areas: patch.areas } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
  };
  if (patch.status === 'active') await deps.checkTarget(updated.url);
  const secrets = await storeSecrets(current, patch.rotateSecret === true, deps);
  if (!(await deps.webhooks.replace(updated))) throw unknown(id);
  return patch.rotateSecret && secrets
    ? { ...updated, secret: secrets.current, previousSecretValidUntil: secrets.previousUntil }
    : updated;
};

/** Deletes a subscription and its secrets; an unknown id is an `UnknownResourceError`. */
export const deleteSubscription = async (
  id: string,
  deps: {
    readonly webhooks: Pick<SubscriptionStore, 'delete'>;
    readonly secrets: Pick<SecretStore, 'delete'>;
  },
): Promise<void> => {
  if (!(await deps.webhooks.delete(id))) throw unknown(id);
  await deps.secrets.delete(id);
};

/**
 * The newest delivery attempts of a subscription. `query` is read only once the subscription is found,
 * so an unknown id is an `UnknownResourceError` whatever the query.
 */
export const listDeliveries = async (
  id: string,
  query: () => { readonly limit: number },
  deps: { readonly webhooks: Pick<SubscriptionStore, 'get'> & DeliveryLog },
): Promise<DeliveryAttempt[]> => {
  await found(id, deps.webhooks);
  return deps.webhooks.listAttempts(id, query().limit);
};

/** A replay's window of send times (RFC 3339); `until` defaults to now, and never lies after it. */
export interface ReplayWindow {
  readonly since: string;
  readonly until?: string | undefined;
}

export interface ReplayDeps extends FanoutDeps {
  readonly webhooks: FanoutDeps['webhooks'] & Pick<SubscriptionStore, 'get'> & SentEvents;
  readonly now: () => number;
}

/**
 * Sends one subscription again the events it wants among those sent in a window of at most
 * {@link WEBHOOK_RETENTION_S} (an `InvalidInputError` otherwise). `window` is read only once the
 * subscription is found, so an unknown id is an `UnknownResourceError` whatever the body. Returns how
 * many deliveries were requested.
 */
export const replay = async (id: string, window: () => ReplayWindow, deps: ReplayDeps): Promise<number> => {
  const subscription = await found(id, deps.webhooks);
  const { since, until } = window();
  const now = deps.now();
  const to = Math.min(until === undefined ? now : Date.parse(until), now);
  const from = Date.parse(since);
  if (to - from > WEBHOOK_RETENTION_S * 1000) {
    throw new InvalidInputError('a replay window spans at most 30 days (events are kept that long)');
  }
  const events = await deps.webhooks.eventsBetween(new Date(from).toISOString(), new Date(to).toISOString());
  return fanOut(
    events.filter((stored) => wants(subscription, stored)),
    deps,
    subscription,
  );
};

/** What the subscriptions use-cases need together, as the composition root wires them. */
export type SubscriptionsDeps = CreateSubscriptionDeps &
  UpdateSubscriptionDeps &
  ReplayDeps & { readonly webhooks: SubscriptionStore & DeliveryLog; readonly secrets: SecretStore };
