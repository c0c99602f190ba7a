import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryPacer } from '#shared/app/deliver';
import { type Rate, reserveSlot } from '#shared/domain/webhooks/rate-limit';

/**
 * The per-subscription rate limit of one delivery consumer, kept in memory: each subscription's
 * deliveries wait for their slot (shared/domain/webhooks/rate-limit.ts). At most `maxConcurrency`
 * consumers run at once (the delivery queue's maximum concurrency), each given `rate / maxConcurrency`,
 * so together they never exceed `rate` to one subscription — with no write per delivery.
 */
export const createDeliveryPacer = (
  rate: Rate,
  now: () => number = Date.now,
  wait: (ms: number) => Promise<unknown> = sleep,
): DeliveryPacer => {
  const tats = new Map<string, number>();
  return async (subscriptionId) => {
    const at = now();
    const slot = reserveSlot(tats.get(subscriptionId), at, rate);
    tats.set(subscriptionId, slot.tatMs);
    // Forget subscriptions whose slots are all in the past: the map holds only those being paced.
    if (tats.size > 1000) for (const [id, tat] of tats) if (tat <= at) tats.delete(id);
    if (slot.atMs > at) await wait(slot.atMs - at);
  };
};
