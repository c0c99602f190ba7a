import { describe, expect, it } from 'vitest';
import { createDeliveryPacer } from '#shared/adapters/delivery-pacer';

/** A pacer on a clock that only moves when a delivery waits; records each wait. */
const pacerOn = (perSecond: number, burst: number) => {
  let clock = 0;
  const waits: number[] = [];
  const pace = createDeliveryPacer(
    { perSecond, burst },
    () => clock,
    async (ms) => {
      waits.push(ms);
      clock += ms;
    },
  );
  return { pace, waits, advance: (ms: number) => (clock += ms), now: () => clock };
};

describe('createDeliveryPacer', () => {
  it('lets a burst through, then spaces one subscription’s deliveries by its rate', async () => {
    const { pace, waits, now } = pacerOn(4, 2);
    for (let index = 0; index < 5; index += 1) await pace('sub_a');
    // 0, 0 (burst), then 250 ms apart: the fifth goes at 750 ms.
    expect(waits).toEqual([250, 250, 250]);
    expect(now()).toBe(750);
  });

  it('paces each subscription on its own', async () => {
    const { pace, waits } = pacerOn(1, 1);
    await pace('sub_a');
    await pace('sub_b');
    expect(waits).toEqual([]);
    await pace('sub_a');
    expect(waits).toEqual([1000]);
  });

  it('gives deliveries asked at once successive slots', async () => {
    let clock = 0;
    const waits: number[] = [];
    const pace = createDeliveryPacer(
      { perSecond: 10, burst: 1 },
      () => clock,
      async (ms) => void waits.push(ms),
    );
    await Promise.all([pace('sub_a'), pace('sub_a'), pace('sub_a')]);
    expect(waits.sort((a, b) => a - b)).toEqual([100, 200]);
    clock = 10_000;
    await pace('sub_a');
    expect(waits).toHaveLength(2);
  });
});
