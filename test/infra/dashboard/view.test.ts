import { describe, expect, it } from 'vitest';
import {
  areaColumns,
  betterOf,
  feedState,
  formatAge,
  formatValue,
  indexValues,
  indicatorGroups,
  joinCsvPages,
  rankDistricts,
  resolveRange,
  splitPartialDay,
  streetColumns,
  trendData,
  valueAt,
} from '#infra/dashboard/page/view';
import { indicatorCatalogue, indicatorNames } from '#shared/domain/indicators/catalogue';

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
    expect(indicatorGroups.map((group) => group.names.length)).toEqual([7, 9, 6]);
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

  it.each([
    ['caseReworkRate', { a: 0.1, b: 0.02, c: null, d: 0.05 }, ['b', 'd', 'a', 'c']],
    ['avgTicketClosureHours', { a: 30, b: 12.5, c: 20, d: null }, ['b', 'c', 'a', 'd']],
    ['ticketClosureRate', { a: 0.1, b: 0.9, c: null, d: 0.5 }, ['b', 'd', 'a', 'c']],
  ] as const)('ranks %s best first, as the catalogue says which way is better', (name, values, order) => {
    const day = '2026-03-03';
    const ranked = rankDistricts(
      indexValues(
        Object.entries(values).map(([code, value]) => item(day, `district:${code}`, { [name]: value })),
      ),
      day,
      [
        { area: 'city', name: '全市', code: 'city' },
        ...['a', 'b', 'c', 'd'].map((code) => ({ area: `district:${code}`, name: code, code })),
      ],
      name,
    );
    expect(ranked.map(({ column }) => column.code)).toEqual(order);
  });

  it('drills down into the streets of a district, the district first', () => {
    expect(
      streetColumns(
        [
          ...areas,
          {
            area: 'street:donghuamen',
            code: 'donghuamen',
            name: '东华门街道',
            level: 'street',
            parent: 'dongcheng',
          },
          {
            area: 'street:jinrongjie',
            code: 'jinrongjie',
            name: '金融街街道',
            level: 'street',
            parent: 'xicheng',
          },
        ],
        'district:dongcheng',
      ),
    ).toEqual([
      { area: 'district:dongcheng', name: '东城区', code: 'dongcheng' },
      { area: 'street:donghuamen', name: '东华门街道', code: 'donghuamen' },
    ]);
  });

  it('takes today out of the trend data and keeps its values apart, as so far', () => {
    const data = trendData(
      index,
      ['2026-03-01', '2026-03-02'],
      ['city', 'district:dongcheng'],
      'ticketsReceived',
      'count',
    );
    expect(splitPartialDay(data, 1)).toEqual({
      complete: [data[0], [10, null], [null, null]],
      partial: [null, 6],
    });
    expect(splitPartialDay(data, -1)).toEqual({ complete: data, partial: [null, null] });
  });

  it('joins CSV pages with the header once', () => {
    const header = 'date,area,ticketsReceived\r\n';
    expect(
      joinCsvPages([`${header}2026-03-01,city,10\r\n`, `${header}2026-03-02,city,12\r\n`, `${header}`]),
    ).toBe(`${header}2026-03-01,city,10\r\n2026-03-02,city,12\r\n`);
  });
});

describe('the range picker', () => {
  const today = '2026-12-07';
  it.each([
    ['7', '2026-12-01'],
    ['30', '2026-11-08'],
    ['90', '2026-09-09'],
    ['365', '2025-12-08'],
  ])('a preset of %s days ends today', (choice, from) => {
    expect(resolveRange(choice, today)).toEqual({ from, to: today });
  });

  it.each([
    [
      { from: '2026-03-01', to: '2026-03-31' },
      { from: '2026-03-01', to: '2026-03-31' },
    ],
    [
      { from: '2026-03-31', to: '2026-03-01' },
      { error: 'the custom range starts (2026-03-31) after it ends (2026-03-01)' },
    ],
    [
      { from: '2026-12-01', to: '2026-12-08' },
      { error: 'the custom range ends (2026-12-08) after today (2026-12-07)' },
    ],
    [
      { from: '2024-01-01', to: '2026-01-01' },
      { error: 'the custom range is 732 days long; at most 366 are shown' },
    ],
    [
      { from: '2026-02-30', to: '2026-03-01' },
      { error: 'pick both dates of the custom range (from and to)' },
    ],
  ])('a custom range %j gives %j', (custom, expected) => {
    expect(resolveRange('custom', today, custom)).toEqual(expected);
  });
});

describe('the catalogue', () => {
  it('says which way each indicator is better, lower for rework, closure time and overdue items', () => {
    const lower = indicatorCatalogue.map((info) => info.name).filter((name) => betterOf(name) === 'lower');
    expect(lower).toEqual([
      'avgTicketClosureHours',
      'openOverdueTickets',
      'caseReworkRate',
      'openOverdueCases',
    ]);
  });
});
