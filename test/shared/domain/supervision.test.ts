import { describe, expect, it } from 'vitest';
import {
  addWorkingHours,
  defaultCalendar,
  type WorkingCalendar,
  workingMsBetween,
} from '#shared/domain/calendar';
import type { CaseState } from '#shared/domain/cases';
import { caseStanding, ticketStanding } from '#shared/domain/supervision';
import type { TicketState } from '#shared/domain/tickets';

const zone = 'Asia/Shanghai';
const HOUR = 3_600_000;
/** City time (UTC+8). 2026-03-02 is a Monday. */
const at = (local: string) => Date.parse(`${local}+08:00`);
const calendar = (holidays: string[], workdays: string[] = []): WorkingCalendar => ({
  holidays: new Set(holidays),
  workdays: new Set(workdays),
});

const ticket = (overrides: Partial<TicketState> = {}): TicketState => ({
  ticketId: 't1',
  receivedAt: at('2026-03-02T09:00'),
  cohortDay: '2026-03-02',
  closed: false,
  closedAt: undefined,
  deadline: at('2026-03-03T09:00'),
  calledBack: false,
  satisfaction: undefined,
  category: 'noise',
  placement: {},
  ...overrides,
});

const filedAt = at('2026-03-02T10:00');
const kase = (overrides: Partial<CaseState> = {}, cal: WorkingCalendar = defaultCalendar): CaseState => ({
  caseId: 'c1',
  cohortDay: '2026-03-02',
  filedAt,
  dispatched: true,
  cancelled: false,
  suspended: false,
  due: true,
  closed: false,
  closedAt: undefined,
  reworked: false,
  deadline: addWorkingHours(filedAt, 8, cal, zone),
  placement: {},
  ...overrides,
});

describe('workingMsBetween', () => {
  it.each([
    ['inside one day, across the lunch break', '2026-03-02T10:00', '2026-03-02T16:00', defaultCalendar, 4],
    [
      'from Friday 17:00 over the weekend to Monday 09:00',
      '2026-03-06T17:00',
      '2026-03-09T09:00',
      defaultCalendar,
      2,
    ],
    ['over a holiday Tuesday', '2026-03-02T17:00', '2026-03-04T09:00', calendar(['2026-03-03']), 2],
    ['over a make-up Saturday', '2026-03-06T17:00', '2026-03-09T09:00', calendar([], ['2026-03-07']), 10],
    ['backwards', '2026-03-02T16:00', '2026-03-02T10:00', defaultCalendar, 0],
  ])('counts %s', (_, from, to, cal, hours) => {
    expect(workingMsBetween(at(from), at(to), cal, zone)).toBe(hours * HOUR);
  });
});

describe('ticketStanding (calendar time)', () => {
  it.each([
    ['2026-03-02T21:00', 0.5, 'green'],
    ['2026-03-03T02:59', 17.9833 / 24, 'green'],
    ['2026-03-03T03:00', 0.75, 'yellow'],
    ['2026-03-03T09:00', 1, 'yellow'],
    ['2026-03-03T09:30', 24.5 / 24, 'red'],
  ])('at %s has used %d of its day: %s', (now, share, light) => {
    const standing = ticketStanding(ticket(), at(now));
    expect(standing?.usedShare).toBeCloseTo(share, 4);
    expect(standing?.light).toBe(light);
    expect(standing?.yellowFrom).toBe(at('2026-03-03T03:00'));
    expect(standing?.redFrom).toBe(at('2026-03-03T09:00') + 1);
  });

  it('turns yellow at its category’s own threshold', () => {
    const thresholds = { yellowAt: 0.75, byCategory: { noise: 0.5 } };
    expect(ticketStanding(ticket(), at('2026-03-02T21:00'), thresholds)).toMatchObject({
      light: 'yellow',
      yellowFrom: at('2026-03-02T21:00'),
    });
    expect(ticketStanding(ticket({ category: 'garbage' }), at('2026-03-02T21:00'), thresholds)?.light).toBe(
      'green',
    );
  });

  it('has no standing once closed, or without a received time', () => {
    expect(ticketStanding(ticket({ closed: true }), at('2026-03-04T00:00'))).toBeUndefined();
    expect(ticketStanding(ticket({ receivedAt: undefined }), at('2026-03-04T00:00'))).toBeUndefined();
  });
});

describe('caseStanding (working time)', () => {
  // Filed Monday 10:00: 8 working hours run out Tuesday 10:00; 6 of them (75 %) at Monday 18:00.
  it.each([
    ['2026-03-02T16:00', 4 / 8, 'green'],
    ['2026-03-02T20:00', 6 / 8, 'yellow'],
    ['2026-03-03T09:00', 7 / 8, 'yellow'],
    ['2026-03-03T10:00', 1, 'yellow'],
    ['2026-03-03T11:00', 9 / 8, 'red'],
  ])('at %s has used %d of its working time: %s', (now, share, light) => {
    const standing = caseStanding(kase(), 'litter', at(now), defaultCalendar, zone);
    expect(standing?.deadline).toBe(at('2026-03-03T10:00'));
    expect(standing?.usedShare).toBeCloseTo(share, 10);
    expect(standing?.light).toBe(light);
    expect(standing?.yellowFrom).toBe(at('2026-03-02T18:00'));
  });

  it('stops the clock over a holiday and runs it on a make-up working day', () => {
    const holiday = calendar(['2026-03-03']);
    const overHoliday = caseStanding(kase({}, holiday), 'litter', at('2026-03-03T15:00'), holiday, zone);
    // The deadline moved to Wednesday 10:00; Tuesday adds no working time.
    expect(overHoliday).toMatchObject({
      deadline: at('2026-03-04T10:00'),
      usedShare: 6 / 8,
      light: 'yellow',
    });
    const friday = at('2026-03-06T17:00');
    const makeUp = calendar([], ['2026-03-07']);
    const onSaturday = caseStanding(
      kase({ filedAt: friday, deadline: addWorkingHours(friday, 8, makeUp, zone) }, makeUp),
      'litter',
      at('2026-03-07T12:00'),
      makeUp,
      zone,
    );
    // Friday 17–18 and Saturday 08–12: 5 of 8 hours; the deadline is Saturday 17:00.
    expect(onSaturday).toMatchObject({ deadline: at('2026-03-07T17:00'), usedShare: 5 / 8, light: 'green' });
  });

  it('shows a suspended case as paused, with its share as it stands', () => {
    expect(
      caseStanding(
        kase({ suspended: true, due: false }),
        'litter',
        at('2026-03-03T11:00'),
        defaultCalendar,
        zone,
      ),
    ).toMatchObject({ light: 'paused', usedShare: 9 / 8 });
  });

  it('measures a limit with no working time before its deadline in calendar time', () => {
    // An urgent case filed at 19:00 has until 21:00: no working time in between.
    const urgent = kase({ filedAt: at('2026-03-02T19:00'), deadline: at('2026-03-02T21:00') });
    expect(caseStanding(urgent, 'fire', at('2026-03-02T20:30'), defaultCalendar, zone)).toMatchObject({
      usedShare: 0.75,
      light: 'yellow',
      yellowFrom: at('2026-03-02T20:30'),
    });
    expect(caseStanding(urgent, 'fire', at('2026-03-02T21:01'), defaultCalendar, zone)?.light).toBe('red');
  });

  it('has no standing once closed or cancelled, or before it is filed', () => {
    const now = at('2026-03-03T11:00');
    expect(caseStanding(kase({ closed: true }), 'litter', now, defaultCalendar, zone)).toBeUndefined();
    expect(caseStanding(kase({ cancelled: true }), 'litter', now, defaultCalendar, zone)).toBeUndefined();
    expect(caseStanding(kase({ filedAt: undefined }), 'litter', now, defaultCalendar, zone)).toBeUndefined();
  });
});
