import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCalendarDays,
  addDays,
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

  it.each([
    ['2026-02-28', 1, '2026-03-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2026-01-01', -1, '2025-12-31'],
    ['2026-03-02', 0, '2026-03-02'],
    ['2026-03-02', 366, '2027-03-03'],
    ['9999-12-30', 1, '9999-12-31'],
  ])('adds days to %s: %i → %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it('counts and lists days', () => {
    expect(daysBetween('2026-02-27', '2026-03-02')).toBe(3);
    expect(dateRange('2026-02-27', '2026-03-01')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(dateRange('2026-03-02', '2026-03-01')).toEqual([]);
  });

  /** Offset and date straight from Intl, without any caching. */
  const partsIn = new Map<string, Intl.DateTimeFormat>();
  const datesIn = new Map<string, Intl.DateTimeFormat>();
  const intlOffset = (epochMs: number, timeZone: string) => {
    const formatter =
      partsIn.get(timeZone) ??
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    partsIn.set(timeZone, formatter);
    const part = (type: string) =>
      Number(formatter.formatToParts(epochMs).find((candidate) => candidate.type === type)?.value);
    const wall = Date.UTC(
      part('year'),
      part('month') - 1,
      part('day'),
      part('hour'),
      part('minute'),
      part('second'),
    );
    return wall - (epochMs - (epochMs % 1000));
  };
  const intlDate = (epochMs: number, timeZone: string) => {
    const formatter =
      datesIn.get(timeZone) ??
      new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    datesIn.set(timeZone, formatter);
    return formatter.format(epochMs);
  };

  it.each([
    // Daylight-saving changes by an hour, by 30 minutes (Lord Howe), and zones 45 minutes off the hour.
    ['America/New_York', '2026-03-08T07:00:00Z'],
    ['America/New_York', '2026-11-01T06:00:00Z'],
    ['Europe/Berlin', '2026-03-29T01:00:00Z'],
    ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
    ['Australia/Lord_Howe', '2026-10-03T15:30:00Z'],
    ['Asia/Kathmandu', '2026-06-01T00:00:00Z'],
  ])('agrees with Intl second by second around %s %s', (zone, instant) => {
    const at = Date.parse(instant);
    for (let epochMs = at - 20 * 60_000; epochMs <= at + 20 * 60_000; epochMs += 997) {
      expect(zoneOffsetMs(epochMs, zone), new Date(epochMs).toISOString()).toBe(intlOffset(epochMs, zone));
      expect(localDate(epochMs, zone), new Date(epochMs).toISOString()).toBe(intlDate(epochMs, zone));
    }
  });

  it('agrees with Intl at any instant of 2020–2035 in zones with and without daylight saving', () => {
    const zones = [
      'Asia/Shanghai',
      'America/New_York',
      'Europe/London',
      'Australia/Lord_Howe',
      'America/St_Johns',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2035-12-31T23:59:59Z') }),
        fc.constantFrom(...zones),
        (epochMs, zone) => {
          expect(zoneOffsetMs(epochMs, zone)).toBe(intlOffset(epochMs, zone));
          expect(localDate(epochMs, zone)).toBe(intlDate(epochMs, zone));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
