import { describe, expect, it } from 'vitest';
import { type AreaRegistry, emptyAreaRegistry } from '#shared/domain/areas';
import { computeDailyIndicators, ratio } from '#shared/domain/indicators/compute';
import { deriveTicket } from '#shared/domain/tickets';
import type { HotlineRecord } from '#shared/schemas/ingest';

const zone = 'Asia/Shanghai';

type Spec = [type: HotlineRecord['type'], hour: string, extra?: Partial<HotlineRecord>];

const ticket = (ticketId: string, specs: Spec[]) =>
  deriveTicket(
    ticketId,
    specs.map(([type, at, extra], index) => ({
      eventId: `${ticketId}-${index}`,
      ticketId,
      type,
      occurredAt: `2026-03-${at}:00+08:00`,
      category: 'noise',
      ...extra,
    })),
    zone,
  );

const registry: AreaRegistry = { ...emptyAreaRegistry, streetParents: new Map([['s1', 'd1']]) };

/**
 * The day 2026-03-02, computed on 2026-03-05 00:00 +08:00. Hand-computed below each ticket:
 * received (R), closed (C), on time (OT: num/den), callback (CB), closure hours (H).
 */
const tickets = [
  // T1: street s1 → district d1 (registry parent). Closed 6 h after receipt, before its 1-day deadline. CB satisfied.
  ticket('T1', [
    ['received', '02T09:00', { street: 's1' }],
    ['closed', '02T15:00'],
    ['callback', '02T16:00', { satisfaction: 'satisfied' }],
  ]),
  // T2: district d1, major (2 days → 04T10:00), closed 04T12:00: late, 50 h. Latest callback neutral.
  ticket('T2', [
    ['received', '02T10:00', { district: 'd1', severity: 'major' }],
    ['closed', '04T12:00'],
    ['callback', '04T14:00', { satisfaction: 'neutral' }],
    ['callback', '04T13:00', { satisfaction: 'dissatisfied' }],
  ]),
  // T3: district d2, open, deadline 03T11:00 has passed: counts in the on-time denominator only.
  ticket('T3', [['received', '02T11:00', { district: 'd2' }]]),
  // T4: no area, difficult, open, deadline 05T23:00 not passed: in no on-time count. City only.
  ticket('T4', [['received', '02T23:00', { severity: 'difficult' }]]),
  // T5: received the day before: not in the cohort.
  ticket('T5', [
    ['received', '01T23:59', { district: 'd1' }],
    ['closed', '02T08:00'],
  ]),
  // T6: street s2 (unknown to the registry) with district d2. Closed, reopened, closed at 20:00: 12 h, on time.
  ticket('T6', [
    ['received', '02T08:00', { district: 'd2', street: 's2' }],
    ['closed', '02T12:00'],
    ['reopened', '02T13:00'],
    ['closed', '02T20:00'],
  ]),
  // T7: district d2, explicit deadline 02T09:00, closed 02T10:00: late, 3 h. CB satisfied.
  ticket('T7', [
    ['received', '02T07:00', { district: 'd2', deadlineAt: '2026-03-02T09:00:00+08:00' }],
    ['closed', '02T10:00'],
    ['callback', '02T11:00', { satisfaction: 'satisfied' }],
  ]),
];

const asOf = Date.parse('2026-03-05T00:00:00+08:00');

describe('computeDailyIndicators for hotline tickets', () => {
  const result = computeDailyIndicators(
    { date: '2026-03-02', tickets, cases: [] },
    { areas: registry, asOf },
  );

  it('publishes the city, each district and each street that has data, and nothing else', () => {
    expect([...result.keys()]).toEqual(['city', 'district:d1', 'district:d2', 'street:s1', 'street:s2']);
  });

  it.each([
    // area, received, closed, closure, on time, satisfaction, avg hours
    ['city', 6, 4, 4 / 6, 2 / 5, 2 / 3, (6 + 50 + 12 + 3) / 4],
    ['district:d1', 2, 2, 1, 1 / 2, 1 / 2, (6 + 50) / 2],
    ['district:d2', 3, 2, 2 / 3, 1 / 3, 1, (12 + 3) / 2],
    ['street:s1', 1, 1, 1, 1, 1, 6],
    ['street:s2', 1, 1, 1, 1, null, 12],
  ] as const)('computes %s by hand', (area, received, closed, closure, onTime, satisfaction, hours) => {
    expect(result.get(area)).toMatchObject({
      ticketsReceived: received,
      ticketsClosed: closed,
      ticketClosureRate: closure,
      ticketOnTimeClosureRate: onTime,
      ticketSatisfactionRate: satisfaction,
      avgTicketClosureHours: hours,
    });
  });

  it('counts a ticket whose latest callback carries no satisfaction as called back, not satisfied', () => {
    const unanswered = ticket('T8', [
      ['received', '02T09:00'],
      ['callback', '02T10:00', { satisfaction: 'satisfied' }],
      ['callback', '02T11:00'],
    ]);
    const day = computeDailyIndicators(
      { date: '2026-03-02', tickets: [unanswered], cases: [] },
      { areas: registry, asOf },
    );
    expect(day.get('city')?.ticketSatisfactionRate).toBe(0);
  });

  it('counts a deadline as passed only once asOf is beyond it', () => {
    const before = computeDailyIndicators(
      { date: '2026-03-02', tickets: [tickets[2] as (typeof tickets)[number]], cases: [] },
      { areas: registry, asOf: Date.parse('2026-03-03T11:00:00+08:00') },
    );
    const after = computeDailyIndicators(
      { date: '2026-03-02', tickets: [tickets[2] as (typeof tickets)[number]], cases: [] },
      { areas: registry, asOf: Date.parse('2026-03-03T11:00:01+08:00') },
    );
    expect(before.get('city')?.ticketOnTimeClosureRate).toBeNull();
    expect(after.get('city')?.ticketOnTimeClosureRate).toBe(0);
  });

  it('gives null rates, not zeros, where nothing is closed or called back', () => {
    const open = computeDailyIndicators(
      { date: '2026-03-02', tickets: [tickets[3] as (typeof tickets)[number]], cases: [] },
      { areas: registry, asOf },
    );
    expect(open.get('city')).toMatchObject({
      ticketsReceived: 1,
      ticketsClosed: 0,
      ticketClosureRate: 0,
      ticketOnTimeClosureRate: null,
      ticketSatisfactionRate: null,
      avgTicketClosureHours: null,
    });
  });

  it('places a street without a registered parent only by the district the record names', () => {
    const noRegistry = computeDailyIndicators(
      { date: '2026-03-02', tickets, cases: [] },
      { areas: emptyAreaRegistry, asOf },
    );
    expect(noRegistry.has('district:d1')).toBe(true);
    expect(noRegistry.get('district:d1')?.ticketsReceived).toBe(1);
    expect(noRegistry.get('street:s1')?.ticketsReceived).toBe(1);
  });

  it('computes nothing for a day without tickets', () => {
    expect(
      computeDailyIndicators({ date: '2026-03-09', tickets, cases: [] }, { areas: registry, asOf }).size,
    ).toBe(0);
  });
});

describe('ratio', () => {
  it.each([
    [1, 4, 0.25],
    [0, 3, 0],
    [0, 0, null],
    [2, 0, null],
  ])('%d / %d is %s', (numerator, denominator, expected) => {
    expect(ratio(numerator, denominator)).toBe(expected);
  });
});
