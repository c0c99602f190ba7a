import { addDays, HOUR_MS, localDate, zonedTime } from '#shared/domain/time';

/**
 * The city's working calendar (CONTRACT §3): Monday to Friday 08:00–12:00 and 14:00–18:00 city time,
 * except `holidays`, plus `workdays` (make-up working days that fall on a weekend).
 */
export interface WorkingCalendar {
  readonly holidays: ReadonlySet<string>;
  readonly workdays: ReadonlySet<string>;
}

export const defaultCalendar: WorkingCalendar = { holidays: new Set(), workdays: new Set() };

/** Working windows of a working day, in minutes after local midnight. */
export const workingWindows: readonly (readonly [start: number, end: number])[] = [
  [8 * 60, 12 * 60],
  [14 * 60, 18 * 60],
];

/** How far ahead a deadline is searched: a calendar with no working time for ten years has none. */
const MAX_SEARCH_DAYS = 3660;

/** True when `date` has working time: a listed make-up day, or a weekday that is not a holiday. */
export const isWorkingDay = (date: string, calendar: WorkingCalendar): boolean => {
  if (calendar.holidays.has(date)) return false;
  if (calendar.workdays.has(date)) return true;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday >= 1 && weekday <= 5;
};

/**
 * The instant `hours` of working time after `start`: time inside working windows counts, everything
 * else (nights, the lunch break, weekends, holidays) does not. A deadline that uses up its time exactly
 * at the end of a window is that window's end. Undefined when the calendar has no working time at all
 * in the next ten years.
 */
export const addWorkingHours = (
  start: number,
  hours: number,
  calendar: WorkingCalendar,
  timeZone: string,
): number | undefined => {
  let remaining = hours * HOUR_MS;
  let date = localDate(start, timeZone);
  for (let day = 0; day < MAX_SEARCH_DAYS; day += 1, date = addDays(date, 1)) {
    if (!isWorkingDay(date, calendar)) continue;
    for (const [open, close] of workingWindows) {
      const from = Math.max(start, zonedTime(date, open, timeZone));
      const until = zonedTime(date, close, timeZone);
      if (from >= until) continue;
      if (remaining <= until - from) return from + remaining;
      remaining -= until - from;
    }
  }
  return undefined;
};

/** Working time (ms) between two instants: the part of [from, to) inside working windows. */
export const workingMsBetween = (
  from: number,
  to: number,
  calendar: WorkingCalendar,
  timeZone: string,
): number => {
  if (to <= from) return 0;
  let total = 0;
  const last = localDate(to, timeZone);
  for (let date = localDate(from, timeZone); date <= last; date = addDays(date, 1)) {
    if (!isWorkingDay(date, calendar)) continue;
    for (const [open, close] of workingWindows) {
      const start = Math.max(from, zonedTime(date, open, timeZone));
      const end = Math.min(to, zonedTime(date, close, timeZone));
      if (end > start) total += end - start;
    }
  }
  return total;
};
