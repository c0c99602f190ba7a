import type { EventPublisher } from '#shared/app/ports';
import type { WebhookEvent } from '#shared/domain/webhooks/events';
import {
  type DeliveryAttempt,
  healthChange,
  type StoredSubscription,
  type SubscriptionSecrets,
  signingSecrets,
  type TargetPolicy,
} from '#shared/domain/webhooks/subscription';
import { busEvent } from '#shared/events/definition';
import { deliveredDetail } from '#shared/events/delivered';
import { subscriptionDisabled } from '#shared/events/subscriptions';
import { webhookDeliveryRequested } from '#shared/events/webhooks';

/** What one delivery attempt got. */
export interface AttemptResult {
  readonly statusCode?: number;
  readonly error?: string;
  readonly durationMs: number;
}

/**
 * Sends one event to one URL, signed with each of `secrets` (one signature each), checking the target
 * against the policy first. Never throws: the result says what happened.
 */
export type SendEvent = (
  url: string,
  secrets: readonly string[],
  event: WebhookEvent,
  policy: TargetPolicy,
) => Promise<AttemptResult>;

/** The subscriptions a delivery reads, logs to, keeps the health of, and may disable. */
export interface DeliverySubscriptions {
  /** The subscription (a legacy one with the secret it was stored with); undefined when deleted. */
  get(id: string): Promise<StoredSubscription | undefined>;
  logAttempt(subscriptionId: string, attempt: DeliveryAttempt): Promise<void>;
  /** Disables an active subscription, saying why; false when it was not there or not active. */
  disable(id: string, reason: string): Promise<boolean>;
  /** Records the first failed attempt of a run (kept if one is recorded already). */
  markFailing(id: string, since: string): Promise<void>;
  /** Forgets the run of failures after a delivered attempt. */
  markHealthy(id: string): Promise<void>;
}

/** The signing secrets of the subscriptions (their own table, which only delivery and the API read). */
export interface DeliverySecrets {
  /** The secrets of a subscription; undefined when none are stored there. */
  get(id: string): Promise<SubscriptionSecrets | undefined>;
}

/**
 * Resolves when a delivery to a subscription may go: keeps each subscription within its delivery rate
 * (a receiver is never flooded, by a replay say) by waiting for the subscription's next slot.
 */
export type DeliveryPacer = (subscriptionId: string) => Promise<void>;

export interface DeliverDeps {
  readonly webhooks: DeliverySubscriptions;
  readonly secrets: DeliverySecrets;
  /** Announces `subscription.disabled` when a delivery disables a subscription. */
  readonly publisher: EventPublisher;
  readonly policy: TargetPolicy;
  /** Seconds to wait before retry n (n = 1, 2, …). */
  readonly schedule: readonly number[];
  /** A subscription whose every attempt failed for this long (ms) is disabled. */
  readonly disableAfterMs: number;
  readonly send: SendEvent;
  /** Waits for the subscription's next delivery slot. */
  readonly pace: DeliveryPacer;
  readonly now: () => number;
}

/** What to do with a delivery message after one attempt. */
export type DeliveryOutcome =
  | { readonly kind: 'done'; readonly note: string }
  | { readonly kind: 'retry'; readonly afterS: number }
  | { readonly kind: 'give-up' };

/** The secrets that sign a delivery to a subscription now; a subscription stored before falls back to its own. */
const secretsFor = async (target: StoredSubscription, deps: DeliverDeps): Promise<string[]> => {
  const stored = await deps.secrets.get(target.id);
  if (stored) return signingSecrets(stored, deps.now());
  if (target.legacySecret !== undefined) return [target.legacySecret];
  throw new Error(`no secret is stored for subscription ${target.id}`);
};

/** Disables a subscription and, when this call disabled it, announces `subscription.disabled`. */
const disable = async (
  target: StoredSubscription,
  cause: 'gone' | 'failing',
  reason: string,
  at: number,
  deps: DeliverDeps,
): Promise<void> => {
  if (!(await deps.webhooks.disable(target.id, reason))) return;
  await deps.publisher.publish([
    busEvent(subscriptionDisabled, {
      subscriptionId: target.id,
      origin: new URL(target.url).origin,
      ...(target.description === undefined ? {} : { description: target.description }),
      cause,
      reason,
      disabledAt: new Date(at).toISOString(),
      ...(cause === 'failing' && target.failingSince ? { failingSince: target.failingSince } : {}),
    }),
  ]);
};

/**
 * One attempt to deliver an event to a subscription: 2xx is done; `410 Gone` disables the subscription;
 * anything else is retried after the schedule's next delay, and given up (dead-lettered) after the last.
 * Every attempt waits for the subscription's delivery slot (its rate limit) and is logged. A deleted
 * or disabled subscription gets nothing. The first failure after a delivery stores `failingSince`, a
 * delivery clears it, and a failure `disableAfterMs` or more after it disables the subscription; a
 * hub-made disable announces `subscription.disabled`.
 */
export const deliverOnce = async (
  subscriptionId: string,
  event: WebhookEvent,
  attempt: number,
  deps: DeliverDeps,
  subscription?: StoredSubscription,
): Promise<DeliveryOutcome> => {
  const target = subscription ?? (await deps.webhooks.get(subscriptionId));
  if (!target) return { kind: 'done', note: 'subscription deleted' };
  if (target.status !== 'active') return { kind: 'done', note: 'subscription disabled' };
  const secrets = await secretsFor(target, deps);
  await deps.pace(subscriptionId);
  const result = await deps.send(target.url, secrets, event, deps.policy);
  const at = deps.now();
  await deps.webhooks.logAttempt(subscriptionId, {
    eventId: event.id,
    type: event.type,
    attempt,
    statusCode: result.statusCode,
    error: result.error,
    durationMs: result.durationMs,
    at: new Date(at).toISOString(),
  });
  const status = result.statusCode ?? 0;
  const delivered = status >= 200 && status < 300;
  if (status === 410) {
    await disable(
      target,
      'gone',
      `the endpoint answered 410 Gone at ${new Date(at).toISOString()}`,
      at,
      deps,
    );
    return { kind: 'done', note: 'disabled after 410 Gone' };
  }
  const health = healthChange(target.failingSince, delivered, at, deps.disableAfterMs);
  if (health.kind === 'recovered') await deps.webhooks.markHealthy(subscriptionId);
  if (health.kind === 'failing') await deps.webhooks.markFailing(subscriptionId, health.since);
  if (health.kind === 'disable') {
    await disable(target, 'failing', health.reason, at, deps);
    return { kind: 'done', note: 'disabled after failing for too long' };
  }
  if (delivered) return { kind: 'done', note: `delivered (${status})` };
  const delay = deps.schedule[attempt - 1];
  return delay === undefined ? { kind: 'give-up' } : { kind: 'retry', afterS: delay };
};

/** The delivery queue, whose message visibility carries the retry backoff. */
export interface RetryQueue {
  /** Hides a received message for `seconds`, after which the queue hands it over again. */
  postpone(receiptHandle: string, seconds: number): Promise<void>;
}

/** One message of the delivery queue, as received. */
export interface DeliveryMessage {
  readonly id: string;
  /** The `webhook.delivery-requested` event, as the bus delivered it. */
  readonly body: string;
  readonly receiptHandle: string;
  /** How many times the queue has handed the message over, this time included: the attempt number. */
  readonly receiveCount: number;
}

export interface DeliverMessagesDeps extends DeliverDeps {
  readonly retries: RetryQueue;
}

/** What a batch of delivery messages did. */
export interface DeliveryBatchOutcome {
  /** Messages not done, in batch order: to retry after their delay, given up, or failed. */
  readonly failedMessages: string[];
  /** Deliveries whose last retry failed: their messages go to the dead-letter queue. */
  readonly givenUp: { readonly subscriptionId: string; readonly eventId: string }[];
  /** Messages that could not be read or delivered. */
  readonly errors: { readonly messageId: string; readonly error: Error }[];
}

/**
 * Delivers every message of a batch at once, so one slow endpoint never holds up another. A delivery
 * to retry has its message hidden for the schedule's delay; it and every other delivery not done is
 * reported failed, so the queue hands it over again (or, after the last retry, dead-letters it).
 */
export const deliverMessages = async (
  messages: readonly DeliveryMessage[],
  deps: DeliverMessagesDeps,
): Promise<DeliveryBatchOutcome> => {
  const outcome: DeliveryBatchOutcome = { failedMessages: [], givenUp: [], errors: [] };
  const done = await Promise.all(
    messages.map(async (message) => {
      try {
        const { subscriptionId, event } = deliveredDetail(
          message.body,
          webhookDeliveryRequested.detailSchema,
        );
        const result = await deliverOnce(subscriptionId, event, message.receiveCount, deps);
        if (result.kind === 'done') return true;
        if (result.kind === 'retry') await deps.retries.postpone(message.receiptHandle, result.afterS);
        else outcome.givenUp.push({ subscriptionId, eventId: event.id });
      } catch (error) {
        outcome.errors.push({ messageId: message.id, error: error as Error });
      }
      return false;
    }),
  );
  outcome.failedMessages.push(...messages.filter((_, index) => !done[index]).map((message) => message.id));
  return outcome;
};
