import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sanitationReferenceLoader } from '#shared/app/load-reference';
import { appendFacts, recentDays, recomputeDay, recomputeDays } from '#shared/app/recompute';
import { announceChangedDays, recordEntityEvent } from '#shared/app/record-entity-event';
import { emptyAreaRegistry } from '#shared/domain/areas';
import { defaultCalendar } from '#shared/domain/calendar';
import type { HotlineRecord } from '#shared/schemas/ingest';
import { RecordingPublisher } from '../../support/recording-publisher.ts';
import { createTestTables } from '../../support/tables.ts';

const zone = 'Asia/Shanghai';
let db: Awaited<ReturnType<typeof createTestTables>>;
const publisher = new RecordingPublisher();
let clock = Date.parse('2026-03-05T00:00:00+08:00');
const deps = () => ({
  ...db,
  indicators: db.indicators,
  publisher,
  loadReference: async () => ({ areas: emptyAreaRegistry, calendar: defaultCalendar }),
  sanitation: db.sanitation,
  loadSanitation: sanitationReferenceLoader(db.reference),
  timeZone: zone,
  now: () => clock,
});

beforeAll(async () => {
  db = await createTestTables();
});
afterAll(async () => db.drop());

/** Stores an event as the facts consumer does, adds the facts to the cohort logs as the recompute does. */
const store = async (
  record: Partial<HotlineRecord> & Pick<HotlineRecord, 'eventId' | 'type' | 'occurredAt'>,
) => {
  const facts = await recordEntityEvent(
    {
      source: 'hotline',
      acceptedAt: '2026-03-05T00:00:00Z',
      record: { ticketId: 't1', category: 'noise', ...record },
    },
    deps(),
  );
  await appendFacts([facts], deps());
  return facts.days;
};

describe('facts and recompute on DynamoDB Local', () => {
  it('reports the days of the events, which a ticket not yet received reaches too', async () => {
    expect(await store({ eventId: 'e2', type: 'closed', occurredAt: '2026-03-02T15:00:00+08:00' })).toEqual([
      '2026-03-02',
    ]);
    expect(
      await store({
        eventId: 'e1',
        type: 'received',
        occurredAt: '2026-03-02T09:00:00+08:00',
        district: 'd1',
      }),
    ).toEqual(['2026-03-02']);
  });

  it('writes each area of the day, revision 1, and announces it', async () => {
    publisher.published.splice(0);
    const outcome = await recomputeDay('2026-03-02', deps());
    expect(outcome).toEqual({ date: '2026-03-02', areas: 2, changed: ['city', 'district:d1'], removed: [] });
    const items = await db.indicators.listDay('2026-03-02');
    expect(
      items.map((item) => [
        item.area,
        item.revision,
        item.indicators.ticketsClosed,
        item.indicators.avgTicketClosureHours,
      ]),
    ).toEqual([
      ['city', 1, 1, 6],
      ['district:d1', 1, 1, 6],
    ]);
    expect(publisher.takeIndicatorUpdates()).toHaveLength(2);
  });

  it('announces a revision an interrupted run saved but did not announce', async () => {
    await store({
      eventId: 'e9',
      type: 'callback',
      occurredAt: '2026-03-02T16:00:00+08:00',
      satisfaction: 'satisfied',
    });
    publisher.failNext = true;
    await expect(recomputeDay('2026-03-02', deps())).rejects.toThrow('EventBridge refused');
    publisher.published.splice(0);
    const retry = await recomputeDay('2026-03-02', deps());
    expect(retry.changed).toEqual([]);
    expect(publisher.takeIndicatorUpdates()).toEqual([
      expect.objectContaining({ area: 'city', revision: 2 }),
      expect.objectContaining({ area: 'district:d1', revision: 2 }),
    ]);
  });

  it('writes nothing new when recomputing unchanged facts', async () => {
    const outcome = await recomputeDay('2026-03-02', deps());
    expect(outcome.changed).toEqual([]);
    expect((await db.indicators.listDay('2026-03-02')).map((item) => item.revision)).toEqual([2, 2]);
    expect(publisher.takeIndicatorUpdates()).toEqual([]);
  });

  it('moves a ticket to the day of an earlier receipt that arrives late, and revises both days', async () => {
    const days = await store({
      eventId: 'e0',
      type: 'received',
      occurredAt: '2026-03-01T23:00:00+08:00',
      district: 'd2',
    });
    expect(days).toEqual(['2026-03-01', '2026-03-02']);
    const { outcomes, failures } = await recomputeDays(days, deps());
    expect(failures).toEqual([]);
    expect(outcomes).toEqual([
      { date: '2026-03-01', areas: 2, changed: ['city', 'district:d2'], removed: [] },
      { date: '2026-03-02', areas: 0, changed: [], removed: ['city', 'district:d1'] },
    ]);
    const [city] = await db.indicators.listArea('city', '2026-03-01', '2026-03-01');
    // Received 23:00 on the 1st, closed 15:00 on the 2nd: 16 hours, placed by the earliest event's district.
    expect(city?.indicators).toMatchObject({
      ticketsReceived: 1,
      ticketsClosed: 1,
      avgTicketClosureHours: 16,
    });
    expect(await db.indicators.listDay('2026-03-02')).toEqual([]);
  });

  it('announces an area computed again after its removal, from revision 1', async () => {
    publisher.published.splice(0);
    const facts = await recordEntityEvent(
      {
        source: 'hotline',
        acceptedAt: '2026-03-05T00:00:00Z',
        record: {
          ticketId: 't2',
          category: 'noise',
          eventId: 'f1',
          type: 'received',
          occurredAt: '2026-03-02T10:00:00+08:00',
          district: 'd1',
        },
      },
      deps(),
    );
    await appendFacts([facts], deps());
    const outcome = await recomputeDay('2026-03-02', deps());
    expect(outcome.changed).toEqual(['city', 'district:d1']);
    expect(publisher.takeIndicatorUpdates()).toEqual([
      expect.objectContaining({ area: 'city', revision: 1 }),
      expect.objectContaining({ area: 'district:d1', revision: 1 }),
    ]);
  });

  it('takes the revision an item stored before announcements were kept per day says was announced', async () => {
    await db.documents.send(
      new UpdateCommand({
        TableName: db.names.indicators,
        Key: { area: 'city', date: '2026-03-01' },
        UpdateExpression: 'SET announcedRevision = revision',
      }),
    );
    await db.documents.send(
      new UpdateCommand({
        TableName: db.names.indicators,
        Key: { area: '#announced', date: '2026-03-01' },
        UpdateExpression: 'REMOVE #city',
        ExpressionAttributeNames: { '#city': 'a:city' },
      }),
    );
    publisher.published.splice(0);
    await recomputeDay('2026-03-01', deps());
    // The district's announcement is recorded per day; the city's on its item, as before.
    expect(publisher.takeIndicatorUpdates()).toEqual([]);
  });

  it('announces changed days once each, sorted', async () => {
    publisher.published.splice(0);
    await announceChangedDays(['2026-03-02', '2026-03-01', '2026-03-02'], 'test', deps());
    await announceChangedDays([], 'nothing', deps());
    expect(publisher.take('facts.changed')).toEqual([{ days: ['2026-03-01', '2026-03-02'], reason: 'test' }]);
  });

  it('lists the recent local days for the nightly job', () => {
    clock = Date.parse('2026-03-05T00:30:00+08:00');
    expect(recentDays(clock, zone, 3)).toEqual(['2026-03-03', '2026-03-04', '2026-03-05']);
  });
});

describe('recomputing under a time limit', () => {
  it('skips the days it has no time for and reports them', async () => {
    let calls = 0;
    const { outcomes, skipped } = await recomputeDays(
      ['2026-03-01', '2026-03-02', '2026-03-03'],
      deps(),
      () => {
        calls += 1;
        return calls > 1;
      },
    );
    expect(outcomes.map((outcome) => outcome.date)).toEqual(['2026-03-01']);
    expect(skipped).toEqual(['2026-03-02', '2026-03-03']);
  });
});
