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

/** The calendar date (`YYYY-MM-DD`) of an instant in a time zone. */
export const localDate = (epochMs: number, timeZone: string): string =>
  dateFormatter(timeZone).format(epochMs);

/** Epoch ms of an RFC 3339 time with an offset. */
export const toEpochMs = (instant: string): number => Date.parse(instant);

/** Adds whole days to a date string. */
export const addDays = (date: string, days: number): string => {
  const shifted = new Date(`${date}T00:00:00Z`);
  shifted.setUTCDate(shifted.getUTCDate() + days);
  return shifted.toISOString().slice(0, 10);
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

/** Offset of a time zone from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
export const zoneOffsetMs = (epochMs: number, timeZone: string): number => {
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

/** The instant at which the wall clock of `timeZone` shows `date` plus `minuteOfDay` minutes. */
export const zonedTime = (date: string, minuteOfDay: number, timeZone: string): number => {
  const wall = Date.parse(`${date}T00:00:00Z`) + minuteOfDay * 60_000;
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
