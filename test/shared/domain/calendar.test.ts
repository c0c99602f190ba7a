import { describe, expect, it } from 'vitest';
import {
  addWorkingHours,
  defaultCalendar,
  isWorkingDay,
  type WorkingCalendar,
} from '#shared/domain/calendar';
import { dateRange } from '#shared/domain/time';

const zone = 'Asia/Shanghai';
const at = (local: string) => Date.parse(`${local}+08:00`);
const deadline = (filed: string, hours: number, calendar: WorkingCalendar = defaultCalendar) => {
  const result = addWorkingHours(at(filed), hours, calendar, zone);
  return result === undefined ? undefined : new Date(result + 8 * 3_600_000).toISOString().slice(0, 16);
};
const calendar = (holidays: string[], workdays: string[] = []): WorkingCalendar => ({
  holidays: new Set(holidays),
  workdays: new Set(workdays),
});

// 2026-03-02 is a Monday; 2026-03-06 a Friday; 2026-03-07 a Saturday.
describe('8 working hours after filing', () => {
  it.each([
    [
      'a Monday 08:00 filing ends exactly at the day’s last window edge, 18:00',
      '2026-03-02T08:00',
      '2026-03-02T18:00',
    ],
    ['a Monday 10:00 filing runs into Tuesday 10:00', '2026-03-02T10:00', '2026-03-03T10:00'],
    ['a filing at 12:00 sharp starts counting at 14:00', '2026-03-02T12:00', '2026-03-03T12:00'],
    ['a filing inside the lunch break starts counting at 14:00', '2026-03-02T12:30', '2026-03-03T12:00'],
    ['a filing at 18:00 starts the next morning', '2026-03-02T18:00', '2026-03-03T18:00'],
    ['a filing at night starts the next morning', '2026-03-02T22:15', '2026-03-03T18:00'],
    ['a filing before 08:00 starts at 08:00', '2026-03-02T06:00', '2026-03-02T18:00'],
    ['a Friday 17:00 filing skips the weekend', '2026-03-06T17:00', '2026-03-09T17:00'],
    ['a Saturday filing starts on Monday', '2026-03-07T10:00', '2026-03-09T18:00'],
  ])('%s', (_, filed, expected) => {
    expect(deadline(filed, 8)).toBe(expected);
  });

  it('skips a holiday Monday after a Friday 17:00 filing', () => {
    expect(deadline('2026-03-06T17:00', 8, calendar(['2026-03-09']))).toBe('2026-03-10T17:00');
  });

  it('counts a make-up working Saturday', () => {
    expect(deadline('2026-03-06T17:00', 8, calendar([], ['2026-03-07']))).toBe('2026-03-07T17:00');
  });

  it('lands on a window edge: 4 hours from 08:00 end at 12:00, not at 14:00', () => {
    expect(deadline('2026-03-02T08:00', 4)).toBe('2026-03-02T12:00');
  });

  it('crosses a week of holidays', () => {
    const week = ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07', '2026-10-08'];
    // Thursday 2026-10-01 to Thursday 10-08 are holidays; Friday 10-09 is the first working day.
    expect(deadline('2026-09-30T17:00', 8, calendar(week))).toBe('2026-10-09T17:00');
  });

  it('has no deadline when no working time exists at all', () => {
    const everyDay = dateRange('2026-03-02', '2036-12-31');
    expect(deadline('2026-03-02T09:00', 8, calendar(everyDay))).toBeUndefined();
  });
});

describe('isWorkingDay', () => {
  it.each([
    ['2026-03-02', defaultCalendar, true],
    ['2026-03-07', defaultCalendar, false],
    ['2026-03-08', calendar([], ['2026-03-08']), true],
    ['2026-03-03', calendar(['2026-03-03']), false],
    ['2026-03-08', calendar(['2026-03-08'], ['2026-03-08']), false],
  ] as const)('%s is a working day: %s', (date, given, expected) => {
    expect(isWorkingDay(date, given)).toBe(expected);
  });
});
