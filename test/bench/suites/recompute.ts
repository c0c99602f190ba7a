/**
 * Indicator recomputation time, in memory: `recomputeDay` (shared/app/recompute.ts) for one day whose
 * cohort log is already loaded, with in-memory stores: it folds the log to each entity's latest facts,
 * turns case facts into states under the calendar, computes the indicators of every area with the pure function, saves each area (in memory),
 * counts unknown area codes and publishes `indicators.updated` through the real publisher (details
 * validated and serialized; the EventBridge client mocked). DynamoDB reads and writes are not included
 * (test/bench/suites/units.ts measures those).
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgePublisher } from '#shared/adapters/event-publisher';
import type { StoredOpenOverdue } from '#shared/app/open-overdue';
import { type RecomputeDeps, recomputeDay } from '#shared/app/recompute';
import { buildAreaRegistry } from '#shared/domain/area-registry';
import { defaultCalendar } from '#shared/domain/calendar';
import { type CaseBasis, caseStateOf } from '#shared/domain/cases';
import type { EntityKind } from '#shared/domain/entity-events';
import { type EntityFacts, entityFacts, foldFacts } from '#shared/domain/entity-facts';
import { computeDailyIndicators } from '#shared/domain/indicators/compute';
import type { IndicatorItem } from '#shared/domain/indicators/item';
import type { Reference } from '#shared/domain/reference';
import type { TicketState } from '#shared/domain/tickets';
import type { AreaKey } from '#shared/schemas/common';
import {
  type CityPlatformRecord,
  cityPlatformEventSchema,
  type HotlineRecord,
  hotlineEventSchema,
} from '#shared/schemas/ingest';
import { type Figure, median, progress, runSuite } from '../figures.ts';
import {
  caseLifecycles,
  cityDayStart,
  districtPlacement,
  REFERENCE_DAY,
  referenceAreas,
  ticketLifecycles,
} from '../workload.ts';

const SUITE = 'recompute';
const DAY = '2026-03-02';
const ZONE = 'Asia/Shanghai';
const DISTRICT = 'd00';
const TARGET_MS = 100;

/** Entities' facts as the facts consumer derives them from their events (known fields only). */
const factsOf = <Event extends HotlineRecord | CityPlatformRecord>(
  kind: EntityKind,
  lifecycles: Record<string, unknown>[][],
  parse: (event: unknown) => Event,
  idOf: (event: Event) => string,
): EntityFacts[] =>
  lifecycles.map((events) => {
    const parsed = events.map(parse);
    const first = parsed[0];
    if (!first) throw new Error('a lifecycle without events');
    return entityFacts(kind, idOf(first), parsed, ZONE);
  });

/** In-memory repositories and a publisher whose EventBridge client answers success. */
const memoryDeps = (tickets: EntityFacts[], cases: EntityFacts[], reference: Reference): RecomputeDeps => {
  const stored = new Map<AreaKey, IndicatorItem>();
  const figures = new Map<string, StoredOpenOverdue>();
  const client = new EventBridgeClient({ region: 'us-east-1' });
  mockClient(client).on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  return {
    cohorts: {
      append: async () => undefined,
      // A read folds the day's log, as the DynamoDB store does.
      read: async <Kind extends EntityKind>(kind: Kind) =>
        [...foldFacts(kind === 'ticket' ? tickets : cases).values()] as Extract<
          EntityFacts,
          { kind: Kind }
        >[],
    },
    quality: { saveQuality: async () => undefined },
    // No open items: the day's cohort logs are all the entities (the figures are computed once, then read).
    openItems: { list: async () => [] },
    days: { listDays: async () => [] },
    openOverdue: {
      read: async (from, to) => new Map([...figures].filter(([day]) => day >= from && day <= to)),
      put: async (day) => {
        figures.set(day.day, day);
      },
    },
    sanitation: { legacyPoints: async () => [], listSummaries: async () => [], listCoverage: async () => [] },
    gps: { readHeads: async () => new Map(), readEntries: async () => [] },
    coverageUnions: { read: async () => undefined, write: async () => true },
    loadSanitation: async () => {
      throw new Error('no sanitation facts in this benchmark');
    },
    indicators: {
      save: async (date, area, timezone, indicators, computedAt) => {
        const item: IndicatorItem = {
          date,
          area,
          timezone,
          indicators,
          revision: (stored.get(area)?.revision ?? 0) + 1,
          computedAt,
        };
        stored.set(area, item);
        return { changed: true, item };
      },
      listDay: async () => [...stored.values()],
      remove: async (_date, areas) => [...areas],
      announced: async () => new Map(),
      markAnnounced: async () => undefined,
    },
    publisher: new EventBridgePublisher(client, 'cityhub-bench'),
    loadReference: async () => reference,
    timeZone: ZONE,
    // Two days later: most deadlines of the day have passed.
    now: () => cityDayStart(DAY) + 2 * 86_400_000,
  };
};

/**
 * Wall and CPU time (ms) of each of `runs` runs after `warmup` runs. The figures are CPU time: the work is
 * synchronous on one thread, so on an idle machine the two agree, and CPU time does not count the time
 * other processes hold the cores.
 */
const time = async (run: () => Promise<unknown>, warmup: number, runs: number) => {
  for (let n = 0; n < warmup; n += 1) await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let n = 0; n < runs; n += 1) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await run();
    wall.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu), wallRangeMs: [Math.min(...wall), Math.max(...wall)] };
};

const day = (ticketCount: number, caseCount: number, placement?: ReturnType<typeof districtPlacement>) => {
  const tickets = factsOf<HotlineRecord>(
    'ticket',
    ticketLifecycles(ticketCount, DAY, 11, placement),
    (event) => hotlineEventSchema.parse(event),
    (event) => event.ticketId,
  );
  const cases = factsOf<CityPlatformRecord>(
    'case',
    caseLifecycles(caseCount, DAY, 12, placement),
    (event) => cityPlatformEventSchema.parse(event),
    (event) => event.caseId,
  );
  return {
    tickets,
    cases,
    events: [...tickets, ...cases].reduce((n, facts) => n + facts.n, 0),
  };
};

runSuite(SUITE, async () => {
  const reference: Reference = { areas: buildAreaRegistry(referenceAreas()), calendar: defaultCalendar };

  progress(SUITE, `district-day: 10,000 tickets and 2,000 cases of district ${DISTRICT}`);
  const district = day(10_000, 2_000, districtPlacement(DISTRICT));
  const districtDeps = memoryDeps(district.tickets, district.cases, reference);
  let areas = 0;
  const whole = await time(
    async () => {
      areas = (await recomputeDay(DAY, districtDeps, reference)).areas;
    },
    3,
    15,
  );
  const asOf = districtDeps.now();
  const pure = await time(
    async () => {
      const tickets = district.tickets.map((facts) => facts.state as TicketState);
      const cases = district.cases.map((facts) =>
        caseStateOf(facts.state as CaseBasis, reference.calendar, ZONE),
      );
      computeDailyIndicators({ date: DAY, tickets, cases }, { areas: reference.areas, asOf });
    },
    3,
    15,
  );

  progress(
    SUITE,
    `reference city-day: ${REFERENCE_DAY.tickets.toLocaleString('en')} tickets and ${REFERENCE_DAY.cases.toLocaleString('en')} cases`,
  );
  const city = day(REFERENCE_DAY.tickets, REFERENCE_DAY.cases);
  const cityDeps = memoryDeps(city.tickets, city.cases, reference);
  let cityAreas = 0;
  const cityTime = await time(
    async () => {
      cityAreas = (await recomputeDay(DAY, cityDeps, reference)).areas;
    },
    1,
    5,
  );

  const figures: Figure[] = [
    {
      id: 'recompute.district-day',
      figure: 'recompute of a district-day (10,000 tickets, 2,000 cases)',
      value: whole.cpuMs,
      unit: 'ms',
      digits: 1,
      target: { op: '<=', value: TARGET_MS },
      how: `CPU time of recomputeDay with the cohort in memory (${district.events.toLocaleString('en')} events, ${areas} areas): fold, compute, save, quality, publish; median of 15 runs after 3 warm-up`,
      detail: {
        ...whole,
        events: district.events,
        areas,
        deriveAndComputeOnlyMs: pure.wallMs,
        deriveAndComputeOnlyCpuMs: pure.cpuMs,
      },
    },
    {
      id: 'recompute.city-day',
      figure: 'recompute of the reference city-day (60,000 tickets, 7,000 cases)',
      value: cityTime.cpuMs,
      unit: 'ms',
      digits: 0,
      how: `as above, city-wide (${city.events.toLocaleString('en')} events, ${cityAreas} areas); median of 5 runs after 1 warm-up`,
      detail: { ...cityTime, events: city.events, areas: cityAreas },
    },
  ];
  return { figures, data: { districtDay: whole, cityDay: cityTime, cityEvents: city.events } };
});
