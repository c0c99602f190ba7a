import { describe, expect, it } from 'vitest';
import {
  areaColumns,
  feedState,
  formatAge,
  formatValue,
  indexValues,
  indicatorGroups,
  joinCsvPages,
  rankDistricts,
  trendData,
  valueAt,
} from '#infra/dashboard/page/view';
import { indicatorNames } from '#shared/domain/indicators/catalogue';

const item = (date: string, area: string, indicators: Record<string, number | null>) => ({
  date,
  area,
  indicators,
});

describe('dashboard values', () => {
  it.each([
    [0.3333, 'fraction', '33.3%'],
    [1, 'fraction', '100.0%'],
    [0, 'fraction', '0.0%'],
    [null, 'fraction', '—'],
    [undefined, 'count', '—'],
    [12345, 'count', '12,345'],
    [15.55, 'hours', '15.6 h'],
    [1234.56, 'km', '1,234.6 km'],
  ] as const)('shows %s (%s) as %s', (value, unit, shown) => {
    expect(formatValue(value, unit)).toBe(shown);
  });

  it.each([
    [null, 'no records accepted yet'],
    [59, 'less than a minute ago'],
    [60, '1 min ago'],
    [3599, '59 min ago'],
    [3600, '1 h ago'],
    [3600 + 25 * 60, '1 h 25 min ago'],
    [3 * 86_400, '3 days ago'],
  ] as const)('tells a feed age of %s s as "%s"', (seconds, told) => {
    expect(formatAge(seconds)).toBe(told);
  });

  it('marks a feed stale after an hour and never-fed feeds apart', () => {
    expect(feedState({ source: 'hotline', lastAcceptedAt: 'x', ageSeconds: 3600 })).toBe('fresh');
    expect(feedState({ source: 'hotline', lastAcceptedAt: 'x', ageSeconds: 3601 })).toBe('stale');
    expect(feedState({ source: 'hotline', lastAcceptedAt: null, ageSeconds: null })).toBe('never');
  });

  it('groups every catalogue indicator exactly once, in catalogue order', () => {
    expect(indicatorGroups.flatMap((group) => group.names)).toEqual(indicatorNames);
    expect(indicatorGroups.map((group) => group.names.length)).toEqual([6, 8, 6]);
  });
});

describe('dashboard columns and series', () => {
  const areas = [
    { area: 'district:xicheng', code: 'xicheng', name: '西城区', level: 'district' as const },
    { area: 'street:jingshan', code: 'jingshan', name: '景山街道', level: 'street' as const },
    { area: 'district:dongcheng', code: 'dongcheng', name: '东城区', level: 'district' as const },
  ];
  const items = [
    item('2026-03-01', 'city', { ticketsReceived: 10, ticketClosureRate: 0.5 }),
    item('2026-03-01', 'district:xicheng', { ticketsReceived: 4, ticketClosureRate: null }),
    item('2026-03-02', 'district:dongcheng', { ticketsReceived: 6, ticketClosureRate: 0.25 }),
    item('2026-03-02', 'district:unlisted', { ticketsReceived: 1, ticketClosureRate: 1 }),
    item('2026-03-02', 'district:another', { ticketsReceived: 2, ticketClosureRate: 0.75 }),
  ];
  const index = indexValues(items);
  const columns = areaColumns(areas, items);

  it('shows the city, registered districts in registry order, then unregistered districts by code', () => {
    expect(columns).toEqual([
      { area: 'city', name: '全市', code: 'city' },
      { area: 'district:xicheng', name: '西城区', code: 'xicheng' },
      { area: 'district:dongcheng', name: '东城区', code: 'dongcheng' },
      { area: 'district:another', name: 'another', code: 'another' },
      { area: 'district:unlisted', name: 'unlisted', code: 'unlisted' },
    ]);
  });

  it('tells a null rate from a day without data', () => {
    expect(valueAt(index, '2026-03-01', 'district:xicheng', 'ticketClosureRate')).toBeNull();
    expect(valueAt(index, '2026-03-02', 'district:xicheng', 'ticketClosureRate')).toBeUndefined();
  });

  it('gives uPlot one x per day (UTC midnight seconds) and one series per area, rates in percent', () => {
    expect(
      trendData(
        index,
        ['2026-03-01', '2026-03-02'],
        ['city', 'district:dongcheng'],
        'ticketClosureRate',
        'fraction',
      ),
    ).toEqual([
      [Date.UTC(2026, 2, 1) / 1000, Date.UTC(2026, 2, 2) / 1000],
      [50, null],
      [null, 25],
    ]);
  });

  it('ranks districts highest first, districts without a value last, and leaves the city out', () => {
    const ranked = rankDistricts(index, '2026-03-02', columns, 'ticketClosureRate');
    expect(ranked.map(({ column, value }) => [column.code, value])).toEqual([
      ['unlisted', 1],
      ['another', 0.75],
      ['dongcheng', 0.25],
      ['xicheng', null],
    ]);
  });

  it('joins CSV pages with the header once', () => {
    const header = 'date,area,ticketsReceived\r\n';
    expect(
      joinCsvPages([`${header}2026-03-01,city,10\r\n`, `${header}2026-03-02,city,12\r\n`, `${header}`]),
    ).toBe(`${header}2026-03-01,city,10\r\n2026-03-02,city,12\r\n`);
  });
});
