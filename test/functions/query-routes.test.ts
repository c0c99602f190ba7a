import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type QueryDeps, queryRoutes } from '#functions/query/routes';
import type { AreaListItem } from '#shared/domain/area-list';
import { InvalidInputError, UnknownResourceError } from '#shared/domain/errors';
import type { IndicatorItem } from '#shared/domain/indicators/item';
import type { HttpEvent, HttpResult } from '#shared/http/api';

const item = (date: string, area: string): IndicatorItem =>
  ({
    date,
    area,
    timezone: 'Asia/Shanghai',
    indicators: { ticketsReceived: 1 },
    revision: 1,
    computedAt: '2026-03-03T00:00:00.000Z',
  }) as IndicatorItem;

/** Published: the city, a registered district, and a district records named without registering it. */
const published = [
  item('2026-03-02', 'city'),
  item('2026-03-02', 'district:dongcheng'),
  item('2026-03-02', 'district:unlisted'),
];
const registered: AreaListItem[] = [
  { area: 'district:dongcheng', code: 'dongcheng', name: '东城区', level: 'district' },
  { area: 'street:jingshan', code: 'jingshan', name: '景山街道', level: 'street', parent: 'dongcheng' },
];

const deps: QueryDeps = {
  indicators: {
    listDay: async (date) => published.filter((found) => found.date === date),
    listArea: async (area, from, to) =>
      published.filter((found) => found.area === area && found.date >= from && found.date <= to),
  },
  feeds: { feedFreshness: async () => new Map() },
  loadAreaList: async () => registered,
  // The map routes are not called here (test/e2e/map.test.ts calls them).
  map: {} as QueryDeps['map'],
  // Nor GET /open-items (test/e2e/supervision.test.ts calls it).
  openItems: {} as QueryDeps['openItems'],
  now: () => Date.parse('2026-03-03T00:00:00Z'),
};

/** The answer, or the error that the API maps to a status (400 invalid input, 404 unknown resource). */
const get = async (rawQueryString: string): Promise<HttpResult> =>
  queryRoutes(deps)['GET /indicators']({ rawQueryString, headers: {} } as HttpEvent, {} as Context);

describe('GET /indicators', () => {
  it('answers an area neither registered nor published with a 404 naming GET /areas', async () => {
    const answer = get('date=2026-03-02&area=city&area=district:atlantis');
    await expect(answer).rejects.toThrow(UnknownResourceError);
    await expect(answer).rejects.toThrow(
      'no registered area "district:atlantis"; GET /areas lists the registered districts and streets (and city is the whole city)',
    );
  });

  it('takes any area key while no areas set is registered (keys come from records and registries)', async () => {
    const none = queryRoutes({ ...deps, loadAreaList: async () => [] })['GET /indicators'];
    const answer = await none(
      { rawQueryString: 'date=2026-03-02&area=district:atlantis', headers: {} } as HttpEvent,
      {} as Context,
    );
    expect(JSON.parse(String(answer.body))).toEqual({ items: [] });
  });

  it('answers a registered area with nothing published yet with an empty page', async () => {
    const answer = await get('date=2026-03-02&area=street:jingshan');
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(String(answer.body))).toEqual({ items: [] });
  });

  it('still answers what was published for an area records named without registering it', async () => {
    const answer = await get('date=2026-03-02&area=district:unlisted');
    expect(JSON.parse(String(answer.body)).items.map((found: IndicatorItem) => found.area)).toEqual([
      'district:unlisted',
    ]);
  });

  it.each([
    ['dat=2026-03-02', 'invalid query: unknown parameter "dat"; did you mean "date"?'],
    ['date=2026-03-02&fromm=2026-03-01', 'unknown parameter "fromm"; did you mean "from"?'],
    [
      'date=2026-03-02&sort=desc',
      'unknown parameter "sort" (this route takes date, from, to, area, format, limit, nextToken)',
    ],
  ])('refuses the unknown parameter of %s with a 400', async (query, message) => {
    const answer = get(query);
    await expect(answer).rejects.toThrow(InvalidInputError);
    await expect(answer).rejects.toThrow(message);
  });

  it('names each area in CSV as registered: 全市 for the city, empty for an unregistered one', async () => {
    const answer = await get('date=2026-03-02&format=csv');
    const rows = String(answer.body).trim().split('\r\n');
    expect(rows[0]?.split(',').slice(0, 3)).toEqual(['date', 'area', 'name']);
    expect(rows.slice(1).map((row) => row.split(',').slice(1, 3))).toEqual([
      ['city', '全市'],
      ['district:dongcheng', '东城区'],
      ['district:unlisted', ''],
    ]);
  });
});
