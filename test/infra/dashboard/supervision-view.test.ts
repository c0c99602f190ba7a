import { describe, expect, it } from 'vitest';
import {
  approachingItems,
  cityTime,
  formatHoursMinutes,
  type Light,
  lightCountsOf,
  minutesLeft,
  type OpenItemJson,
  overdueItems,
  shouldRefresh,
} from '#infra/dashboard/page/supervision-view';

const item = (
  id: string,
  light: Light,
  areas: string[],
  { kind = 'ticket', deadline = '2026-12-07T08:00:00Z', overdueMinutes = 0, areaName = '' } = {},
): OpenItemJson => ({
  kind: kind as OpenItemJson['kind'],
  id,
  category: 'noise',
  deadline,
  light,
  overdueMinutes,
  area: areas.at(-1) ?? 'city',
  areaName,
  areas,
});

const areas = [
  { area: 'district:xicheng', code: 'xicheng', name: '西城区', level: 'district' as const },
  { area: 'street:jinrongjie', code: 'jinrongjie', name: '金融街街道', level: 'street' as const },
  { area: 'district:dongcheng', code: 'dongcheng', name: '东城区', level: 'district' as const },
];

/** An expected row of counts: green, yellow, red and paused, and the total. */
const row = (
  area: string,
  name: string,
  code: string,
  [green, yellow, red, paused]: [number, number, number, number],
  total: number,
) => ({ area, name, code, counts: { green, yellow, red, paused }, total });

describe('supervision counts', () => {
  // As GET /open-items counts these: t1 red, t2 red, t3 yellow, c1 paused in xicheng (t1 and t3 on
  // a street of it); t4 green in haidian (not registered); t5 red placed in no district.
  const counts = [
    { area: 'city', name: '全市', green: 1, yellow: 1, red: 3, paused: 1 },
    { area: 'district:haidian', name: '海淀区', green: 1, yellow: 0, red: 0, paused: 0 },
    { area: 'district:xicheng', name: '西城区', green: 0, yellow: 1, red: 2, paused: 1 },
  ];

  it('counts each district by light in registry order, with zeros, then unregistered districts and unplaced items', () => {
    const { rows } = lightCountsOf(counts, areas);
    expect(rows).toEqual([
      row('district:xicheng', '西城区', 'xicheng', [0, 1, 2, 1], 4),
      row('district:dongcheng', '东城区', 'dongcheng', [0, 0, 0, 0], 0),
      row('district:haidian', '海淀区', 'haidian', [1, 0, 0, 0], 1),
      row('none', '未定区', 'no district', [0, 0, 1, 0], 1),
    ]);
  });

  it('totals the whole city, items placed in no district included', () => {
    expect(lightCountsOf(counts, areas).city).toEqual(row('city', '全市', 'city', [1, 1, 3, 1], 6));
  });

  it('lists every registered district with zeros and no unplaced row when nothing is open', () => {
    const { rows, city } = lightCountsOf([], areas);
    expect(rows.map((row) => [row.area, row.total])).toEqual([
      ['district:xicheng', 0],
      ['district:dongcheng', 0],
    ]);
    expect(city.total).toBe(0);
  });
});

describe('supervision lists', () => {
  const items = [
    item('t1', 'red', ['city'], { deadline: '2026-12-06T10:00:00Z', overdueMinutes: 125 }),
    item('t2', 'red', ['city'], { deadline: '2026-12-05T09:00:00Z', overdueMinutes: 1625 }),
    item('c9', 'red', ['city'], { kind: 'case', deadline: '2026-12-06T10:00:30Z', overdueMinutes: 125 }),
    item('c1', 'red', ['city'], { kind: 'case', deadline: '2026-12-06T10:00:00Z', overdueMinutes: 125 }),
    item('t3', 'yellow', ['city'], { deadline: '2026-12-07T12:00:00Z' }),
    item('t4', 'yellow', ['city'], { deadline: '2026-12-07T09:30:00Z' }),
    item('t5', 'green', ['city'], { deadline: '2026-12-07T09:00:00Z' }),
    item('c2', 'paused', ['city'], { kind: 'case', deadline: '2026-12-01T09:00:00Z' }),
  ];

  it('puts the red items longest overdue first, then by deadline, then cases before tickets', () => {
    expect(overdueItems(items).map((entry) => entry.id)).toEqual(['t2', 'c1', 't1', 'c9']);
  });

  it('puts the yellow items nearest deadline first, and nothing else', () => {
    expect(approachingItems(items).map((entry) => entry.id)).toEqual(['t4', 't3']);
  });
});

describe('supervision times', () => {
  it.each([
    [0, '0 h 00 min'],
    [45, '0 h 45 min'],
    [125, '2 h 05 min'],
    [1625, '27 h 05 min'],
    [41_228, '687 h 08 min'],
  ])('tells %i minutes as "%s"', (minutes, told) => {
    expect(formatHoursMinutes(minutes)).toBe(told);
  });

  it('counts whole minutes left until a deadline, none once it has passed', () => {
    expect(minutesLeft('2026-12-07T09:30:00Z', '2026-12-07T08:14:59Z')).toBe(75);
    expect(minutesLeft('2026-12-07T09:30:00Z', '2026-12-07T09:31:00Z')).toBe(0);
  });

  it('shows an instant in city time', () => {
    expect(cityTime('2026-12-07T16:05:09Z', 'Asia/Shanghai')).toBe('2026-12-08 00:05');
    expect(cityTime('2026-12-07T16:05:09Z', 'Asia/Shanghai', true)).toBe('2026-12-08 00:05:09');
  });
});

describe('supervision refresh', () => {
  const at = 1_800_000_000_000;
  it.each([
    ['visible', undefined, at, true],
    ['visible', at - 30_000, at, true],
    ['visible', at - 29_500, at, true],
    ['visible', at - 20_000, at, false],
    ['hidden', at - 60_000, at, false],
    ['hidden', undefined, at, false],
  ] as const)('with the tab %s and the last read at %s reads again: %s', (visibility, last, now, reads) => {
    expect(shouldRefresh(visibility, last, now)).toBe(reads);
  });
});
