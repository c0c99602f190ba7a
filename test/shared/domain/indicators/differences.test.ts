import { describe, expect, it } from 'vitest';
import { type IndicatorValues, indicatorNames } from '#shared/domain/indicators/catalogue';
import { indicatorDifferences } from '#shared/domain/indicators/differences';
import type { AreaKey } from '#shared/schemas/common';

const values = (set: Partial<IndicatorValues> = {}): IndicatorValues => ({
  ...(Object.fromEntries(indicatorNames.map((name) => [name, null])) as IndicatorValues),
  ...set,
});
const day = (areas: Record<string, Partial<IndicatorValues>>) =>
  new Map(Object.entries(areas).map(([area, set]) => [area as AreaKey, values(set)]));

describe('indicatorDifferences', () => {
  it.each([
    [
      'nothing when both sides agree',
      day({ city: { ticketsReceived: 2 } }),
      day({ city: { ticketsReceived: 2 } }),
      [],
    ],
    [
      'a value that differs, and one that became null',
      day({ city: { ticketsReceived: 2, ticketClosureRate: 0.5 } }),
      day({ city: { ticketsReceived: 3, ticketClosureRate: null } }),
      [
        { area: 'city', indicator: 'ticketsReceived', published: 2, exact: 3 },
        { area: 'city', indicator: 'ticketClosureRate', published: 0.5, exact: null },
      ],
    ],
    [
      'every value of an area on one side only, areas sorted',
      day({ 'district:b': { casesReported: 1 }, city: { casesReported: 1 } }),
      day({ 'district:a': { ticketsReceived: 1, ticketsClosed: 0 }, city: { casesReported: 1 } }),
      [
        { area: 'district:a', indicator: 'ticketsReceived', published: null, exact: 1 },
        { area: 'district:a', indicator: 'ticketsClosed', published: null, exact: 0 },
        { area: 'district:b', indicator: 'casesReported', published: 1, exact: null },
      ],
    ],
  ])('finds %s', (_, published, exact, expected) => {
    expect(indicatorDifferences(published, exact)).toEqual(expected);
  });
});
