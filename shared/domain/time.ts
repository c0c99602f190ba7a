/** Calendar arithmetic in the city time zone. Days are `YYYY-MM-DD` strings; instants are epoch ms. */

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

const dateFormatter = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dateFormatters.set(timeZone, formatter);
  }
  return formatter;
};

const DAY_MS = 86_400_000;
/** Dates of years 0–9999 as day numbers since 1970-01-01 and back, cached (days are few, lookups many). */
const MAX_CACHED_DAYS = 100_000;
const dateOfDay = new Map<number, string>();
const dayOfDate = new Map<string, number>();
const FIRST_DAY = Date.parse('0000-01-01T00:00:00Z') / DAY_MS;
const LAST_DAY = Date.parse('9999-12-31T00:00:00Z') / DAY_MS;

const remember = <K, V>(cache: Map<K, V>, key: K, value: V): V => {
  if (cache.size >= MAX_CACHED_DAYS) cache.clear();
  cache.set(key, value);
  return value;
};

/** `YYYY-MM-DD` of a day number (days since 1970-01-01). */
const dateOf = (day: number): string =>
  dateOfDay.get(day) ?? remember(dateOfDay, day, new Date(day * DAY_MS).toISOString().slice(0, 10));

/** Day number (days since 1970-01-01) of a `YYYY-MM-DD` date. */
const dayOf = (date: string): number =>
  dayOfDate.get(date) ?? remember(dayOfDate, date, Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS));

/** The calendar date (`YYYY-MM-DD`) of an instant in a time zone. */
export const localDate = (epochMs: number, timeZone: string): string => {
  const day = Math.floor((epochMs + zoneOffsetMs(epochMs, timeZone)) / DAY_MS);
  // Outside years 0–9999 ISO strings change shape; Intl formats those.
  if (!(day >= FIRST_DAY && day <= LAST_DAY)) return dateFormatter(timeZone).format(epochMs);
  return dateOf(day);
};

/** Epoch ms of an RFC 3339 time with an offset. */
export const toEpochMs = (instant: string): number => Date.parse(instant);

/** Adds whole days to a date string. */
export const addDays = (date: string, days: number): string => {
  const day = dayOf(date) + days;
  if (!(day >= FIRST_DAY && day <= LAST_DAY)) {
    const shifted = new Date(`${date}T00:00:00Z`);
    shifted.setUTCDate(shifted.getUTCDate() + days);
    return shifted.toISOString().slice(0, 10);
  }
  return dateOf(day);
};

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** Every date from `from` to `to`, both included. */
export const dateRange = (from: string, to: string): string[] => {
  const count = daysBetween(from, to);
  return Array.from({ length: Math.max(0, count + 1) }, (_, index) => addDays(from, index));
};

/** The hour in ms. */
export const HOUR_MS = 3_600_000;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of a time zone from UTC at an instant, from Intl (slow: a few microseconds a call). */
const exactOffsetMs = (epochMs: number, timeZone: string): number => {
  let formatter = partsFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsFormatters.set(timeZone, formatter);
  }
  const part: Record<string, number> = {};
  for (const { type, value } of formatter.formatToParts(epochMs)) part[type] = Number(value);
  const wall = Date.UTC(
    part.year ?? 0,
    (part.month ?? 1) - 1,
    part.day ?? 1,
    part.hour ?? 0,
    part.minute ?? 0,
    part.second ?? 0,
  );
  return wall - (epochMs - (epochMs % 1000));
};

/** Offsets are cached per 15 minutes: time zones change offset at most once in such a span. */
const SPAN_MS = 15 * 60_000;
/** Spans whose offset changes inside them; their instants are looked up one by one. */
const CHANGES = Number.NaN;
/** Cached spans per zone before the cache starts over (a few years of a zone's instants). */
const MAX_CACHED_SPANS = 200_000;
const offsetCache = new Map<string, Map<number, number>>();

/** Offset of a time zone from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
export const zoneOffsetMs = (epochMs: number, timeZone: string): number => {
  let spans = offsetCache.get(timeZone);
  if (!spans) {
    spans = new Map();
    offsetCache.set(timeZone, spans);
  }
  const span = Math.floor(epochMs / SPAN_MS);
  let offset = spans.get(span);
  if (offset === undefined) {
    const first = exactOffsetMs(span * SPAN_MS, timeZone);
    const last = exactOffsetMs((span + 1) * SPAN_MS - 1000, timeZone);
    offset = first === last ? first : CHANGES;
    if (spans.size >= MAX_CACHED_SPANS) spans.clear();
    spans.set(span, offset);
  }
  return Number.isNaN(offset) ? exactOffsetMs(epochMs, timeZone) : offset;
};

/** The instant at which the wall clock of `timeZone` shows `date` plus `minuteOfDay` minutes. */
export const zonedTime = (date: string, minuteOfDay: number, timeZone: string): number => {
  const wall = dayOf(date) * DAY_MS + minuteOfDay * 60_000;
  const guess = wall - zoneOffsetMs(wall, timeZone);
  return wall - zoneOffsetMs(guess, timeZone);
};

/** The same wall-clock time `days` calendar days later in `timeZone`. */
export const addCalendarDays = (epochMs: number, days: number, timeZone: string): number => {
  const wallMs = epochMs + zoneOffsetMs(epochMs, timeZone);
  const minuteOfDay = Math.floor((((wallMs % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
  const wallRestMs = ((wallMs % 60_000) + 60_000) % 60_000;
  return zonedTime(addDays(localDate(epochMs, timeZone), days), minuteOfDay, timeZone) + wallRestMs;
};
