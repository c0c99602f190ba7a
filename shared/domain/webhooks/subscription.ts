/**
 * A subscription as stored in the facts table. Its signing secrets are not part of it: they live in
 * their own table ({@link SubscriptionSecrets}), which only the deliver and subscriptions functions
 * may read.
 */
export interface Subscription {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly areas: readonly string[];
  readonly description?: string | undefined;
  readonly status: 'active' | 'disabled';
  readonly createdAt: string;
  readonly disabledReason?: string | undefined;
  /**
   * Since when every delivery attempt has failed (RFC 3339): the time of the first failed attempt
   * after a delivered one (or after creation or reactivation). Absent while the endpoint is healthy.
   */
  readonly failingSince?: string | undefined;
}

/**
 * A subscription as read from its item. One created before secrets had their own table still holds
 * its secret there (`legacySecret`) until its next change moves it (docs/deploy.md, upgrading).
 */
export interface StoredSubscription extends Subscription {
  readonly legacySecret?: string | undefined;
}

/**
 * The Standard Webhooks secrets of a subscription: the current one, and after a rotation the one it
 * replaced, still valid until `previousUntil` (RFC 3339).
 */
export interface SubscriptionSecrets {
  readonly current: string;
  readonly previous?: string | undefined;
  readonly previousUntil?: string | undefined;
}

/** How long a rotated-out secret still signs deliveries, by default (CONTRACT §10): 24 hours. */
export const DEFAULT_SECRET_OVERLAP_HOURS = 24;

/** After how long of failing attempts only a subscription is disabled, by default (CONTRACT §10): 5 days. */
export const DEFAULT_DISABLE_AFTER_DAYS = 5;

/**
 * The secrets after a rotation at `now` (epoch ms): `next` becomes current and the secret it replaces
 * stays valid for `overlapMs`. Rotating again within a window keeps only the newest previous secret
 * (the one being replaced); the older one stops verifying at once.
 */
export const rotateSecrets = (
  secrets: SubscriptionSecrets,
  next: string,
  now: number,
  overlapMs: number,
): SubscriptionSecrets => ({
  current: next,
  previous: secrets.current,
  previousUntil: new Date(now + overlapMs).toISOString(),
});

/**
 * The secrets that sign a delivery made at `now` (epoch ms): the current one first, then the previous
 * one while its window lasts (its end excluded).
 */
export const signingSecrets = (secrets: SubscriptionSecrets, now: number): string[] =>
  secrets.previous !== undefined &&
  secrets.previousUntil !== undefined &&
  now < Date.parse(secrets.previousUntil)
    ? [secrets.current, secrets.previous]
    : [secrets.current];

/** What one delivery attempt changes in a subscription's health. */
export type HealthChange =
  /** Nothing to write. */
  | { readonly kind: 'unchanged' }
  /** A delivery after failures: clear `failingSince`. */
  | { readonly kind: 'recovered' }
  /** The first failure after a delivery: set `failingSince`. */
  | { readonly kind: 'failing'; readonly since: string }
  /** Every attempt failed for the limit or longer: disable, saying why. */
  | { readonly kind: 'disable'; readonly reason: string };

const DAY_MS = 86_400_000;

/**
 * The health change after an attempt at `at` (epoch ms) that was delivered or failed, given the
 * subscription's `failingSince`: a failure that comes `disableAfterMs` or more after the first of an
 * unbroken run of failures disables the subscription. Writes happen only when the state changes, not
 * per failed attempt.
 */
export const healthChange = (
  failingSince: string | undefined,
  delivered: boolean,
  at: number,
  disableAfterMs: number,
): HealthChange => {
  if (delivered) return failingSince === undefined ? { kind: 'unchanged' } : { kind: 'recovered' };
  if (failingSince === undefined) return { kind: 'failing', since: new Date(at).toISOString() };
  if (at - Date.parse(failingSince) < disableAfterMs) return { kind: 'unchanged' };
  const days = Math.round(((at - Date.parse(failingSince)) / DAY_MS) * 10) / 10;
  return {
    kind: 'disable',
    reason: `every delivery attempt failed from ${failingSince} to ${new Date(at).toISOString()} (${days} days; the limit is ${Math.round((disableAfterMs / DAY_MS) * 1000) / 1000}): fix the endpoint, then PATCH {"status": "active"}`,
  };
};

/** Delivery attempts and the events replays read are kept 30 days, so a replay spans at most that. */
export const WEBHOOK_RETENTION_S = 30 * 86_400;

/** One delivery attempt, kept 30 days. */
export interface DeliveryAttempt {
  readonly eventId: string;
  readonly type: string;
  readonly attempt: number;
  readonly statusCode?: number | undefined;
  readonly error?: string | undefined;
  readonly durationMs: number;
  readonly at: string;
}

/**
 * Where webhooks may go: deployed, only https to public addresses on port 443 (or ports an allow-list
 * names); locally also http, loopback and any port.
 */
export interface TargetPolicy {
  readonly allowHttp: boolean;
  readonly allowLoopback: boolean;
  /** Ports besides 443 (and 80 for http) a URL may name; `any` in the local runtime. */
  readonly extraPorts: readonly number[] | 'any';
}
