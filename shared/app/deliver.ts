import type { WebhookEvent } from '#shared/domain/webhooks/events';
import type { DeliveryAttempt, Subscription, TargetPolicy } from '#shared/domain/webhooks/subscription';
import { deliveredDetail } from '#shared/events/delivered';
import { webhookDeliveryRequested } from '#shared/events/webhooks';

/** What one delivery attempt got. */
export interface AttemptResult {
  readonly statusCode?: number;
  readonly error?: string;
  readonly durationMs: number;
}

/**
 * Sends one signed event to one URL, checking the target against the policy first. Never throws:
 * the result says what happened.
 */
export type SendEvent = (
  url: string,
  secret: string,
  event: WebhookEvent,
  policy: TargetPolicy,
) => Promise<AttemptResult>;

/** The subscriptions a delivery reads, logs to and may disable. */
export interface DeliverySubscriptions {
  get(id: string): Promise<Subscription | undefined>;
  logAttempt(subscriptionId: string, attempt: DeliveryAttempt): Promise<void>;
  disable(id: string, reason: string): Promise<void>;
}

export interface DeliverDeps {
  readonly webhooks: DeliverySubscriptions;
  readonly policy: TargetPolicy;
  /** Seconds to wait before retry n (n = 1, 2, …). */
  readonly schedule: readonly number[];
  readonly send: SendEvent;
  readonly now: () => number;
}

/** What to do with a delivery message after one attempt. */
export type DeliveryOutcome =
  | { readonly kind: 'done'; readonly note: string }
  | { readonly kind: 'retry'; readonly afterS: number }
  | { readonly kind: 'give-up' };

/**
 * One attempt to deliver an event to a subscription: 2xx is done; `410 Gone` disables the subscription;
 * anything else is retried after the schedule's next delay, and given up (dead-lettered) after the last.
 * Every attempt is logged. A deleted or disabled subscription gets nothing.
 */
export const deliverOnce = async (
  subscriptionId: string,
  event: WebhookEvent,
  attempt: number,
  deps: DeliverDeps,
  subscription?: Subscription,
): Promise<DeliveryOutcome> => {
  const target = subscription ?? (await deps.webhooks.get(subscriptionId));
  if (!target) return { kind: 'done', note: 'subscription deleted' };
  if (target.status !== 'active') return { kind: 'done', note: 'subscription disabled' };
  const result = await deps.send(target.url, target.secret, event, deps.policy);
  await deps.webhooks.logAttempt(subscriptionId, {
    eventId: event.id,
    type: event.type,
    attempt,
    statusCode: result.statusCode,
    error: result.error,
    durationMs: result.durationMs,
    at: new Date(deps.now()).toISOString(),
  });
  const status = result.statusCode ?? 0;
  if (status >= 200 && status < 300) return { kind: 'done', note: `delivered (${status})` };
  if (status === 410) {
    await deps.webhooks.disable(
      subscriptionId,
      `the endpoint answered 410 Gone at ${new Date(deps.now()).toISOString()}`,
    );
    return { kind: 'done', note: 'disabled after 410 Gone' };
  }
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
