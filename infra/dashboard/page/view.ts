/**
 * What the dashboard shows, computed from the API's answers without touching the page: value formats,
 * table columns, trend series, rankings and the CSV download. Pure, so tests run it under Node.
 */
import { betterOf, type IndicatorInfo, indicatorCatalogue } from '#shared/domain/indicators/catalogue';

export { betterOf };

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
  /** A street's district code. */
  readonly parent?: string;
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
  { title: '城市管理 · City-platform cases', match: (name: string) => /case/i.test(name) },
  { title: '环卫 · Sanitation', match: (name: string) => !/ticket|case/i.test(name) },
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

/**
 * The columns of a district's drill-down: the district first (as the whole), then its registered
 * streets (`GET /areas` items whose `parent` is the district's code) in registry order.
 */
export const streetColumns = (areas: readonly AreaJson[], district: string): AreaColumn[] => {
  const found = areas.find((area) => area.area === district);
  const code = found?.code ?? district.slice(DISTRICT_PREFIX.length);
  return [
    { area: district, name: found?.name ?? code, code },
    ...areas
      .filter((area) => area.level === 'street' && area.parent === code)
      .map((area) => ({ area: area.area, name: area.name, code: area.code })),
  ];
};

/** The range picker's presets, in days (today included); 30 is the default. */
export const RANGE_PRESETS = [7, 30, 90, 365] as const;
export const DEFAULT_RANGE_DAYS = 30;
/** The longest range `GET /indicators` answers. */
export const MAX_RANGE_DAYS = 366;

/**
 * The dates of a range choice: a preset (`'7'`, `'30'`, …: that many days up to today) or `'custom'`
 * with `from` and `to`. A custom range must be real dates, `from` ≤ `to` ≤ today and at most
 * {@link MAX_RANGE_DAYS} days; otherwise the answer says what is wrong.
 */
export const resolveRange = (
  choice: string,
  today: string,
  custom: { from?: string; to?: string } = {},
): { from: string; to: string } | { error: string } => {
  if (choice !== 'custom') {
    const days = Number(choice);
    if (!RANGE_PRESETS.includes(days as (typeof RANGE_PRESETS)[number]))
      return { error: `unknown range "${choice}": choose 7, 30, 90 or 365 days, or custom` };
    return { from: shiftDate(today, -(days - 1)), to: today };
  }
  const { from = '', to = '' } = custom;
  const valid = (date: string) =>
    /^\d{4}-\d{2}-\d{2}$/.test(date) && new Date(`${date}T00:00:00Z`).toISOString().startsWith(date);
  if (!valid(from) || !valid(to)) return { error: 'pick both dates of the custom range (from and to)' };
  if (from > to) return { error: `the custom range starts (${from}) after it ends (${to})` };
  if (to > today) return { error: `the custom range ends (${to}) after today (${today})` };
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_RANGE_DAYS)
    return { error: `the custom range is ${days} days long; at most ${MAX_RANGE_DAYS} are shown` };
  return { from, to };
};

const shiftDate = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Takes today's values out of trend data (today is not over, so its counts would look like a drop):
 * the data with today's column nulled, and today's values apart, drawn as "so far".
 */
export const splitPartialDay = (
  data: [number[], ...(number | null)[][]],
  position: number,
): { complete: [number[], ...(number | null)[][]]; partial: (number | null)[] } => {
  const [xs, ...series] = data;
  if (position < 0 || position >= xs.length) return { complete: data, partial: series.map(() => null) };
  return {
    complete: [xs, ...series.map((values) => values.map((value, at) => (at === position ? null : value)))],
    partial: series.map((values) => values[position] ?? null),
  };
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

/**
 * Areas (the columns but the first: the city, or the district of a drill-down) ranked by one indicator on one date, best first: highest first, or
 * lowest first for an indicator whose catalogue entry says `better: 'lower'`; areas without a value last.
 */
export const rankDistricts = (
  index: ValueIndex,
  date: string,
  columns: readonly AreaColumn[],
  name: string,
): { column: AreaColumn; value: number | null }[] => {
  const sign = betterOf(name) === 'lower' ? 1 : -1;
  return columns
    .slice(1)
    .map((column) => ({ column, value: valueAt(index, date, column.area, name) ?? null }))
    .sort((a, b) =>
      a.value === null ? (b.value === null ? 0 : 1) : b.value === null ? -1 : sign * (a.value - b.value),
    );
};

/** Joins CSV pages of one query into one file: the header once, then every page's rows. */
export const joinCsvPages = (pages: readonly string[]): string => {
  const [first = '', ...rest] = pages;
  return [first, ...rest.map((page) => page.slice(page.indexOf('\n') + 1))].join('');
};
