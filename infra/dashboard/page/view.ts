/**
 * What the dashboard shows, computed from the API's answers without touching the page: value formats,
 * table columns, trend series, rankings and the CSV download. Pure, so tests run it under Node.
 */
import { type IndicatorInfo, indicatorCatalogue } from '#shared/domain/indicators/catalogue';

/** An item of `GET /indicators` as the page uses it. */
export interface IndicatorItemJson {
  readonly date: string;
  readonly area: string;
  readonly indicators: Readonly<Record<string, number | null>>;
}

/** An item of `GET /areas`. */
export interface AreaJson {
  readonly area: string;
  readonly code: string;
  readonly name: string;
  readonly level: 'district' | 'street';
}

/** An item of `GET /feeds`. */
export interface FeedJson {
  readonly source: string;
  readonly lastAcceptedAt: string | null;
  readonly ageSeconds: number | null;
}

export type Unit = IndicatorInfo['unit'];

/** What a null (a rate over 0) or a missing value shows. */
export const NO_VALUE = '—';

/** A value for people: rates as percentages with one decimal, counts whole with separators. */
export const formatValue = (value: number | null | undefined, unit: Unit): string => {
  if (value === null || value === undefined || !Number.isFinite(value)) return NO_VALUE;
  switch (unit) {
    case 'fraction':
      return `${(value * 100).toFixed(1)}%`;
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'hours':
      return `${value.toFixed(1)} h`;
    case 'km':
      return `${value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} km`;
  }
};

/** A value on a chart's scale: rates in percent, the rest as they are. */
export const chartValue = (value: number | null | undefined, unit: Unit): number | null =>
  value === null || value === undefined ? null : unit === 'fraction' ? value * 100 : value;

/** The unit as a chart axis or caption names it. */
export const unitLabel = (unit: Unit): string =>
  ({ fraction: '%', count: 'count', hours: 'hours', km: 'km' })[unit];

/** The feed groups of the catalogue, in catalogue order. */
export const indicatorGroups: readonly { readonly title: string; readonly names: readonly string[] }[] = [
  { title: '12345 热线 · Hotline tickets', match: (name: string) => /ticket/i.test(name) },
  { title: '城市管理 · City-platform cases', match: (name: string) => /^case/.test(name) },
  { title: '环卫 · Sanitation', match: (name: string) => !/ticket/i.test(name) && !/^case/.test(name) },
].map(({ title, match }) => ({
  title,
  names: indicatorCatalogue.filter((info) => match(info.name)).map((info) => info.name),
}));

/** A feed older than this (the default feed-silence alarm) shows as stale. */
export const STALE_AFTER_SECONDS = 3600;

/** How long ago a feed last had records accepted, e.g. `5 min ago`. */
export const formatAge = (seconds: number | null): string => {
  if (seconds === null) return 'no records accepted yet';
  if (seconds < 60) return 'less than a minute ago';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 2 * 86_400) {
    const minutes = Math.floor((seconds % 3600) / 60);
    return `${Math.floor(seconds / 3600)} h${minutes > 0 ? ` ${minutes} min` : ''} ago`;
  }
  return `${Math.floor(seconds / 86_400)} days ago`;
};

/** `fresh`, `stale` (silent for over an hour) or `never`. */
export const feedState = (feed: FeedJson): 'fresh' | 'stale' | 'never' =>
  feed.ageSeconds === null ? 'never' : feed.ageSeconds > STALE_AFTER_SECONDS ? 'stale' : 'fresh';

/** Names of the feeds in both languages. */
export const feedLabels: Readonly<Record<string, string>> = {
  hotline: '12345 热线 · Hotline',
  'city-platform': '城市管理平台 · City platform',
  sanitation: '环卫车辆 GPS · Sanitation',
};

/** A column of the dashboard: the city or a district, with its registry name (or its code). */
export interface AreaColumn {
  readonly area: string;
  /** The name to show first: the registry's name (e.g. 东城区), 全市 for the city. */
  readonly name: string;
  /** The code shown beside it (e.g. `dongcheng`, `city`). */
  readonly code: string;
}

const DISTRICT_PREFIX = 'district:';

/**
 * The city, then every district: registered ones in registry order, then districts that only the data
 * knows (codes not in the registry), sorted.
 */
export const areaColumns = (
  areas: readonly AreaJson[],
  items: readonly IndicatorItemJson[],
): AreaColumn[] => {
  const registered = areas.filter((area) => area.level === 'district');
  const known = new Set(registered.map((area) => area.area));
  const unregistered = [...new Set(items.map((item) => item.area))]
    .filter((area) => area.startsWith(DISTRICT_PREFIX) && !known.has(area))
    .sort();
  return [
    { area: 'city', name: '全市', code: 'city' },
    ...registered.map((area) => ({ area: area.area, name: area.name, code: area.code })),
    ...unregistered.map((area) => {
      const code = area.slice(DISTRICT_PREFIX.length);
      return { area, name: code, code };
    }),
  ];
};

/** The values of each (date, area), for lookups by `valueAt`. */
export type ValueIndex = ReadonlyMap<string, Readonly<Record<string, number | null>>>;

export const indexValues = (items: readonly IndicatorItemJson[]): ValueIndex =>
  new Map(items.map((item) => [`${item.date}|${item.area}`, item.indicators]));

/** One indicator of one (date, area); undefined when the area had no data that day. */
export const valueAt = (
  index: ValueIndex,
  date: string,
  area: string,
  name: string,
): number | null | undefined => {
  const values = index.get(`${date}|${area}`);
  return values === undefined ? undefined : (values[name] ?? null);
};

/** uPlot's aligned data of one indicator: x in Unix seconds (UTC midnight of each date), one series per area. */
export const trendData = (
  index: ValueIndex,
  dates: readonly string[],
  areas: readonly string[],
  name: string,
  unit: Unit,
): [number[], ...(number | null)[][]] => [
  dates.map((date) => Date.parse(`${date}T00:00:00Z`) / 1000),
  ...areas.map((area) => dates.map((date) => chartValue(valueAt(index, date, area, name), unit))),
];

/** Districts ranked by one indicator on one date, highest first; districts without a value last. */
export const rankDistricts = (
  index: ValueIndex,
  date: string,
  columns: readonly AreaColumn[],
  name: string,
): { column: AreaColumn; value: number | null }[] =>
  columns
    .filter((column) => column.area !== 'city')
    .map((column) => ({ column, value: valueAt(index, date, column.area, name) ?? null }))
    .sort((a, b) =>
      a.value === null ? (b.value === null ? 0 : 1) : b.value === null ? -1 : b.value - a.value,
    );

/** Joins CSV pages of one query into one file: the header once, then every page's rows. */
export const joinCsvPages = (pages: readonly string[]): string => {
  const [first = '', ...rest] = pages;
  return [first, ...rest.map((page) => page.slice(page.indexOf('\n') + 1))].join('');
};
