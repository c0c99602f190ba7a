import { describe, expect, it } from 'vitest';
import {
  addCalendarDays,
  dateRange,
  daysBetween,
  localDate,
  zonedTime,
  zoneOffsetMs,
} from '#shared/domain/time';

describe('city time', () => {
  it.each([
    ['2026-03-01T01:00:00+08:00', 'Asia/Shanghai', '2026-03-01'],
    ['2026-02-28T16:59:59Z', 'Asia/Shanghai', '2026-03-01'],
    ['2026-02-28T15:59:59Z', 'Asia/Shanghai', '2026-02-28'],
    ['2026-03-01T01:00:00+08:00', 'UTC', '2026-02-28'],
  ])('%s falls on the local day of %s: %s', (instant, zone, date) => {
    expect(localDate(Date.parse(instant), zone)).toBe(date);
  });

  it('finds the instant of a local wall-clock time', () => {
    expect(new Date(zonedTime('2026-03-01', 8 * 60, 'Asia/Shanghai')).toISOString()).toBe(
      '2026-03-01T00:00:00.000Z',
    );
    expect(zoneOffsetMs(Date.parse('2026-07-01T00:00:00Z'), 'Europe/Berlin')).toBe(2 * 3_600_000);
  });

  it('keeps the wall-clock time of a day that starts in winter time and ends in summer time', () => {
    // 2026-03-08 in New York: 00:00 is EST (−05:00), 10:00 is EDT (−04:00).
    const received = Date.parse('2026-03-08T10:00:00-04:00');
    expect(new Date(addCalendarDays(received, 1, 'America/New_York')).toISOString()).toBe(
      '2026-03-09T14:00:00.000Z',
    );
  });

  it('adds calendar days, keeping the wall-clock time across a daylight-saving change', () => {
    const before = Date.parse('2026-03-07T09:00:00-05:00');
    expect(new Date(addCalendarDays(before, 2, 'America/New_York')).toISOString()).toBe(
      '2026-03-09T13:00:00.000Z',
    );
    expect(addCalendarDays(Date.parse('2026-03-02T09:00:00+08:00'), 1, 'Asia/Shanghai')).toBe(
      Date.parse('2026-03-03T09:00:00+08:00'),
    );
  });

  it('counts and lists days', () => {
    expect(daysBetween('2026-02-27', '2026-03-02')).toBe(3);
    expect(dateRange('2026-02-27', '2026-03-01')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(dateRange('2026-03-02', '2026-03-01')).toEqual([]);
  });
});
