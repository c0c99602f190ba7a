import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeDay } from '#shared/app/recompute';
import { recomputeRequestedDays } from '#shared/app/recompute-requests';
import { reconcileDay } from '#shared/app/reconcile';
import { recordEntityEvent } from '#shared/app/record-entity-event';
import { localDate, toEpochMs } from '#shared/domain/time';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';
import { RecordingPublisher } from '../../support/recording-publisher.ts';
import { createTestTables, pipelineDeps } from '../../support/tables.ts';

/**
 * The end-of-day figures openOverdueTickets / openOverdueCases through the real stores: the open-items
 * index and the cohort logs give the items open at a past day's end, a late event changes a past day,
 * and the reconciliation finds a corrupted figure and a lost index entry.
 */
const zone = 'Asia/Shanghai';
let db: Awaited<ReturnType<typeof createTestTables>>;
const publisher = new RecordingPublisher();
let clock = Date.parse('2026-03-05T10:00:00+08:00');
const deps = () => pipelineDeps(db, publisher, () => clock);

beforeAll(async () => {
  db = await createTestTables();
});
afterAll(async () => db.drop());

let messages = 0;
/** One accepted event through the facts consumer, then its facts.changed through the recompute consumer. */
const send = async (record: HotlineRecord | CityPlatformRecord) => {
  // Accepted two hours before the clock: long enough ago that the reconciliation does not wait for it.
  const acceptedAt = '2026-03-05T00:00:00Z';
  const facts = await recordEntityEvent(
    'ticketId' in record
      ? { source: 'hotline', acceptedAt, record: record as HotlineRecord }
      : { source: 'city-platform', acceptedAt, record: record as CityPlatformRecord },
    deps(),
  );
  messages += 1;
  const body = JSON.stringify({
    id: `m${messages}`,
    source: 'cityhub.facts',
    'detail-type': 'facts.changed',
    time: new Date(clock).toISOString(),
    detail: {
      days: facts.days,
      reason: 'entity events stored',
      entities: [facts],
      eventsFrom: localDate(toEpochMs(record.occurredAt), zone),
    },
  });
  const outcome = await recomputeRequestedDays([{ id: `m${messages}`, body }], deps(), () => false);
  expect(outcome.failedMessages).toEqual([]);
  return outcome;
};

const ticket = (ticketId: string, type: HotlineRecord['type'], occurredAt: string): HotlineRecord => ({
  eventId: `${ticketId}-${type}-${occurredAt}`,
  ticketId,
  type,
  occurredAt,
  category: 'noise',
  district: 'd1',
});
const cityCase = (
  caseId: string,
  type: CityPlatformRecord['type'],
  occurredAt: string,
): CityPlatformRecord => ({
  eventId: `${caseId}-${type}`,
  caseId,
  type,
  occurredAt,
  category: 'road',
  district: 'd2',
});

/** The published [openOverdueTickets, openOverdueCases] of the city on a day. */
const cityFigures = async (date: string) => {
  const city = (await db.indicators.listDay(date)).find((item) => item.area === 'city');
  return city ? [city.indicators.openOverdueTickets, city.indicators.openOverdueCases] : undefined;
};

describe('open overdue items at the end of past days, on DynamoDB Local', () => {
  beforeAll(async () => {
    // A: received 1 March, due the 2nd, never closed. B: received the 2nd, due the 3rd, closed the 4th.
    // C: filed Monday 2 March 09:00, due Tuesday 09:00, open.
    await send(ticket('A', 'received', '2026-03-01T09:00:00+08:00'));
    await send(ticket('B', 'received', '2026-03-02T09:00:00+08:00'));
    await send(cityCase('C', 'filed', '2026-03-02T09:00:00+08:00'));
    await send(ticket('B', 'closed', '2026-03-04T12:00:00+08:00'));
    // D: received this morning.
    await send(ticket('D', 'received', '2026-03-05T08:00:00+08:00'));
  });

  it('counts what was open and overdue at each day end, from the index and the later days’ logs', async () => {
    for (const day of ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05'])
      await recomputeDay(day, deps());
    // End of the 2nd: A overdue (due the 2nd 09:00); B and C due the 3rd.
    expect(await cityFigures('2026-03-02')).toEqual([1, 0]);
    // End of the 3rd: A and B (closed only on the 4th, found through the 4th's log), and C.
    expect(await cityFigures('2026-03-03')).toEqual([2, 1]);
    expect(await cityFigures('2026-03-04')).toEqual([1, 1]);
    // Today has not ended: its items have no figures yet.
    expect(await cityFigures('2026-03-05')).toEqual([null, null]);
    const district = (await db.indicators.listDay('2026-03-03')).find((item) => item.area === 'district:d2');
    expect(district?.indicators).toMatchObject({ openOverdueTickets: 0, openOverdueCases: 1 });
  });

  it('changes a past day when a late event reaches it, and announces the new revisions', async () => {
    publisher.published.splice(0);
    // A was closed on the evening of the 3rd; the event arrives on the 5th.
    const outcome = await send(ticket('A', 'closed', '2026-03-03T20:00:00+08:00'));
    expect(outcome.outcomes.map((day) => day.date)).toEqual(['2026-03-01', '2026-03-03', '2026-03-04']);
    expect(await cityFigures('2026-03-02')).toEqual([1, 0]);
    expect(await cityFigures('2026-03-03')).toEqual([1, 1]);
    expect(await cityFigures('2026-03-04')).toEqual([0, 1]);
    const updates = publisher.takeIndicatorUpdates() as { date?: string; area: string }[];
    expect(updates.filter((update) => update.area === 'city').length).toBeGreaterThanOrEqual(2);
  });

  it('has the reconciliation find and correct a corrupted figure', async () => {
    await db.documents.send(
      new UpdateCommand({
        TableName: db.names.facts,
        Key: { pk: 'openoverdue', sk: '2026-03-04' },
        UpdateExpression: 'SET #counts = :counts',
        ExpressionAttributeNames: { '#counts': 'counts' },
        ExpressionAttributeValues: { ':counts': JSON.stringify({ city: [5, 5] }) },
      }),
    );
    await recomputeDay('2026-03-04', deps());
    expect(await cityFigures('2026-03-04')).toEqual([5, 5]);
    // The night, hours later: figures read that long ago are computed again.
    clock += 2 * 3_600_000;
    const outcome = await reconcileDay('2026-03-04', deps());
    expect(outcome.differences).toEqual(
      expect.arrayContaining([
        { area: 'city', indicator: 'openOverdueTickets', published: 5, exact: 0 },
        { area: 'city', indicator: 'openOverdueCases', published: 5, exact: 1 },
      ]),
    );
    expect(await cityFigures('2026-03-04')).toEqual([0, 1]);
  });

  it('has a night compute its days in its first pass, and the others take those figures', async () => {
    clock += 2 * 3_600_000;
    await reconcileDay('2026-03-02', deps());
    const figures = await db.openOverdue.read('2026-03-02', '2026-03-04');
    const readAt = new Date(clock).toISOString();
    expect([...figures.values()].map((day) => day.readAt)).toEqual([readAt, readAt, readAt]);
    // An hour on, the night's later days find them computed within the hour: no new pass.
    clock += 3_000_000;
    await reconcileDay('2026-03-03', deps());
    expect((await db.openOverdue.read('2026-03-03', '2026-03-03')).get('2026-03-03')?.readAt).toBe(readAt);
  });

  it('has the reconciliation restore an open item the index lost', async () => {
    await db.documents.send(
      new DeleteCommand({ TableName: db.names.facts, Key: { pk: 'openitem#case', sk: 'C' } }),
    );
    expect((await db.openItems.list('case')).map((item) => item.facts.id)).toEqual([]);
    const outcome = await reconcileDay('2026-03-02', deps());
    expect(outcome.openItemsCorrected).toEqual([{ kind: 'case', id: 'C' }]);
    expect((await db.openItems.list('case')).map((item) => item.facts.id)).toEqual(['C']);
    const again = await reconcileDay('2026-03-02', deps());
    expect(again.openItemsCorrected).toEqual([]);
  });
});
