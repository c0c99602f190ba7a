import { describe, expect, it } from 'vitest';
import { emptyAreaRegistry } from '#shared/domain/areas';
import { defaultCalendar } from '#shared/domain/calendar';
import { caseFacts, type EntityFacts, ticketFacts } from '#shared/domain/entity-facts';
import { computeDailyIndicators } from '#shared/domain/indicators/compute';
import { countOpenOverdue, endOfDay } from '#shared/domain/indicators/open-overdue';
import type { Reference } from '#shared/domain/reference';
import { dateRange } from '#shared/domain/time';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';

const zone = 'Asia/Shanghai';
const reference: Reference = { areas: emptyAreaRegistry, calendar: defaultCalendar };

const ticket = (id: string, events: [HotlineRecord['type'], string, Partial<HotlineRecord>?][]) =>
  ticketFacts(
    id,
    events.map(([type, occurredAt, extra], n) => ({
      eventId: `${id}-${n}`,
      ticketId: id,
      type,
      occurredAt,
      category: 'noise',
      district: 'd1',
      ...extra,
    })),
    zone,
  );

const aCase = (id: string, events: [CityPlatformRecord['type'], string][]) =>
  caseFacts(
    id,
    events.map(([type, occurredAt], n) => ({
      eventId: `${id}-${n}`,
      caseId: id,
      type,
      occurredAt,
      category: 'road',
      district: 'd2',
    })),
    zone,
  );

/** Per day, the city's [tickets, cases] open and overdue at its end. */
const cityCounts = (facts: EntityFacts[], from: string, to: string, ref: Reference = reference) => {
  const counts = countOpenOverdue(facts, dateRange(from, to), ref, zone);
  return Object.fromEntries(
    [...counts].map(([day, perArea]) => {
      const city = perArea.get('city');
      return [day, city ? [city.tickets, city.cases] : [0, 0]];
    }),
  );
};

describe('open overdue items at the end of a day', () => {
  it('ends a day at the next local midnight', () => {
    expect(endOfDay('2026-03-02', zone)).toBe(Date.parse('2026-03-03T00:00:00+08:00'));
  });

  it('counts a ticket from the day its deadline passes until the day it is closed', () => {
    // Received 2 March 09:00, minor: due 3 March 09:00; closed 5 March 10:00.
    const facts = ticket('t1', [
      ['received', '2026-03-02T09:00:00+08:00'],
      ['closed', '2026-03-05T10:00:00+08:00'],
    ]);
    expect(cityCounts([facts], '2026-03-01', '2026-03-06')).toEqual({
      '2026-03-01': [0, 0],
      '2026-03-02': [0, 0],
      '2026-03-03': [1, 0],
      '2026-03-04': [1, 0],
      '2026-03-05': [0, 0],
      '2026-03-06': [0, 0],
    });
  });

  it('reads how each day ended, not the final state: a closed-then-reopened ticket counts only while open', () => {
    const facts = ticket('t2', [
      ['received', '2026-03-02T09:00:00+08:00'],
      ['closed', '2026-03-02T20:00:00+08:00'],
      ['reopened', '2026-03-04T08:00:00+08:00'],
      ['closed', '2026-03-06T12:00:00+08:00'],
    ]);
    expect(cityCounts([facts], '2026-03-02', '2026-03-06')).toEqual({
      '2026-03-02': [0, 0],
      // Closed at the end of the 3rd although past its deadline.
      '2026-03-03': [0, 0],
      '2026-03-04': [1, 0],
      '2026-03-05': [1, 0],
      '2026-03-06': [0, 0],
    });
  });

  it('takes the deadline as it stood at the end of each day', () => {
    // Due 3 March 09:00; an event of the 4th moves the deadline to the 10th.
    const facts = ticket('t3', [
      ['received', '2026-03-02T09:00:00+08:00', { deadlineAt: '2026-03-03T09:00:00+08:00' }],
      ['dispatched', '2026-03-04T09:00:00+08:00', { deadlineAt: '2026-03-10T09:00:00+08:00' }],
    ]);
    expect(cityCounts([facts], '2026-03-03', '2026-03-11')).toMatchObject({
      '2026-03-03': [1, 0],
      '2026-03-04': [0, 0],
      '2026-03-09': [0, 0],
      '2026-03-10': [1, 0],
      '2026-03-11': [1, 0],
    });
  });

  it('dates a case in working time, and leaves it out while suspended', () => {
    // Filed Friday 6 March 16:00: 2 h that day, 4 + 2 h on Monday: due Monday 9 March 16:00.
    const facts = aCase('c1', [
      ['reported', '2026-03-06T15:00:00+08:00'],
      ['filed', '2026-03-06T16:00:00+08:00'],
      ['suspended', '2026-03-10T10:00:00+08:00'],
      ['resumed', '2026-03-12T09:00:00+08:00'],
      ['closed', '2026-03-13T11:00:00+08:00'],
    ]);
    expect(cityCounts([facts], '2026-03-06', '2026-03-13')).toEqual({
      '2026-03-06': [0, 0],
      '2026-03-07': [0, 0],
      '2026-03-08': [0, 0],
      '2026-03-09': [0, 1],
      '2026-03-10': [0, 0],
      '2026-03-11': [0, 0],
      '2026-03-12': [0, 1],
      '2026-03-13': [0, 0],
    });
    // With Monday a holiday the deadline is Tuesday 16:00, by which time the case is suspended.
    const holiday: Reference = {
      ...reference,
      calendar: { holidays: new Set(['2026-03-09']), workdays: new Set() },
    };
    expect(cityCounts([facts], '2026-03-09', '2026-03-12', holiday)).toEqual({
      '2026-03-09': [0, 0],
      '2026-03-10': [0, 0],
      '2026-03-11': [0, 0],
      '2026-03-12': [0, 1],
    });
  });

  it('counts a case until the day it is cancelled, and never one that was not filed', () => {
    const cancelled = aCase('c2', [
      ['filed', '2026-03-02T09:00:00+08:00'],
      ['cancelled', '2026-03-05T09:00:00+08:00'],
    ]);
    const reported = aCase('c3', [['reported', '2026-03-02T09:00:00+08:00']]);
    // Filed Monday 09:00: 3 h to noon, 4 h in the afternoon, the last hour Tuesday: due 3 March 09:00.
    expect(cityCounts([cancelled, reported], '2026-03-02', '2026-03-05')).toEqual({
      '2026-03-02': [0, 0],
      '2026-03-03': [0, 1],
      '2026-03-04': [0, 1],
      '2026-03-05': [0, 0],
    });
  });

  it('counts in the city and the district, and becomes the day figures of those areas', () => {
    const tickets = [
      ticket('t4', [['received', '2026-03-01T09:00:00+08:00']]),
      ticket('t5', [['received', '2026-03-01T10:00:00+08:00']]),
      ticket('t6', [['received', '2026-03-03T10:00:00+08:00']]),
    ];
    const cases = [aCase('c4', [['filed', '2026-03-02T09:00:00+08:00']])];
    const day = countOpenOverdue([...tickets, ...cases], ['2026-03-03'], reference, zone).get('2026-03-03');
    expect(Object.fromEntries(day ?? [])).toEqual({
      city: { tickets: 2, cases: 1 },
      'district:d1': { tickets: 2, cases: 0 },
      'district:d2': { tickets: 0, cases: 1 },
    });
    // A day with no record of its own still has its end-of-day figures; others are null until it ends.
    const values = computeDailyIndicators(
      { date: '2026-03-03', tickets: [], cases: [], openOverdue: day },
      { areas: reference.areas, asOf: Date.parse('2026-03-04T01:00:00+08:00') },
    );
    expect([...values].map(([area, v]) => [area, v.openOverdueTickets, v.openOverdueCases])).toEqual([
      ['city', 2, 1],
      ['district:d1', 2, 0],
      ['district:d2', 0, 1],
    ]);
    const today = computeDailyIndicators(
      { date: '2026-03-03', tickets: [tickets[2]?.state].flatMap((s) => (s ? [s] : [])), cases: [] },
      { areas: reference.areas, asOf: Date.parse('2026-03-03T12:00:00+08:00') },
    );
    expect(today.get('city')).toMatchObject({
      ticketsReceived: 1,
      openOverdueTickets: null,
      openOverdueCases: null,
    });
  });

  it('reads facts stored before the ends were kept by their final state from their last day', () => {
    const { ends: _ends, ...old } = ticket('t7', [['received', '2026-03-01T09:00:00+08:00']]);
    expect(cityCounts([old as EntityFacts], '2026-03-01', '2026-03-03')).toEqual({
      '2026-03-01': [0, 0],
      '2026-03-02': [1, 0],
      '2026-03-03': [1, 0],
    });
  });
});
