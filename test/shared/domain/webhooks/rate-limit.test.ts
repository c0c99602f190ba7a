import { describe, expect, it } from 'vitest';
import { parseRate, rateOfOneConsumer, reserveSlot } from '#shared/domain/webhooks/rate-limit';

/** Asks `count` slots at `nowMs` one after another; returns when each may go. */
const burstAt = (count: number, nowMs: number, rate: { perSecond: number; burst: number }, tat?: number) => {
  const times: number[] = [];
  let current = tat;
  for (let index = 0; index < count; index += 1) {
    const slot = reserveSlot(current, nowMs, rate);
    times.push(slot.atMs);
    current = slot.tatMs;
  }
  return { times, tat: current };
};

describe('reserveSlot', () => {
  it('lets a burst go at once, then spaces deliveries one interval apart', () => {
    // 4 a second (250 ms apart), burst 2: two go at 0, then 250, 500, 750.
    expect(burstAt(5, 0, { perSecond: 4, burst: 2 }).times).toEqual([0, 0, 250, 500, 750]);
  });

  it('spaces every delivery with a burst of 1', () => {
    expect(burstAt(3, 1000, { perSecond: 2, burst: 1 }).times).toEqual([1000, 1500, 2000]);
  });

  it('refills while idle, never beyond the burst', () => {
    const rate = { perSecond: 4, burst: 2 };
    const first = burstAt(4, 0, rate); // 0, 0, 250, 500; TAT = 1000
    expect(first.tat).toBe(1000);
    // Ten seconds later the bucket is full again but holds only `burst`: 2 at once, then 250 ms apart.
    expect(burstAt(3, 10_000, rate, first.tat).times).toEqual([10_000, 10_000, 10_250]);
    // Half a second after the first burst: one slot has come back (TAT 1000 − tolerance 250 = 750 > 500).
    expect(burstAt(2, 500, rate, first.tat).times).toEqual([750, 1000]);
  });

  it('keeps within the rate over any window', () => {
    const rate = { perSecond: 10, burst: 5 };
    const { times } = burstAt(200, 0, rate);
    for (let start = 0; start < 20_000; start += 137) {
      const inWindow = times.filter((at) => at >= start && at < start + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(rate.perSecond + rate.burst);
    }
    // 200 deliveries: 5 at once, then 195 at 100 ms: the last at 19.5 s.
    expect(times.at(-1)).toBe(19_500);
  });
});

describe('rateOfOneConsumer', () => {
  it('splits the rate and burst among the consumers that may run at once', () => {
    expect(rateOfOneConsumer({ perSecond: 10, burst: 20 }, 5)).toEqual({ perSecond: 2, burst: 4 });
    expect(rateOfOneConsumer({ perSecond: 1, burst: 1 }, 4)).toEqual({ perSecond: 0.25, burst: 1 });
  });
});

describe('parseRate', () => {
  it('reads a rate and an optional burst', () => {
    expect(parseRate('10', 'X')).toEqual({ perSecond: 10, burst: 10 });
    expect(parseRate('0.5', 'X')).toEqual({ perSecond: 0.5, burst: 1 });
    expect(parseRate('10, 30', 'X')).toEqual({ perSecond: 10, burst: 30 });
  });

  it.each(['0', '-1', 'ten', '10,0', '10,2.5', '20000'])('refuses %s, naming the setting', (text) => {
    expect(() => parseRate(text, 'WEBHOOK_RATE')).toThrow(/WEBHOOK_RATE=.*perSecond\[,burst\]/);
  });
});
