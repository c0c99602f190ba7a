import { describe, expect, it } from 'vitest';
import { replaceReferenceSet, replaceSyncRules } from '#shared/app/admin';
import { RecordingPublisher } from '../../support/recording-publisher.ts';

/** A reference store that records writes, and an index of two days with data. */
const fakes = () => {
  const written: [string, unknown, number][] = [];
  const deps = {
    reference: {
      put: async (name: string, value: unknown, now: number) => void written.push([name, value, now]),
    },
    days: { listDays: async () => ['2026-03-01', '2026-03-02'] },
    gps: { listVehicleDays: async () => [] },
    publisher: new RecordingPublisher(),
    now: () => 1_000,
  };
  return { deps, written };
};

describe('replaceReferenceSet', () => {
  it('stores the set and answers its counts with the days being recomputed', async () => {
    const { deps, written } = fakes();
    const calendar = { holidays: ['2026-10-01', '2026-10-02'], workdays: ['2026-09-27'] };
    expect(await replaceReferenceSet({ name: 'calendar', value: calendar }, deps)).toEqual({
      holidays: 2,
      workdays: 1,
      recomputingDays: 2,
    });
    expect(written).toEqual([['calendar', calendar, 1_000]]);
    expect(deps.publisher.published.map(({ detailType }) => detailType)).toEqual(['facts.changed']);
  });
});

describe('replaceSyncRules', () => {
  it('stores the rules without asking for a recompute', async () => {
    const { deps, written } = fakes();
    const rules = { ticketCategoriesToCityPlatform: ['roads/*', 'water'] };
    expect(await replaceSyncRules(rules, deps)).toEqual({ ticketCategoriesToCityPlatform: 2 });
    expect(written).toEqual([['sync', rules, 1_000]]);
    expect(deps.publisher.published).toEqual([]);
  });
});
