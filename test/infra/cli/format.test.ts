import { describe, expect, it } from 'vitest';
import { displayWidth, indicatorLabel, renderTable, toTable } from '#infra/cli/format';

describe('displayWidth', () => {
  it.each([
    ['city', 4],
    ['全市', 4],
    ['测试区 A', 8],
    ['', 0],
  ])('gives %j %i terminal columns', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });
});

describe('renderTable', () => {
  it('aligns Chinese and Latin cells by terminal columns, without trailing blanks', () => {
    expect(
      renderTable([
        ['名称', 'n'],
        ['全市', '1'],
        ['district', '22'],
      ]).split('\n'),
    ).toEqual(['名称      n', '全市      1', 'district  22']);
  });
});

describe('toTable', () => {
  const item = {
    date: '2026-05-04',
    area: 'district:d1',
    indicators: { ticketsReceived: 3, ticketClosureRate: 0.5, casesReported: null },
    revision: 1,
    computedAt: '2026-05-05T00:00:00Z',
  };

  it.each([
    [
      'zh',
      '日期        区域         名称    受理量  办结率',
      '2026-05-04  district:d1  东城区  3       50.0%',
    ],
    [
      'en',
      'date        area         name    ticketsReceived  ticketClosureRate',
      '2026-05-04  district:d1  东城区  3                50.0%',
    ],
  ] as const)(
    'labels the columns in %s and names the area, leaving out indicators with no value',
    (lang, header, row) => {
      expect(toTable([item], new Map([['district:d1', '东城区']]), lang).split('\n')).toEqual([header, row]);
    },
  );

  it('names the city 全市 and leaves an unregistered area nameless', () => {
    const rows = toTable(
      [
        { ...item, area: 'city' },
        { ...item, area: 'district:gone' },
      ],
      new Map(),
      'en',
    ).split('\n');
    expect(rows[1]).toMatch(/^2026-05-04 {2}city {11}全市 {2}3/);
    expect(rows[2]).toMatch(/^2026-05-04 {2}district:gone {8}3/);
  });
});

describe('indicatorLabel', () => {
  it('is the Chinese name in zh and the API name in en', () => {
    expect(indicatorLabel('roadCleaningRate', 'zh')).toBe('道路清扫率');
    expect(indicatorLabel('roadCleaningRate', 'en')).toBe('roadCleaningRate');
  });
});
