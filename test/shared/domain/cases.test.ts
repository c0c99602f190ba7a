import { describe, expect, it } from 'vitest';
import { type AreaRegistry, emptyAreaRegistry } from '#shared/domain/areas';
import { defaultCalendar, type WorkingCalendar } from '#shared/domain/calendar';
import { deriveCase } from '#shared/domain/cases';
import { computeDailyIndicators } from '#shared/domain/indicators/compute';
import type { CityPlatformRecord } from '#shared/schemas/ingest';

const zone = 'Asia/Shanghai';
type Spec = [type: CityPlatformRecord['type'], at: string, extra?: Partial<CityPlatformRecord>];

const makeCase = (caseId: string, specs: Spec[], calendar: WorkingCalendar = defaultCalendar) =>
  deriveCase(
    caseId,
    specs.map(([type, at, extra], index) => ({
      eventId: `${caseId}-${index}`,
      caseId,
      type,
      occurredAt: `2026-03-${at}:00+08:00`,
      category: 'road',
      ...extra,
    })),
    calendar,
    zone,
  );
const ms = (local: string) => Date.parse(`2026-03-${local}:00+08:00`);

// 2026-03-02 is a Monday.
const specs: Record<string, Spec[]> = {
  // Filed 09:30: 2.5 + 4 working hours that day, 1.5 the next → deadline 03T09:30. Closed 02T15:00: on time.
  K1: [
    ['reported', '02T09:00', { street: 's1' }],
    ['filed', '02T09:30'],
    ['dispatched', '02T10:00'],
    ['closed', '02T15:00'],
  ],
  // Deadline 03T10:30; rework then closed 03T17:00: closed, reworked, late.
  K2: [
    ['reported', '02T10:00', { district: 'd1' }],
    ['filed', '02T10:30'],
    ['rework', '03T09:00'],
    ['closed', '03T17:00'],
  ],
  // Suspended (挂账): filed but not due.
  K3: [
    ['reported', '02T11:00', { district: 'd2' }],
    ['filed', '02T11:10'],
    ['dispatched', '02T11:20'],
    ['suspended', '02T12:00'],
  ],
  // Filed in the lunch break: counting starts 14:00 → deadline 03T12:00. Closed, then rework: not closed, past deadline.
  K4: [
    ['reported', '02T12:00', { district: 'd2' }],
    ['filed', '02T13:00'],
    ['dispatched', '02T14:00'],
    ['closed', '03T11:00'],
    ['rework', '03T13:00'],
  ],
  // Reported only, no area.
  K5: [['reported', '02T14:00']],
  // Filed then cancelled: not due.
  K6: [
    ['reported', '02T15:00', { district: 'd2' }],
    ['filed', '02T15:00'],
    ['cancelled', '02T16:00'],
  ],
  // Urgent without deadline: filed 16:00 + 2 continuous hours = 18:00; closed 17:30: on time.
  K7: [
    ['reported', '02T16:00', { district: 'd1', urgent: true }],
    ['filed', '02T16:00'],
    ['dispatched', '02T16:10'],
    ['closed', '02T17:30'],
  ],
  // Deadline 03T17:00 extended to 06T18:00; suspended then resumed (due); closed 05T10:00: on time.
  K8: [
    ['reported', '02T17:00', { district: 'd1' }],
    ['filed', '02T17:00'],
    ['suspended', '02T17:30'],
    ['resumed', '03T09:00'],
    ['extended', '03T10:00', { deadlineAt: '2026-03-06T18:00:00+08:00' }],
    ['closed', '05T10:00'],
  ],
  // Reported the day before: not in the cohort.
  K9: [
    ['reported', '01T23:00', { district: 'd1' }],
    ['filed', '02T08:00'],
  ],
};

const registry: AreaRegistry = { ...emptyAreaRegistry, streetParents: new Map([['s1', 'd1']]) };
const cases = Object.entries(specs).map(([id, events]) => makeCase(id, events));
const asOf = ms('10T00:00');

describe('deriveCase', () => {
  it.each([
    ['K1', '03T09:30'],
    ['K2', '03T10:30'],
    ['K4', '03T12:00'],
    ['K7', '02T18:00'],
    ['K8', '06T18:00'],
  ])('gives %s the deadline %s', (id, deadline) => {
    expect(cases.find((state) => state.caseId === id)?.deadline).toBe(ms(deadline));
  });

  it('derives suspension, cancellation, closure and rework by the latest-of rules', () => {
    const state = (id: string) => cases.find((c) => c.caseId === id);
    expect(state('K3')).toMatchObject({ suspended: true, due: false });
    expect(state('K6')).toMatchObject({ cancelled: true, due: false });
    expect(state('K8')).toMatchObject({ suspended: false, due: true, closed: true });
    expect(state('K4')).toMatchObject({ closed: false, reworked: true, due: true });
    expect(state('K2')).toMatchObject({ closed: true, closedAt: ms('03T17:00'), reworked: true });
    expect(state('K5')).toMatchObject({ filedAt: undefined, due: false, deadline: undefined });
  });

  it('belongs to the local day of its earliest event, whatever the order', () => {
    const reversed = deriveCase(
      'K9',
      [...(specs.K9 ?? [])].reverse().map(([type, at, extra], index) => ({
        eventId: `r${index}`,
        caseId: 'K9',
        type,
        occurredAt: `2026-03-${at}:00+08:00`,
        category: 'road',
        ...extra,
      })),
      defaultCalendar,
      zone,
    );
    expect(reversed.cohortDay).toBe('2026-03-01');
  });
});

describe('computeDailyIndicators for city-platform cases', () => {
  const result = computeDailyIndicators(
    { date: '2026-03-02', tickets: [], cases },
    { areas: registry, asOf },
  );

  it.each([
    // area, reported, filed, filing, dispatch, closed, closure, rework, on time
    ['city', 8, 7, 7 / 8, 4 / 7, 4, 4 / 5, 2 / 5, 3 / 5],
    ['district:d1', 4, 4, 1, 2 / 4, 4, 1, 1 / 4, 3 / 4],
    ['street:s1', 1, 1, 1, 1, 1, 1, 0, 1],
    ['district:d2', 3, 3, 1, 2 / 3, 0, 0, 1, 0],
  ] as const)(
    'computes %s by hand',
    (area, reported, filed, filing, dispatch, closed, closure, rework, onTime) => {
      expect(result.get(area)).toMatchObject({
        casesReported: reported,
        casesFiled: filed,
        caseFilingRate: filing,
        caseDispatchRate: dispatch,
        casesClosed: closed,
        caseClosureRate: closure,
        caseReworkRate: rework,
        caseOnTimeClosureRate: onTime,
      });
    },
  );

  it('publishes only areas with data and counts no tickets', () => {
    expect([...result.keys()]).toEqual(['city', 'district:d1', 'district:d2', 'street:s1']);
    expect(result.get('city')).toMatchObject({ ticketsReceived: 0, ticketClosureRate: null });
  });

  it('gives null case rates to an area that has only reported cases', () => {
    const only = computeDailyIndicators(
      { date: '2026-03-02', tickets: [], cases: [makeCase('K5', specs.K5 ?? [])] },
      { areas: registry, asOf },
    );
    expect(only.get('city')).toMatchObject({
      casesReported: 1,
      casesFiled: 0,
      caseFilingRate: 0,
      caseDispatchRate: null,
      caseClosureRate: null,
      caseReworkRate: null,
      caseOnTimeClosureRate: null,
    });
  });
});

describe('on time by the working calendar', () => {
  const holidayMonday: WorkingCalendar = { holidays: new Set(['2026-03-09']), workdays: new Set() };
  const makeUpSaturday: WorkingCalendar = { holidays: new Set(), workdays: new Set(['2026-03-07']) };
  // Filed Friday 2026-03-06 17:00: 1 working hour on Friday, 7 more on the next working day.
  const filedFriday = (closed: string, calendar: WorkingCalendar) =>
    makeCase(
      'F',
      [
        ['filed', '06T17:00'],
        ['closed', closed],
      ],
      calendar,
    );
  const onTime = (closed: string, calendar: WorkingCalendar) =>
    computeDailyIndicators(
      { date: '2026-03-06', tickets: [], cases: [filedFriday(closed, calendar)] },
      { areas: registry, asOf },
    ).get('city')?.caseOnTimeClosureRate;

  it('turns a Monday 17:30 closure from late to on time when Monday is a holiday', () => {
    expect(onTime('09T17:30', defaultCalendar)).toBe(0);
    expect(onTime('09T17:30', holidayMonday)).toBe(1);
  });

  it('turns a Monday 09:00 closure from on time to late when Saturday is a make-up working day', () => {
    expect(onTime('09T09:00', defaultCalendar)).toBe(1);
    expect(onTime('09T09:00', makeUpSaturday)).toBe(0);
  });
});
