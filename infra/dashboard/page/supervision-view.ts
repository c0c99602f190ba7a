/**
 * What the supervision panel (督办) shows, computed from `GET /open-items` answers without touching the
 * page: counts per district and light, the overdue and approaching lists, and how their times read.
 * Pure, so tests run it under Node.
 */
import type { AreaJson } from '#infra/dashboard/page/view';

/** A deadline light (CONTRACT §10, Supervision). */
export type Light = 'green' | 'yellow' | 'red' | 'paused';

/** The lights in the order the panel's columns show them. */
export const LIGHTS: readonly Light[] = ['green', 'yellow', 'red', 'paused'];

/** Column heads of the lights, in both languages. */
export const lightLabels: Readonly<Record<Light, { readonly zh: string; readonly en: string }>> = {
  green: { zh: '绿', en: 'green' },
  yellow: { zh: '黄', en: 'yellow' },
  red: { zh: '红', en: 'red' },
  paused: { zh: '暂停', en: 'paused' },
};

/** An item of `GET /open-items` as the panel uses it (shared/schemas/open-items.ts has all of it). */
export interface OpenItemJson {
  readonly kind: 'ticket' | 'case';
  readonly id: string;
  readonly category: string | null;
  /** RFC 3339. */
  readonly deadline: string;
  readonly light: Light;
  /** Whole minutes past the deadline (0 before it). */
  readonly overdueMinutes: number;
  /** The most precise area that places it, and its registered name. */
  readonly area: string;
  readonly areaName: string;
  /** Every area that places it, from the city down. */
  readonly areas: readonly string[];
}

/** A page of `GET /open-items`. */
/** Open items of the city or a district per light, as `GET /open-items` counts them. */
export interface LightCountJson {
  readonly area: string;
  readonly name: string;
  readonly green: number;
  readonly yellow: number;
  readonly red: number;
  readonly paused: number;
}

export interface OpenItemsPageJson {
  /** The hub's time the lights are computed at (RFC 3339). */
  readonly now: string;
  /** Per light, the open items of the city and of each district (every light, every page). */
  readonly counts: readonly LightCountJson[];
  readonly items: OpenItemJson[];
  readonly nextToken?: string;
}

/** How often the panel reads the open items while the browser tab is visible. */
export const SUPERVISION_REFRESH_MS = 30_000;

/** Names of the item kinds in both languages. */
export const kindLabels: Readonly<Record<OpenItemJson['kind'], string>> = {
  ticket: '工单 ticket',
  case: '案件 case',
};

/** One row of the counts: a district (or the whole city) and its open items per light. */
export interface LightCountRow {
  /** `district:<code>`, `city` for the total, or `none` for items placed in no district. */
  readonly area: string;
  readonly name: string;
  readonly code: string;
  readonly counts: Readonly<Record<Light, number>>;
  readonly total: number;
}

const DISTRICT_PREFIX = 'district:';
/** The row of items the hub could place in no district (only in the city). */
export const NO_DISTRICT = 'none';

const zero = (): Record<Light, number> => ({ green: 0, yellow: 0, red: 0, paused: 0 });

/**
 * Open items counted per district and light, from the counts the hub answers with (no need to read
 * every item): every registered district in registry order (with zeros), then districts only the
 * counts name, by key, then — when there are any — items placed in no district (the city's count less
 * the districts'); and the city's total.
 */
export const lightCountsOf = (
  counts: readonly LightCountJson[],
  areas: readonly AreaJson[],
): { rows: LightCountRow[]; city: LightCountRow } => {
  const byArea = new Map(counts.map((count) => [count.area, count]));
  const row = (area: string, name: string, code: string, count?: Record<Light, number>): LightCountRow => {
    const values = count
      ? { green: count.green, yellow: count.yellow, red: count.red, paused: count.paused }
      : zero();
    return { area, name, code, counts: values, total: LIGHTS.reduce((sum, light) => sum + values[light], 0) };
  };
  const registered = areas.filter((area) => area.level === 'district');
  const known = new Set(registered.map((area) => area.area));
  const districts = [
    ...registered.map((area) => row(area.area, area.name, area.code, byArea.get(area.area))),
    ...counts
      .filter((count) => count.area.startsWith(DISTRICT_PREFIX) && !known.has(count.area))
      .sort((a, b) => (a.area < b.area ? -1 : 1))
      .map((count) => row(count.area, count.name, count.area.slice(DISTRICT_PREFIX.length), count)),
  ];
  const city = row('city', '全市', 'city', byArea.get('city'));
  const rest = zero();
  for (const light of LIGHTS)
    rest[light] = city.counts[light] - districts.reduce((sum, district) => sum + district.counts[light], 0);
  const unplaced = LIGHTS.some((light) => rest[light] > 0)
    ? [row(NO_DISTRICT, '未定区', 'no district', rest)]
    : [];
  return { rows: [...districts, ...unplaced], city };
};

const byKindAndId = (a: OpenItemJson, b: OpenItemJson) =>
  a.kind === b.kind ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.kind < b.kind ? -1 : 1;

/** The red items, the longest overdue first (then the earliest deadline, then kind and id). */
export const overdueItems = (items: readonly OpenItemJson[]): OpenItemJson[] =>
  items
    .filter((item) => item.light === 'red')
    .sort(
      (a, b) =>
        b.overdueMinutes - a.overdueMinutes ||
        Date.parse(a.deadline) - Date.parse(b.deadline) ||
        byKindAndId(a, b),
    );

/** The yellow items, the nearest deadline first (then kind and id). */
export const approachingItems = (items: readonly OpenItemJson[]): OpenItemJson[] =>
  items
    .filter((item) => item.light === 'yellow')
    .sort((a, b) => Date.parse(a.deadline) - Date.parse(b.deadline) || byKindAndId(a, b));

/** Whole minutes as hours and minutes, e.g. `2 h 05 min`, `0 h 45 min`, `130 h 00 min`. */
export const formatHoursMinutes = (minutes: number): string => {
  const whole = Math.max(0, Math.floor(minutes));
  return `${Math.floor(whole / 60)} h ${String(whole % 60).padStart(2, '0')} min`;
};

/** Whole minutes from `now` until `deadline` (both RFC 3339); 0 once it has passed. */
export const minutesLeft = (deadline: string, now: string): number =>
  Math.max(0, Math.floor((Date.parse(deadline) - Date.parse(now)) / 60_000));

/** An instant in the city's time zone, `YYYY-MM-DD HH:mm` (with `:ss` when `seconds`). */
export const cityTime = (iso: string, timeZone: string, seconds = false): string =>
  new Date(iso).toLocaleString('sv-SE', { timeZone, hour12: false }).slice(0, seconds ? 19 : 16);

/**
 * Whether the panel reads again: only while the browser tab is visible, and only once the last read
 * (epoch ms, undefined before the first) is an interval old — a second early counts, so a timer that
 * fires on the interval is never a tick late.
 */
export const shouldRefresh = (
  visibility: string,
  lastReadAt: number | undefined,
  now: number,
  every = SUPERVISION_REFRESH_MS,
): boolean => visibility === 'visible' && (lastReadAt === undefined || now - lastReadAt >= every - 1000);
