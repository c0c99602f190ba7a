import { describe, expect, it } from 'vitest';
import { meetsTarget } from './figures.ts';

describe('meetsTarget', () => {
  const target = { op: '<=', value: 150 } as const;
  it('compares a measured figure with its target', () => {
    expect(meetsTarget({ value: 150, target })).toBe(true);
    expect(meetsTarget({ value: 151, target })).toBe(false);
    expect(meetsTarget({ value: 10, target: { op: '>=', value: 12 } })).toBe(false);
    expect(meetsTarget({ value: 3 })).toBeUndefined();
  });

  it('never lets a figure that failed to measure pass', () => {
    expect(meetsTarget({ value: Number.NaN, target })).toBe(false);
    // NaN comes back from a suite's JSON as null.
    expect(meetsTarget({ value: JSON.parse('null') as number, target })).toBe(false);
  });
});
