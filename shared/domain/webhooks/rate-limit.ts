/**
 * The per-subscription delivery rate limit, as the generic cell rate algorithm (GCRA): each
 * subscription has a theoretical arrival time (TAT); a delivery at `now` may go at
 * `max(now, TAT - burst tolerance)` and moves the TAT on by one interval. Deliveries are spaced
 * `1 / rate` apart once a burst of `burst` is spent, whatever the order they ask in.
 */

/** Deliveries to one subscription: 10 a second on average, 20 at once (`-c webhookRatePerSubscription`). */
export const DEFAULT_DELIVERY_RATE = '10,20';

/** A rate: `perSecond` deliveries a second on average, up to `burst` at once. */
export interface Rate {
  readonly perSecond: number;
  readonly burst: number;
}

/** When a delivery asked at `now` may go, and the subscription's next TAT. */
export interface Slot {
  readonly atMs: number;
  readonly tatMs: number;
}

/** Reserves one delivery slot: `tatMs` is the subscription's TAT (undefined before its first delivery). */
export const reserveSlot = (tatMs: number | undefined, nowMs: number, rate: Rate): Slot => {
  const intervalMs = 1000 / rate.perSecond;
  const toleranceMs = (rate.burst - 1) * intervalMs;
  const tat = Math.max(tatMs ?? nowMs, nowMs);
  return { atMs: Math.max(nowMs, tat - toleranceMs), tatMs: tat + intervalMs };
};

/**
 * The share of a subscription's rate one delivery consumer may use: at most `maxConcurrency`
 * consumers run at once, each keeping its own slots, so together they stay within `rate`.
 */
export const rateOfOneConsumer = (rate: Rate, maxConcurrency: number): Rate => ({
  perSecond: rate.perSecond / maxConcurrency,
  burst: Math.max(1, Math.floor(rate.burst / maxConcurrency)),
});

/** Reads `perSecond[,burst]` (e.g. `10` or `10,20`); the burst defaults to the rate (at least 1). */
export const parseRate = (text: string, what: string): Rate => {
  const [perSecond, burst] = text.split(',').map((part) => Number(part.trim()));
  const rate = { perSecond: perSecond ?? Number.NaN, burst: burst ?? Math.max(1, Math.ceil(perSecond ?? 1)) };
  if (
    !(Number.isFinite(rate.perSecond) && rate.perSecond > 0 && rate.perSecond <= 10_000) ||
    !(Number.isInteger(rate.burst) && rate.burst >= 1 && rate.burst <= 10_000)
  ) {
    throw new Error(
      `${what}=${JSON.stringify(text)} must be "perSecond[,burst]": a rate above 0 and up to 10000, a whole burst from 1 to 10000`,
    );
  }
  return rate;
};
