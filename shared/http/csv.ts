import { stringify } from 'csv-stringify/sync';
import type { OpenItem } from '#shared/app/open-items';
import { CITY_NAME } from '#shared/domain/area-list';
import { indicatorNames } from '#shared/domain/indicators/catalogue';

/** What a CSV row needs of a published indicator item (CONTRACT §6). */
export interface CsvItem {
  readonly date: string;
  readonly area: string;
  readonly indicators: Readonly<Record<string, number | null | undefined>>;
  readonly revision: number;
  readonly computedAt: string;
}

/** The name the city's rows carry: the city is no registered area. */
export { CITY_NAME };

/**
 * The CSV form of items (RFC 4180): a header `date,area,name,<indicator names...>,revision,computedAt`,
 * one row per item, CRLF after every line. `name` is the area's registered name (全市 for the city;
 * empty for an area no longer registered). A null or missing value is an empty cell; a cell holding a
 * comma, a quote or a line break is quoted, its quotes doubled.
 */
export const toCsv = (items: readonly CsvItem[], names: ReadonlyMap<string, string> = new Map()): string =>
  stringify(
    [
      ['date', 'area', 'name', ...indicatorNames, 'revision', 'computedAt'],
      ...items.map((item) => [
        item.date,
        item.area,
        item.area === 'city' ? CITY_NAME : (names.get(item.area) ?? ''),
        ...indicatorNames.map((name) => item.indicators[name]),
        item.revision,
        item.computedAt,
      ]),
    ],
    // With a record delimiter given, csv-stringify quotes a lone `\n` or `\r` only when asked to.
    { record_delimiter: 'windows', quote_record_delimiter: true },
  );

/** The columns of `GET /open-items?format=csv`, in order. */
export const OPEN_ITEM_COLUMNS = [
  'kind',
  'id',
  'category',
  'startedAt',
  'deadline',
  'usedShare',
  'light',
  'overdueMinutes',
  'area',
  'name',
] as const;

/** Open items as CSV (RFC 4180, CRLF), the area's name beside its key; a null category is an empty cell. */
export const openItemsCsv = (items: readonly OpenItem[]): string =>
  stringify(
    [
      [...OPEN_ITEM_COLUMNS],
      ...items.map((item) => [
        item.kind,
        item.id,
        item.category,
        item.startedAt,
        item.deadline,
        item.usedShare,
        item.light,
        item.overdueMinutes,
        item.area,
        item.areaName,
      ]),
    ],
    { record_delimiter: 'windows', quote_record_delimiter: true },
  );
