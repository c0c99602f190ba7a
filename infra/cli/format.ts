import { indicatorCatalogue, indicatorNames } from '#shared/domain/indicators/catalogue';
import { CITY_NAME } from '#shared/http/csv';

/** The language of the labels in the CLI's tables: Chinese (the catalogue's names) or English. */
export type Lang = 'zh' | 'en';
export const langs = ['zh', 'en'] as const;

/** An item as `GET /indicators` answers it (CONTRACT §6). */
export interface Item {
  readonly date: string;
  readonly area: string;
  readonly indicators: Readonly<Record<string, number | null>>;
  readonly revision: number;
  readonly computedAt: string;
}

/**
 * Columns a terminal gives a string: East Asian wide characters (CJK, full-width forms) take two,
 * so that a table of Chinese names stays aligned.
 */
export const displayWidth = (text: string): number => {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const wide =
      (code >= 0x1100 && code <= 0x115f) ||
      (code >= 0x2e80 && code <= 0xa4cf) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe30 && code <= 0xfe4f) ||
      (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6) ||
      (code >= 0x20000 && code <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
};

/** Rows (the first is the header) as aligned text columns two spaces apart, no trailing blanks. */
export const renderTable = (rows: readonly (readonly string[])[]): string => {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => displayWidth(row[column] ?? '')))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell + ' '.repeat(Math.max(0, (widths[column] ?? 0) - displayWidth(cell))))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

const chineseNames = new Map<string, string>(indicatorCatalogue.map((info) => [info.name, info.chineseName]));

/** An indicator's label: its Chinese name (受理量), or in English its name in the API (ticketsReceived). */
export const indicatorLabel = (name: string, lang: Lang): string =>
  lang === 'zh' ? (chineseNames.get(name) ?? name) : name;

const headers: Record<Lang, { date: string; area: string; name: string }> = {
  zh: { date: '日期', area: '区域', name: '名称' },
  en: { date: 'date', area: 'area', name: 'name' },
};

/** The name an area key is shown with: 全市 for the city, the registered name, or empty. */
export const areaName = (area: string, names: ReadonlyMap<string, string>): string =>
  area === 'city' ? CITY_NAME : (names.get(area) ?? '');

const formatValue = (name: string, value: number | null | undefined): string => {
  if (value === null || value === undefined) return '—';
  if (/Rate$/.test(name)) return `${(value * 100).toFixed(1)}%`;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
};

/**
 * Items as an aligned text table for people: the date, the area key and its registered name, then each
 * indicator that has a value somewhere, labelled in `lang`; rates as percentages, `—` for no value.
 */
export const toTable = (items: readonly Item[], names: ReadonlyMap<string, string>, lang: Lang): string => {
  const shown = indicatorNames.filter((name) =>
    items.some((item) => item.indicators[name] !== null && item.indicators[name] !== undefined),
  );
  const header = headers[lang];
  return renderTable([
    [header.date, header.area, header.name, ...shown.map((name) => indicatorLabel(name, lang))],
    ...items.map((item) => [
      item.date,
      item.area,
      areaName(item.area, names),
      ...shown.map((name) => formatValue(name, item.indicators[name])),
    ]),
  ]);
};
