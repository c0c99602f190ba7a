import type { EventPublisher } from '#shared/app/ports';
import { type WebhookEvent, wants } from '#shared/domain/webhooks/events';
import type { Subscription } from '#shared/domain/webhooks/subscription';
import { busEvent } from '#shared/events/definition';
import { webhookDeliveryRequested } from '#shared/events/webhooks';

/** The subscriptions, and the store of sent events that replays read. */
export interface FanoutSubscriptions {
  /** Keeps events for replays, stamped with when they were sent. */
  storeEvents(events: readonly WebhookEvent[], sentAt: string): Promise<void>;
  /** Every subscription. */
  list(): Promise<Subscription[]>;
}

export interface FanoutDeps {
  readonly webhooks: FanoutSubscriptions;
  readonly publisher: EventPublisher;
}

/**
 * Keeps each event for replays and asks for one delivery per (subscription, event), so every endpoint
 * gets its own queue message and its own retries.
 */
export const fanOut = async (
  events: readonly WebhookEvent[],
  deps: FanoutDeps,
  only?: Subscription,
): Promise<number> => {
  if (events.length === 0) return 0;
  const sentAt = new Date().toISOString();
  if (!only) await deps.webhooks.storeEvents(events, sentAt);
  const subscriptions = only ? [only] : await deps.webhooks.list();
  const requests = events.flatMap((event) =>
    subscriptions
      .filter((subscription) => wants(subscription, event))
      .map((subscription) =>
        busEvent(webhookDeliveryRequested, { subscriptionId: subscription.id, event: { ...event } }),
      ),
  );
  await deps.publisher.publish(requests);
  return requests.length;
};
