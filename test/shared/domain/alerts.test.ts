import { describe, expect, it } from 'vitest';
import { type AlertAreas, alertAreasOf, findBreaches, ruleTimeOn, watchedAreas } from '#shared/domain/alerts';
import type { AlertRule } from '#shared/schemas/reference';

const shanghai = 'Asia/Shanghai';
const date = '2026-03-02';
/** 17:00 in Shanghai (UTC+8 all year) is 09:00 UTC. */
const at1700 = Date.parse('2026-03-02T09:00:00Z');

const areas: AlertAreas = alertAreasOf([
  { area: 'district:dongcheng', code: 'dongcheng', name: '东城区', level: 'district' },
  { area: 'district:xicheng', code: 'xicheng', name: '西城区', level: 'district' },
  { area: 'street:jingshan', code: 'jingshan', name: '景山街道', level: 'street', parent: 'dongcheng' },
]);

const onTime: AlertRule = {
  id: 'cases-on-time',
  indicator: 'caseOnTimeClosureRate',
  areas: 'district',
  below: 0.9,
  at: '17:00',
};

const items = [
  { area: 'city', indicators: { caseOnTimeClosureRate: 0.85, avgTicketClosureHours: 50 } },
  { area: 'district:dongcheng', indicators: { caseOnTimeClosureRate: 0.8, avgTicketClosureHours: 30 } },
  { area: 'district:xicheng', indicators: { caseOnTimeClosureRate: 0.9, avgTicketClosureHours: 49 } },
  { area: 'district:unlisted', indicators: { caseOnTimeClosureRate: 0.1 } },
  { area: 'street:jingshan', indicators: { caseOnTimeClosureRate: null, avgTicketClosureHours: 60 } },
];

const breaches = (rules: AlertRule[], now: number, published = items) =>
  findBreaches({ rules, date, items: published, areas, now, timeZone: shanghai });

describe('ruleTimeOn', () => {
  it.each([
    ['17:00', 'Asia/Shanghai', '2026-03-02T09:00:00.000Z'],
    ['00:00', 'Asia/Shanghai', '2026-03-01T16:00:00.000Z'],
    ['23:59', 'Asia/Shanghai', '2026-03-02T15:59:00.000Z'],
    ['17:00', 'UTC', '2026-03-02T17:00:00.000Z'],
  ])('puts %s of the day in %s at %s', (time, zone, instant) => {
    expect(new Date(ruleTimeOn({ at: time }, date, zone)).toISOString()).toBe(instant);
  });
});

describe('watchedAreas', () => {
  it.each([
    ['district', ['district:dongcheng', 'district:xicheng']],
    ['street', ['street:jingshan']],
    ['city', ['city']],
    [
      ['district:unlisted', 'city', 'district:unlisted'],
      ['district:unlisted', 'city'],
    ],
  ] as const)('watches for %j: %j', (watched, expected) => {
    expect(watchedAreas({ areas: watched as AlertRule['areas'] }, areas)).toEqual(expected);
  });
});

describe('findBreaches', () => {
  it('checks nothing before the rule’s time of the day', () => {
    expect(breaches([onTime], at1700 - 1)).toEqual([]);
  });

  it('from the rule’s time on, names each registered district whose value is strictly below', () => {
    const expected = [
      {
        ruleId: 'cases-on-time',
        indicator: 'caseOnTimeClosureRate',
        date,
        area: 'district:dongcheng',
        areaName: '东城区',
        value: 0.8,
        threshold: 0.9,
        comparison: 'below',
        at: '2026-03-02T09:00:00.000Z',
      },
    ];
    expect(breaches([onTime], at1700)).toEqual(expected);
    // Still 17:00 in `at` when checked late in the evening.
    expect(breaches([onTime], at1700 + 6 * 3_600_000)).toEqual(expected);
  });

  it('checks an area that was not published, or whose value is null, as unbroken', () => {
    const rule: AlertRule = { ...onTime, areas: ['street:jingshan', 'district:chaoyang'] };
    expect(breaches([rule], at1700)).toEqual([]);
  });

  it('watches listed areas whether registered or not, without a name for those that are not', () => {
    const rule: AlertRule = { ...onTime, areas: ['district:unlisted', 'city'] };
    expect(breaches([rule], at1700).map(({ area, areaName, value }) => ({ area, areaName, value }))).toEqual([
      { area: 'district:unlisted', areaName: undefined, value: 0.1 },
      { area: 'city', areaName: undefined, value: 0.85 },
    ]);
  });

  it('breaks an above rule on values strictly above, rule by rule', () => {
    const slow: AlertRule = {
      id: 'slow',
      indicator: 'avgTicketClosureHours',
      areas: 'district',
      above: 49,
      at: '09:30',
    };
    const slowStreets: AlertRule = { ...slow, id: 'slow-streets', areas: 'street' };
    // 09:30 in Shanghai is 01:30 UTC: the above rules are due, the 17:00 one is not yet.
    const now = Date.parse('2026-03-02T01:30:00Z');
    expect(
      breaches([onTime, slow, slowStreets], now).map(({ ruleId, area, value, threshold, comparison, at }) => [
        ruleId,
        area,
        value,
        threshold,
        comparison,
        at,
      ]),
    ).toEqual([['slow-streets', 'street:jingshan', 60, 49, 'above', '2026-03-02T01:30:00.000Z']]);
  });

  it('finds nothing without rules or without published items', () => {
    expect(breaches([], at1700)).toEqual([]);
    expect(breaches([onTime], at1700, [])).toEqual([]);
  });
});
