import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTrackMessages } from '#shared/app/coverage';
import { sanitationReferenceLoader } from '#shared/app/load-reference';
import { indexOpenItems } from '#shared/app/open-items';
import { appendFacts, recomputeDay } from '#shared/app/recompute';
import { queueNightlyRecompute, recomputeRequestedDays } from '#shared/app/recompute-requests';
import {
  IN_FLIGHT_MS,
  type ReconcileOutcome,
  reconcileDay,
  reportReconciliation,
} from '#shared/app/reconcile';
import { recordEntityEvent } from '#shared/app/record-entity-event';
import { type EntityFacts, sameFacts, type TicketFacts } from '#shared/domain/entity-facts';
import type { IndicatorValues } from '#shared/domain/indicators/catalogue';
import { shardOf } from '#shared/domain/sanitation/shards';
import { recordAcceptedEvents } from '#shared/events/record-accepted';
import type { AreaKey } from '#shared/schemas/common';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';
import { asRecordPoints, drive, type MetricPoint, testRoads } from '../../support/metric-city.ts';
import { RecordingPublisher } from '../../support/recording-publisher.ts';
import { createTestTables, pipelineDeps } from '../../support/tables.ts';

let db: Awaited<ReturnType<typeof createTestTables>>;
const publisher = new RecordingPublisher();
let clock = Date.parse('2026-03-05T20:00:00+08:00');
const deps = () => pipelineDeps(db, publisher, () => clock);

beforeAll(async () => {
  db = await createTestTables();
});
afterAll(async () => db.drop());

/** Stores a ticket event as the facts consumer does and adds its facts to the logs and the index as the recompute does. */
const ticket = async (
  ticketId: string,
  type: HotlineRecord['type'],
  occurredAt: string,
  extra: Partial<HotlineRecord> = {},
): Promise<EntityFacts> => {
  const facts = await recordEntityEvent(
    {
      source: 'hotline',
      acceptedAt: '2026-03-02T00:00:00Z',
      record: { eventId: `${ticketId}-${type}`, ticketId, type, occurredAt, category: 'noise', ...extra },
    },
    deps(),
  );
  await appendFacts([facts], deps());
  await indexOpenItems([facts], deps());
  return facts;
};

/** Stores a case event as the facts consumer does; its facts go to the logs and the index only when `append`. */
const caseEvent = async (
  caseId: string,
  type: CityPlatformRecord['type'],
  occurredAt: string,
  append = true,
): Promise<EntityFacts> => {
  const facts = await recordEntityEvent(
    {
      source: 'city-platform',
      acceptedAt: '2026-03-02T00:00:00Z',
      record: { eventId: `${caseId}-${type}`, caseId, type, occurredAt, category: 'road', district: 'd1' },
    },
    deps(),
  );
  if (append) {
    await appendFacts([facts], deps());
    await indexOpenItems([facts], deps());
  }
  return facts;
};

/** The published values of a day, by area. */
const publishedIn = async (
  tables: Awaited<ReturnType<typeof createTestTables>>,
  date: string,
): Promise<Map<AreaKey, IndicatorValues>> =>
  new Map((await tables.indicators.listDay(date)).map((item) => [item.area, item.indicators]));
const published = (date: string) => publishedIn(db, date);
const revisions = async (date: string) =>
  (await db.indicators.listDay(date)).map((item) => [item.area, item.revision]);

/** Overwrites one stored value, leaving the item's digest as it was (as a faulty write might). */
const corruptItem = (date: string, area: AreaKey, indicator: keyof IndicatorValues, value: number) =>
  db.documents.send(
    new UpdateCommand({
      TableName: db.names.indicators,
      Key: { area, date },
      UpdateExpression: 'SET indicators.#name = :value',
      ExpressionAttributeNames: { '#name': indicator },
      ExpressionAttributeValues: { ':value': value },
    }),
  );

describe('reconciling a day whose cohort log holds a wrong entry', () => {
  const day = '2026-03-02';
  let clean: Map<AreaKey, IndicatorValues>;
  let wrong: Map<AreaKey, IndicatorValues>;
  let t2: TicketFacts;
  let outcome: ReconcileOutcome;

  beforeAll(async () => {
    await ticket('t1', 'received', '2026-03-02T09:00:00+08:00', { district: 'd1' });
    await ticket('t1', 'closed', '2026-03-02T15:00:00+08:00');
    t2 = (await ticket('t2', 'received', '2026-03-02T10:00:00+08:00', { district: 'd1' })) as TicketFacts;
    await ticket('t3', 'received', '2026-03-02T11:00:00+08:00', { district: 'd2' });
    await ticket('t3', 'closed', '2026-03-02T13:00:00+08:00');
    await caseEvent('c1', 'reported', '2026-03-02T09:30:00+08:00');
    await caseEvent('c1', 'filed', '2026-03-02T10:00:00+08:00');
    await recomputeDay(day, deps());
    clean = await published(day);
    // A derivation claiming five events: t2 closed at 12:00 and placed in d2. It is not.
    const corrupted: TicketFacts = {
      ...t2,
      n: 5,
      state: {
        ...t2.state,
        closed: true,
        closedAt: Date.parse('2026-03-02T12:00:00+08:00'),
        placement: { district: 'd2' },
      },
    };
    await db.cohorts.append('ticket', day, [corrupted], clock);
    await recomputeDay(day, deps());
    wrong = await published(day);
    publisher.published.splice(0);
    outcome = await reconcileDay(day, deps());
  });

  it('had the ordinary recompute publish wrong numbers (the premise)', () => {
    expect(wrong.get('city')).toMatchObject({ ticketsReceived: 3, ticketsClosed: 3 });
    expect(wrong.get('district:d2')).toMatchObject({ ticketsReceived: 2 });
    expect(clean.get('city')).toMatchObject({ ticketsReceived: 3, ticketsClosed: 2, casesFiled: 1 });
  });

  it('finds the entity, corrects its log entry and reports what differed, with both values', () => {
    expect(outcome).toMatchObject({
      date: day,
      entitiesChecked: 4,
      entitiesInFlight: 0,
      entitiesCorrected: 1,
      corrections: [{ kind: 'ticket', id: 't2', day }],
      changed: ['city', 'district:d1', 'district:d2'],
    });
    // Exact: t1 (d1, closed after 6 h), t2 (d1, open, its deadline of 03-03 10:00 passed), t3 (d2, 2 h).
    // Published: t2 closed on time after 2 h, in d2.
    expect(outcome.differences).toEqual([
      { area: 'city', indicator: 'ticketsClosed', published: 3, exact: 2 },
      { area: 'city', indicator: 'ticketClosureRate', published: 1, exact: 2 / 3 },
      { area: 'city', indicator: 'ticketOnTimeClosureRate', published: 1, exact: 2 / 3 },
      { area: 'city', indicator: 'avgTicketClosureHours', published: 10 / 3, exact: 4 },
      { area: 'district:d1', indicator: 'ticketsReceived', published: 1, exact: 2 },
      { area: 'district:d1', indicator: 'ticketClosureRate', published: 1, exact: 0.5 },
      { area: 'district:d1', indicator: 'ticketOnTimeClosureRate', published: 1, exact: 0.5 },
      { area: 'district:d2', indicator: 'ticketsReceived', published: 2, exact: 1 },
      { area: 'district:d2', indicator: 'ticketsClosed', published: 2, exact: 1 },
    ]);
  });

  it('leaves the day as a clean recompute publishes it, announced, and its log folded to the exact facts', async () => {
    expect(await published(day)).toEqual(clean);
    expect(publisher.takeIndicatorUpdates()).toEqual([
      expect.objectContaining({ date: day, area: 'city', indicators: clean.get('city') }),
      expect.objectContaining({ date: day, area: 'district:d1' }),
      expect.objectContaining({ date: day, area: 'district:d2' }),
    ]);
    const logged = (await db.cohorts.read('ticket', day, clock)).find((facts) => facts.id === 't2');
    expect(logged && sameFacts(logged, t2)).toBe(true);
    expect((await recomputeDay(day, deps())).changed).toEqual([]);
  });

  it('finds nothing the next time: no difference, no correction, no new revision', async () => {
    const before = await revisions(day);
    publisher.published.splice(0);
    const again = await reconcileDay(day, deps());
    expect(again).toMatchObject({ entitiesChecked: 4, entitiesCorrected: 0, differences: [], changed: [] });
    expect(await revisions(day)).toEqual(before);
    expect(publisher.takeIndicatorUpdates()).toEqual([]);
  });
});

describe('reconciling a day whose published item was altered', () => {
  const day = '2026-03-03';

  it('rewrites a value the digest no longer describes, which the ordinary recompute never would', async () => {
    await ticket('t4', 'received', '2026-03-03T09:00:00+08:00', { district: 'd1' });
    await recomputeDay(day, deps());
    await corruptItem(day, 'city', 'ticketsReceived', 7);
    expect((await recomputeDay(day, deps())).changed).toEqual([]);
    expect((await published(day)).get('city')?.ticketsReceived).toBe(7);

    const outcome = await reconcileDay(day, deps());
    expect(outcome).toMatchObject({ entitiesChecked: 1, entitiesCorrected: 0, changed: ['city'] });
    expect(outcome.differences).toEqual([
      { area: 'city', indicator: 'ticketsReceived', published: 7, exact: 1 },
    ]);
    expect((await published(day)).get('city')?.ticketsReceived).toBe(1);
    expect(await revisions(day)).toEqual([
      ['city', 2],
      ['district:d1', 1],
    ]);
  });
});

describe('reconciling across days', () => {
  it("adds an entity missing from its cohort day's log, found through another day's log", async () => {
    // c2 reported on the 4th, closed on the 5th; only the log of the 5th ever took its facts.
    await caseEvent('c2', 'reported', '2026-03-04T09:00:00+08:00', false);
    const facts = await caseEvent('c2', 'closed', '2026-03-05T09:00:00+08:00', false);
    await db.cohorts.append('case', '2026-03-05', [facts], clock);
    await recomputeDay('2026-03-04', deps());
    expect((await published('2026-03-04')).get('city')?.casesReported ?? 0).toBe(0);
    publisher.published.splice(0);

    const outcome = await reconcileDay('2026-03-05', deps());
    expect(outcome).toMatchObject({
      entitiesChecked: 1,
      entitiesCorrected: 1,
      corrections: [{ kind: 'case', id: 'c2', day: '2026-03-04' }],
      differences: [],
    });
    expect(publisher.take('facts.changed')).toEqual([
      { days: ['2026-03-04'], reason: 'reconciliation of 2026-03-05' },
    ]);
    await recomputeDay('2026-03-04', deps());
    expect((await published('2026-03-04')).get('city')?.casesReported).toBe(1);
  });

  it('leaves an entity whose newest event was stored moments ago for the next night', async () => {
    const day = '2026-03-05';
    await ticket('t6', 'received', '2026-03-05T09:00:00+08:00');
    await recomputeDay(day, deps());
    // Ingest stored a closure whose facts are still on their way to the log.
    const closed: HotlineRecord = {
      eventId: 't6-closed',
      ticketId: 't6',
      type: 'closed',
      occurredAt: '2026-03-05T19:00:00+08:00',
      category: 'noise',
    };
    await db.events.storeEvents(
      'ticket',
      [{ entityId: 't6', event: closed }],
      'w1',
      new Date(clock).toISOString(),
    );
    const early = await reconcileDay(day, deps());
    expect(early).toMatchObject({ entitiesInFlight: 1, entitiesCorrected: 0, differences: [] });

    // Still missing from the log long after: the facts were lost, and the reconciliation restores them.
    clock += IN_FLIGHT_MS + 1;
    const late = await reconcileDay(day, deps());
    expect(late).toMatchObject({ entitiesInFlight: 0, entitiesCorrected: 1 });
    expect(late.differences).toEqual(
      expect.arrayContaining([{ area: 'city', indicator: 'ticketsClosed', published: 0, exact: 1 }]),
    );
  });
});

describe('the nightly job and the recompute consumer', () => {
  /** An SQS body as EventBridge delivers a facts.changed detail. */
  const body = (detail: unknown) =>
    JSON.stringify({
      id: 'e',
      source: 'cityhub.facts',
      'detail-type': 'facts.changed',
      time: '2026-03-06T00:00:00Z',
      detail,
    });

  it('marks its messages for reconciliation', async () => {
    publisher.published.splice(0);
    await queueNightlyRecompute(7, deps());
    const details = publisher.take('facts.changed') as { days: string[]; reconcile?: boolean }[];
    expect(details.map((detail) => detail.days.length)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(details.every((detail) => detail.reconcile === true)).toBe(true);
  });

  it('recomputes plain days first, and leaves a day to reconcile when only a plain one would fit', async () => {
    const asked: boolean[] = [];
    const outcome = await recomputeRequestedDays(
      [
        { id: 'nightly', body: body({ days: ['2026-03-01'], reason: 'nightly recompute', reconcile: true }) },
        { id: 'plain', body: body({ days: ['2026-03-04'], reason: 'test' }) },
      ],
      deps(),
      (reconciling) => {
        asked.push(reconciling);
        return reconciling;
      },
    );
    expect(asked).toEqual([false, true]);
    expect(outcome.outcomes.map((day) => day.date)).toEqual(['2026-03-04']);
    expect(outcome.skipped).toEqual(['2026-03-01']);
    expect(outcome.failedMessages).toEqual(['nightly']);
  });

  it('reconciles the days a message marks, and only recomputes the others', async () => {
    await corruptItem('2026-03-02', 'city', 'ticketsReceived', 9);
    await corruptItem('2026-03-03', 'city', 'ticketsReceived', 9);
    const outcome = await recomputeRequestedDays(
      [
        { id: 'plain', body: body({ days: ['2026-03-02'], reason: 'test' }) },
        { id: 'nightly', body: body({ days: ['2026-03-03'], reason: 'nightly recompute', reconcile: true }) },
      ],
      deps(),
      () => false,
    );
    expect(outcome.failedMessages).toEqual([]);
    expect(outcome.outcomes.map((day) => day.date)).toEqual(['2026-03-02', '2026-03-03']);
    expect(outcome.reconciled).toEqual([
      expect.objectContaining({
        date: '2026-03-03',
        differences: [{ area: 'city', indicator: 'ticketsReceived', published: 9, exact: 1 }],
      }),
    ]);
    expect((await published('2026-03-02')).get('city')?.ticketsReceived).toBe(9);
    expect((await published('2026-03-03')).get('city')?.ticketsReceived).toBe(1);
  });
});

describe('reporting reconciliations', () => {
  const day = (date: string, differences: number, entitiesCorrected: number): ReconcileOutcome => ({
    date,
    areas: 1,
    changed: [],
    removed: [],
    entitiesChecked: 10,
    entitiesInFlight: 0,
    entitiesCorrected,
    corrections: Array.from({ length: entitiesCorrected }, (_, n) => ({
      kind: 'ticket',
      id: `t${n}`,
      day: date,
    })),
    differences: Array.from({ length: differences }, () => ({
      area: 'city',
      indicator: 'ticketsReceived',
      published: 2,
      exact: 1,
    })),
    vehicleDaysCorrected: [],
  });

  it('warns once per day that needed corrections and counts the totals of the run', () => {
    const warnings: [string, Record<string, unknown>][] = [];
    const totals: number[][] = [];
    const report = {
      warn: (message: string, attributes: Record<string, unknown>) => warnings.push([message, attributes]),
      totals: (differences: number, corrected: number) => totals.push([differences, corrected]),
    };
    reportReconciliation([day('2026-03-01', 0, 0), day('2026-03-02', 2, 1), day('2026-03-03', 0, 3)], report);
    expect(warnings.map(([, attributes]) => [attributes.date, attributes.differenceCount])).toEqual([
      ['2026-03-02', 2],
      ['2026-03-03', 0],
    ]);
    expect(warnings[0]?.[1].differences).toEqual([
      { area: 'city', indicator: 'ticketsReceived', published: 2, exact: 1 },
      { area: 'city', indicator: 'ticketsReceived', published: 2, exact: 1 },
    ]);
    expect(totals).toEqual([[2, 4]]);
  });

  it('counts a clean night as zeros, and nothing when no day was reconciled', () => {
    const totals: number[][] = [];
    const report = { warn: () => undefined, totals: (d: number, c: number) => totals.push([d, c]) };
    reportReconciliation([day('2026-03-01', 0, 0)], report);
    reportReconciliation([], report);
    expect(totals).toEqual([[0, 0]]);
  });
});

describe('reconciling a day whose coverage state was altered', () => {
  const day = '2026-03-04';
  const nine = Date.parse('2026-03-04T09:00:00+08:00');
  // Tables of its own: registered roads give every later day sanitation areas.
  let own: Awaited<ReturnType<typeof createTestTables>>;
  const gpsDeps = () => ({ ...deps(), ...own, loadSanitation: sanitationReferenceLoader(own.reference) });
  const coverageDeps = gpsDeps;
  const send = async (vehicleId: string, points: MetricPoint[]) =>
    processTrackMessages(
      recordAcceptedEvents('sanitation', '2026-03-04T01:00:00Z', [
        { eventId: `${vehicleId}-${points[0]?.t}`, vehicleId, points: asRecordPoints(points) },
      ]).map((event, index) => ({
        id: `m${index}`,
        body: JSON.stringify({
          id: 'e',
          source: 'cityhub.ingest',
          'detail-type': event.definition.detailType,
          time: '',
          detail: event.detail,
        }),
      })),
      coverageDeps(),
    );

  afterAll(async () => own.drop());
  beforeAll(async () => {
    own = await createTestTables();
    await own.reference.put('roads', testRoads, 1);
    await own.reference.put('vehicles', [{ vehicleId: 'sw1', type: 'sweeper', district: 'east' }], 1);
    await send('sw1', drive([-30, 0], [230, 0], 6, nine));
  });

  it('finds a corrupted union of cells, publishes the exact coverage and stores the exact union', async () => {
    await recomputeDay(day, gpsDeps());
    const exactRate = (await publishedIn(own, day)).get('city')?.roadCleaningRate;
    expect(exactRate).toBeGreaterThan(0);
    const union = await own.coverageUnions.read(day);
    await own.coverageUnions.write(
      day,
      { applied: union?.applied ?? {}, cells: new Map() },
      union?.revision ?? 0,
      clock,
    );
    await recomputeDay(day, gpsDeps());
    expect((await publishedIn(own, day)).get('city')?.roadCleaningRate).toBe(0);

    const outcome = await reconcileDay(day, gpsDeps());
    expect(outcome.differences).toContainEqual({
      area: 'city',
      indicator: 'roadCleaningRate',
      published: 0,
      exact: exactRate,
    });
    expect(outcome.vehicleDaysCorrected).toEqual([]);
    expect((await publishedIn(own, day)).get('city')?.roadCleaningRate).toBe(exactRate);
    await recomputeDay(day, gpsDeps());
    expect((await publishedIn(own, day)).get('city')?.roadCleaningRate).toBe(exactRate);
  });

  it('finds a vehicle-day whose log says more than its points, and has the coverage engine redo it', async () => {
    const exactKm = (await publishedIn(own, day)).get('city')?.operatingKm;
    const shard = shardOf('sw1');
    const head = await own.gps.readHead(day, shard);
    const stored = head.vehicles.get('sw1');
    if (!stored) throw new Error('no head for sw1');
    const bogus = { ...stored, operatingM: stored.operatingM + 500 };
    const version = await own.gps.append(day, shard, head.version, [
      { vehicleId: 'sw1', head: bogus, points: [], cells: { north: [0, 199] } },
    ]);
    await own.gps.writeHead(day, shard, { version: version ?? 0, vehicles: new Map([['sw1', bogus]]) });
    await recomputeDay(day, gpsDeps());
    expect((await publishedIn(own, day)).get('city')?.operatingKm).toBeCloseTo((exactKm ?? 0) + 0.5, 9);

    publisher.published.splice(0);
    const outcome = await reconcileDay(day, gpsDeps());
    expect(outcome.vehicleDaysCorrected).toEqual([{ vehicleId: 'sw1', day }]);
    expect((await publishedIn(own, day)).get('city')?.operatingKm).toBe(exactKm);
    const [request] = publisher.take('coverage.reprocess-requested');
    expect(request).toMatchObject({ vehicleDays: [{ vehicleId: 'sw1', day }] });

    // The coverage engine redoes the vehicle-day; the ordinary recompute then agrees with the exact one.
    await processTrackMessages(
      [
        {
          id: 'r',
          body: JSON.stringify({
            id: 'e',
            source: 'cityhub.coverage',
            'detail-type': 'coverage.reprocess-requested',
            time: '',
            detail: request,
          }),
        },
      ],
      coverageDeps(),
    );
    await recomputeDay(day, gpsDeps());
    expect((await publishedIn(own, day)).get('city')?.operatingKm).toBe(exactKm);
    const again = await reconcileDay(day, gpsDeps());
    expect(again.vehicleDaysCorrected).toEqual([]);
    expect(again.differences).toEqual([]);
  });
});
