import type { AreaListItem } from '#shared/domain/area-list';
import { UnknownResourceError } from '#shared/domain/errors';
import type { IndicatorItem } from '#shared/domain/indicators/item';
import { dateRange } from '#shared/domain/time';
import type { AreaKey } from '#shared/schemas/common';
import { excerpt } from '#shared/schemas/messages';
import { encodePageToken, type IndicatorQuery, type PageToken } from '#shared/schemas/query';

/** The published indicators, by day or by area. */
export interface IndicatorsReader {
  /** Every area's item of one day. */
  listDay(date: string): Promise<IndicatorItem[]>;
  /** One area's items from `from` to `to`. */
  listArea(area: AreaKey, from: string, to: string): Promise<IndicatorItem[]>;
}

/** One page of a query: items sorted by date then area, and where the next page starts. */
export interface IndicatorPage {
  readonly items: IndicatorItem[];
  readonly nextToken?: string;
}

const compareItems = (a: { date: string; area: string }, b: { date: string; area: string }): number =>
  a.date < b.date ? -1 : a.date > b.date ? 1 : a.area < b.area ? -1 : a.area > b.area ? 1 : 0;

const after = (token: PageToken | undefined) => (item: IndicatorItem) =>
  !token || compareItems(item, token) > 0;

/** Areas answered when a query names none: the city and every district. */
const isDefaultArea = (area: string) => area === 'city' || area.startsWith('district:');

/**
 * Says which areas are registered (the city always is), for answering unknown areas with a 404;
 * undefined while no areas set is registered, when area keys come from records and registries alone.
 */
export const registeredAreas = (registered: readonly AreaListItem[]): ReadonlySet<string> | undefined =>
  registered.length === 0 ? undefined : new Set<string>(['city', ...registered.map((item) => item.area)]);

/** The 404 of areas that are not registered, naming `GET /areas`. */
export const unknownAreas = (areas: readonly string[]) =>
  new UnknownResourceError(
    `no registered area ${areas.map((area) => JSON.stringify(excerpt(area))).join(', ')}; ` +
      'GET /areas lists the registered districts and streets (and city is the whole city)',
  );

/**
 * Answers a query: with named areas, one range read per area; otherwise one read per day for the
 * city and its districts. Reads stop once a page (plus one item, to know whether more follow) is full.
 * With `registered` areas, a named area that is not among them and has nothing published in the
 * range is an `UnknownResourceError` (404) naming `GET /areas`; one that records named without
 * registering it still answers what was published for it.
 */
export const queryIndicators = async (
  query: IndicatorQuery,
  indicators: IndicatorsReader,
  registered?: ReadonlySet<string>,
): Promise<IndicatorPage> => {
  const from = query.nextToken && query.nextToken.date > query.from ? query.nextToken.date : query.from;
  const wanted = query.limit + 1;
  let found: IndicatorItem[] = [];
  if (query.area.length > 0) {
    const areas = [...new Set(query.area)];
    const perArea = await Promise.all(areas.map((area) => indicators.listArea(area, from, query.to)));
    const unknown = areas.filter(
      (area, index) =>
        registered && !registered.has(area) && !query.nextToken && perArea[index]?.length === 0,
    );
    if (unknown.length > 0) throw unknownAreas(unknown);
    found = perArea.flat().filter(after(query.nextToken)).sort(compareItems).slice(0, wanted);
  } else {
    for (const date of dateRange(from, query.to)) {
      const day = await indicators.listDay(date);
      found.push(...day.filter((item) => isDefaultArea(item.area)).filter(after(query.nextToken)));
      if (found.length >= wanted) break;
    }
    found = found.slice(0, wanted);
  }
  if (found.length <= query.limit) return { items: found.map(published) };
  const items = found.slice(0, query.limit);
  const last = items.at(-1) as IndicatorItem;
  return { items: items.map(published), nextToken: encodePageToken({ date: last.date, area: last.area }) };
};

/** An item as CONTRACT §6 publishes it: without the hub's own bookkeeping (which revision was announced). */
const published = (item: IndicatorItem): IndicatorItem => ({
  date: item.date,
  area: item.area,
  timezone: item.timezone,
  indicators: item.indicators,
  revision: item.revision,
  computedAt: item.computedAt,
});
