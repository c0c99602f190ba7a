import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAreaRegistry } from '#shared/domain/area-registry';
import { defaultCalendar, type WorkingCalendar } from '#shared/domain/calendar';
import { caseStateOf, deriveCase } from '#shared/domain/cases';
import {
  type CaseFacts,
  caseFacts,
  cohortMembers,
  foldFacts,
  sameFacts,
  type TicketFacts,
  ticketFacts,
} from '#shared/domain/entity-facts';
import { computeDailyIndicators } from '#shared/domain/indicators/compute';
import { deriveTicket } from '#shared/domain/tickets';
import { entityFactsSchema } from '#shared/events/facts-changed';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';
import { testAreas } from '../../support/demo-areas.ts';

const zone = 'Asia/Shanghai';

const ticketEvent = (
  n: number,
  type: HotlineRecord['type'],
  occurredAt: string,
  extra: Partial<HotlineRecord> = {},
): HotlineRecord => ({
  eventId: `t1-${n}`,
  ticketId: 't1',
  type,
  occurredAt,
  category: 'noise',
  ...extra,
});

describe('ticket facts', () => {
  it('holds the derived state, the days of every event, how each day ended and the codes of every event', () => {
    const events = [
      ticketEvent(1, 'received', '2026-03-02T23:30:00+08:00', { district: 'd1', street: 's1' }),
      ticketEvent(2, 'dispatched', '2026-03-03T08:00:00+08:00', { district: 'd1', street: 's1' }),
      ticketEvent(3, 'received', '2026-03-03T00:10:00+08:00', { district: 'd9' }),
      ticketEvent(4, 'closed', '2026-03-03T12:00:00+08:00'),
    ];
    const facts = ticketFacts('t1', events, zone);
    expect(facts).toEqual({
      kind: 'ticket',
      id: 't1',
      n: 4,
      days: ['2026-03-02', '2026-03-03'],
      // Open at the end of 2 March, its deadline as the final state says (empty); closed on the 3rd.
      ends: [{ day: '2026-03-02', open: {} }, { day: '2026-03-03' }],
      codes: [
        { district: 'd1', street: 's1', count: 2 },
        { district: 'd9', count: 1 },
      ],
      state: deriveTicket('t1', events, zone),
    });
    expect(facts.state.cohortDay).toBe('2026-03-02');
  });

  it('has no cohort and is not open before a receipt is known', () => {
    const facts = ticketFacts('t1', [ticketEvent(1, 'closed', '2026-03-03T12:00:00+08:00')], zone);
    expect(facts.days).toEqual(['2026-03-03']);
    expect(facts.ends).toEqual([{ day: '2026-03-03' }]);
    expect(facts.state.cohortDay).toBeUndefined();
    expect(facts.codes).toEqual([]);
  });
});

describe('case facts', () => {
  const events: CityPlatformRecord[] = [
    {
      eventId: 'k-1',
      caseId: 'k',
      type: 'reported',
      occurredAt: '2026-03-06T17:00:00+08:00',
      category: 'road',
    },
    { eventId: 'k-2', caseId: 'k', type: 'filed', occurredAt: '2026-03-06T17:30:00+08:00', category: 'road' },
    {
      eventId: 'k-3',
      caseId: 'k',
      type: 'closed',
      occurredAt: '2026-03-09T09:00:00+08:00',
      category: 'road',
    },
  ];

  it('reaches the day of every event, since any of them can be the earliest one seen', () => {
    expect(caseFacts('k', events, zone).days).toEqual(['2026-03-06', '2026-03-09']);
  });

  it('leaves the deadline to the calendar: the same facts give each calendar its own deadline', () => {
    const facts = caseFacts('k', events, zone);
    // Filed Friday 17:30: half an hour that day, then 4 + 3.5 working hours on Monday the 9th → 17:30.
    const holidayMonday: WorkingCalendar = { holidays: new Set(['2026-03-09']), workdays: new Set() };
    for (const calendar of [defaultCalendar, holidayMonday]) {
      expect(caseStateOf(facts.state, calendar, zone)).toEqual(deriveCase('k', events, calendar, zone));
    }
    expect(caseStateOf(facts.state, defaultCalendar, zone).deadline).toBe(
      Date.parse('2026-03-09T17:30:00+08:00'),
    );
    expect(caseStateOf(facts.state, holidayMonday, zone).deadline).toBe(
      Date.parse('2026-03-10T17:30:00+08:00'),
    );
  });
});

describe('folding a cohort log', () => {
  const derivation = (n: number, receivedDay: string): TicketFacts =>
    ticketFacts(
      't1',
      [
        ticketEvent(0, 'received', `${receivedDay}T09:00:00+08:00`),
        ...Array.from({ length: n - 1 }, (_, index) =>
          ticketEvent(index + 1, 'dispatched', '2026-03-04T10:00:00+08:00'),
        ),
      ],
      zone,
    );

  it('keeps the derivation from the most events, in any order and with repeats', () => {
    const records = [derivation(1, '2026-03-02'), derivation(3, '2026-03-01'), derivation(2, '2026-03-02')];
    for (const order of [records, [...records].reverse(), [records[2], records[0], records[1], records[0]]]) {
      const folded = foldFacts(order as TicketFacts[]);
      expect([...folded.values()]).toEqual([records[1]]);
      expect(cohortMembers(folded.values(), '2026-03-02')).toEqual([]);
      expect(cohortMembers(folded.values(), '2026-03-01')).toEqual([records[1]]);
    }
  });

  it('lists a cohort by id whatever order the log holds', () => {
    const of = (id: string) => ({ ...derivation(1, '2026-03-02'), id });
    expect(cohortMembers([of('b'), of('c'), of('a')], '2026-03-02').map((facts) => facts.id)).toEqual([
      'a',
      'b',
      'c',
    ]);
  });
});

/** Random lifecycles of tickets and cases over a few days, with placements the demo areas know or not. */
const lifecycleArbitrary = fc.record({
  tickets: fc.array(
    fc.array(
      fc.record({
        type: fc.constantFrom('received', 'dispatched', 'replied', 'closed', 'reopened', 'callback'),
        hour: fc.integer({ min: 0, max: 96 }),
        severity: fc.option(fc.constantFrom('minor', 'major', 'difficult'), { nil: undefined }),
        satisfaction: fc.option(fc.constantFrom('satisfied', 'neutral', 'dissatisfied'), { nil: undefined }),
        district: fc.option(fc.constantFrom('west', 'east', 'atlantis'), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    { maxLength: 12 },
  ),
  cases: fc.array(
    fc.array(
      fc.record({
        type: fc.constantFrom(
          'reported',
          'filed',
          'dispatched',
          'handled',
          'rework',
          'closed',
          'suspended',
          'resumed',
          'cancelled',
        ),
        hour: fc.integer({ min: 0, max: 96 }),
        urgent: fc.option(fc.boolean(), { nil: undefined }),
        district: fc.option(fc.constantFrom('west', 'east', 'nowhere'), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 7 },
    ),
    { maxLength: 8 },
  ),
});

const at = (hour: number) =>
  new Date(Date.parse('2026-03-01T00:00:00+08:00') + hour * 3_600_000).toISOString();

describe('indicators from the cohort logs equal indicators from the events', () => {
  const areas = buildAreaRegistry(testAreas);
  const calendar: WorkingCalendar = { holidays: new Set(['2026-03-03']), workdays: new Set(['2026-03-01']) };

  it('gives the same numbers, to the last digit, for any lifecycles and days', () => {
    fc.assert(
      fc.property(lifecycleArbitrary, ({ tickets, cases }) => {
        const ticketEvents = tickets.map((specs, t) =>
          specs.map(
            (spec, n): HotlineRecord => ({
              eventId: `t${t}-${n}`,
              ticketId: `t${t}`,
              type: spec.type,
              occurredAt: at(spec.hour),
              category: 'noise',
              ...(spec.severity ? { severity: spec.severity } : {}),
              ...(spec.satisfaction ? { satisfaction: spec.satisfaction } : {}),
              ...(spec.district ? { district: spec.district } : {}),
            }),
          ),
        );
        const caseEvents = cases.map((specs, k) =>
          specs.map(
            (spec, n): CityPlatformRecord => ({
              eventId: `k${k}-${n}`,
              caseId: `k${k}`,
              type: spec.type,
              occurredAt: at(spec.hour),
              category: 'road',
              ...(spec.urgent === undefined ? {} : { urgent: spec.urgent }),
              ...(spec.district ? { district: spec.district } : {}),
            }),
          ),
        );
        // Events arrive one by one in the generated order; after each, the facts of the events so far
        // join the logs of the days they reach, as the facts consumer and the recompute do.
        const logs = new Map<string, (TicketFacts | CaseFacts)[]>();
        const log = (facts: TicketFacts | CaseFacts) => {
          for (const day of facts.days)
            logs.set(`${facts.kind}#${day}`, [...(logs.get(`${facts.kind}#${day}`) ?? []), facts]);
        };
        for (const [t, events] of ticketEvents.entries())
          for (let seen = 1; seen <= events.length; seen += 1)
            log(ticketFacts(`t${t}`, events.slice(0, seen), zone));
        for (const [k, events] of caseEvents.entries())
          for (let seen = 1; seen <= events.length; seen += 1)
            log(caseFacts(`k${k}`, events.slice(0, seen), zone));
        const asOf = Date.parse('2026-03-04T12:00:00+08:00');
        for (const date of ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05']) {
          const exact = computeDailyIndicators(
            {
              date,
              // In id order, as the recompute lists a cohort.
              tickets: ticketEvents
                .map((events, t) => deriveTicket(`t${t}`, events, zone))
                .sort((a, b) => (a.ticketId < b.ticketId ? -1 : 1)),
              cases: caseEvents
                .map((events, k) => deriveCase(`k${k}`, events, calendar, zone))
                .sort((a, b) => (a.caseId < b.caseId ? -1 : 1)),
            },
            { areas, asOf },
          );
          const fromFacts = computeDailyIndicators(
            {
              date,
              tickets: cohortMembers(
                foldFacts((logs.get(`ticket#${date}`) ?? []) as TicketFacts[]).values(),
                date,
              ).map((facts) => facts.state),
              cases: cohortMembers(
                foldFacts((logs.get(`case#${date}`) ?? []) as CaseFacts[]).values(),
                date,
              ).map((facts) => caseStateOf(facts.state, calendar, zone)),
            },
            { areas, asOf },
          );
          expect(fromFacts).toEqual(exact);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('sameFacts', () => {
  const events = [
    ticketEvent(1, 'received', '2026-03-02T09:00:00+08:00', {
      district: 'd1',
      location: { lat: 39.9, lon: 116.4 },
    }),
    ticketEvent(2, 'closed', '2026-03-02T12:00:00+08:00'),
  ];
  const facts = ticketFacts('t1', events, zone);

  it('holds facts equal after JSON, the bus schema and another key order', () => {
    const viaJson = JSON.parse(JSON.stringify(facts)) as TicketFacts;
    const viaBus = entityFactsSchema.parse(viaJson) as TicketFacts;
    const reordered = {
      state: viaJson.state,
      codes: viaJson.codes,
      ends: viaJson.ends,
      days: viaJson.days,
      n: 2,
      id: 't1',
      kind: 'ticket',
    };
    for (const other of [viaJson, viaBus, reordered as TicketFacts])
      expect(sameFacts(facts, other)).toBe(true);
    const aCase = caseFacts(
      'k',
      [
        {
          eventId: 'k-1',
          caseId: 'k',
          type: 'reported',
          occurredAt: '2026-03-06T17:00:00+08:00',
          category: 'road',
          district: 'd1',
        },
        {
          eventId: 'k-2',
          caseId: 'k',
          type: 'filed',
          occurredAt: '2026-03-06T17:30:00+08:00',
          category: 'road',
          urgent: true,
        },
      ],
      zone,
    );
    expect(sameFacts(aCase, entityFactsSchema.parse(JSON.parse(JSON.stringify(aCase))) as CaseFacts)).toBe(
      true,
    );
  });

  it.each([
    ['another event count', { ...facts, n: 3 }],
    ['another state', { ...facts, state: { ...facts.state, closed: false } }],
    ['another placement', { ...facts, state: { ...facts.state, placement: { district: 'd2' } } }],
    ['other days', { ...facts, days: ['2026-03-01', '2026-03-02'] }],
  ])('tells facts with %s apart', (_, other) => {
    expect(sameFacts(facts, other as TicketFacts)).toBe(false);
  });
});
