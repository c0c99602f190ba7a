import { stringify } from 'csv-stringify/sync';
import { indicatorNames } from '#shared/domain/indicators/catalogue';

/** What a CSV row needs of a published indicator item (CONTRACT §6). */
export interface CsvItem {
  readonly date: string;
  readonly area: string;
  readonly indicators: Readonly<Record<string, number | null | undefined>>;
  readonly revision: number;
  readonly computedAt: string;
}

/**
 * The CSV form of items (RFC 4180): a header `date,area,<indicator names...>,revision,computedAt`, one
 * row per item, CRLF after every line. A null or missing value is an empty cell; a cell holding a comma,
 * a quote or a line break is quoted, its quotes doubled.
 */
export const toCsv = (items: readonly CsvItem[]): string =>
  stringify(
    [
      ['date', 'area', ...indicatorNames, 'revision', 'computedAt'],
      ...items.map((item) => [
        item.date,
        item.area,
        ...indicatorNames.map((name) => item.indicators[name]),
        item.revision,
        item.computedAt,
      ]),
    ],
    // With a record delimiter given, csv-stringify quotes a lone `\n` or `\r` only when asked to.
    { record_delimiter: 'windows', quote_record_delimiter: true },
  );
