import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertChecksDeps, checkAlerts, checkFeeds } from '#shared/app/alerts';
import { alertChecksDepsOf } from '#shared/composition/root';
import { emptyAreaRegistry } from '#shared/domain/areas';
import { type IndicatorValues, indicatorNames } from '#shared/domain/indicators/catalogue';
import { toWebhookEvents } from '#shared/domain/webhooks/events';
import type { AlertsSet, Areas } from '#shared/schemas/reference';
import { RecordingPublisher } from '../../support/recording-publisher.ts';
import { createTestTables } from '../../support/tables.ts';

let db: Awaited<ReturnType<typeof createTestTables>>;
beforeAll(async () => {
  db = await createTestTables();
});
afterAll(async () => db.drop());

const square = (x: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [x, 0],
      [x + 1, 0],
      [x + 1, 1],
      [x, 1],
      [x, 0],
    ],
  ],
});
const areas: Areas = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      geometry: square(0),
      properties: { code: 'dongcheng', name: '东城区', level: 'district' },
    },
    {
      type: 'Feature',
      geometry: square(1),
      properties: { code: 'xicheng', name: '西城区', level: 'district' },
    },
    {
      type: 'Feature',
      geometry: square(0),
      properties: { code: 'jingshan', name: '景山街道', level: 'street', parent: 'dongcheng' },
    },
  ],
};

const alerts: AlertsSet = {
  rules: [
    { id: 'cases-on-time', indicator: 'caseOnTimeClosureRate', areas: 'district', below: 0.9, at: '17:00' },
    { id: 'slow-tickets', indicator: 'avgTicketClosureHours', areas: 'city', above: 48, at: '09:00' },
  ],
  feeds: { sanitation: 15 },
};

const values = (set: Partial<IndicatorValues>): IndicatorValues =>
  ({ ...Object.fromEntries(indicatorNames.map((name) => [name, null])), ...set }) as IndicatorValues;

const publish = (date: string, area: string, set: Partial<IndicatorValues>, computedAt: string) =>
  db.indicators.save(date, area, 'Asia/Shanghai', values(set), computedAt);

/** The checks over the test tables, as the composition root wires them, with a recording publisher. */
const wire = (): { deps: AlertChecksDeps; publisher: RecordingPublisher } => {
  const publisher = new RecordingPublisher();
  const deps = alertChecksDepsOf(
    { ...db, publisher },
    { CITY_TIMEZONE: 'Asia/Shanghai', FEED_SILENCE_MINUTES: 60 },
  );
  return { deps, publisher };
};

/** The webhook ids subscribers would get for what was published. */
const webhookIds = (publisher: RecordingPublisher) =>
  publisher.published
    .splice(0)
    .flatMap(({ detailType, detail }) =>
      toWebhookEvents({ 'detail-type': detailType, detail }, emptyAreaRegistry).map((event) => event.id),
    );

describe('checkAlerts on DynamoDB Local', () => {
  beforeAll(async () => {
    await db.reference.put('areas', areas, 1);
    await db.reference.put('alerts', alerts, 2);
    await publish(
      '2026-03-02',
      'city',
      { caseOnTimeClosureRate: 0.85, avgTicketClosureHours: 50 },
      '2026-03-02T00:30:00Z',
    );
    await publish('2026-03-02', 'district:dongcheng', { caseOnTimeClosureRate: 0.8 }, '2026-03-02T00:30:00Z');
    await publish('2026-03-02', 'district:xicheng', { caseOnTimeClosureRate: 0.95 }, '2026-03-02T00:30:00Z');
    await publish('2026-03-02', 'street:jingshan', { caseOnTimeClosureRate: 0.1 }, '2026-03-02T00:30:00Z');
  });

  it('announces each breach once, each rule from its time of the day on (city time)', async () => {
    const { deps, publisher } = wire();
    // 08:59 in Shanghai: no rule is due yet, and nothing is read.
    expect(await checkAlerts(deps, Date.parse('2026-03-02T00:59:00Z'))).toEqual({
      date: '2026-03-02',
      dueRules: 0,
      announced: [],
    });
    // 16:59:59: the 09:00 rule is due, the 17:00 one is not.
    const morning = await checkAlerts(deps, Date.parse('2026-03-02T08:59:59Z'));
    expect(morning.dueRules).toBe(1);
    expect(webhookIds(publisher)).toEqual(['indicator.alert:slow-tickets:2026-03-02:city']);
    expect(publisher.published).toEqual([]);
    // 17:00: the districts rule breaks in dongcheng only (the street it does not watch).
    const evening = await checkAlerts(deps, Date.parse('2026-03-02T09:00:00Z'));
    expect(evening.announced).toEqual([
      {
        ruleId: 'cases-on-time',
        indicator: 'caseOnTimeClosureRate',
        date: '2026-03-02',
        area: 'district:dongcheng',
        areaName: '东城区',
        value: 0.8,
        threshold: 0.9,
        comparison: 'below',
        at: '2026-03-02T09:00:00.000Z',
      },
    ]);
    expect(webhookIds(publisher)).toEqual(['indicator.alert:cases-on-time:2026-03-02:district:dongcheng']);
    // Checked again and again: nothing more.
    for (const minute of [1, 2, 30]) {
      expect(
        (await checkAlerts(deps, Date.parse('2026-03-02T09:00:00Z') + minute * 60_000)).announced,
      ).toEqual([]);
    }
    expect(publisher.published).toEqual([]);
  });

  it('announces an area whose value breaks the rule later that day, and the next day anew', async () => {
    const { deps, publisher } = wire();
    await publish('2026-03-02', 'district:xicheng', { caseOnTimeClosureRate: 0.7 }, '2026-03-02T10:00:00Z');
    await checkAlerts(deps, Date.parse('2026-03-02T10:01:00Z'));
    expect(webhookIds(publisher)).toEqual(['indicator.alert:cases-on-time:2026-03-02:district:xicheng']);
    // 2026-03-03 begins at 16:00 UTC; before its values are published nothing breaks.
    await checkAlerts(deps, Date.parse('2026-03-03T09:00:00Z'));
    expect(publisher.published).toEqual([]);
    await publish('2026-03-03', 'district:dongcheng', { caseOnTimeClosureRate: 0.5 }, '2026-03-03T09:01:00Z');
    await checkAlerts(deps, Date.parse('2026-03-03T09:02:00Z'));
    await checkAlerts(deps, Date.parse('2026-03-03T09:03:00Z'));
    expect(webhookIds(publisher)).toEqual(['indicator.alert:cases-on-time:2026-03-03:district:dongcheng']);
  });

  it('keeps the marks of a day in its partition, expiring four days after the day began', async () => {
    const { Items } = await db.documents.send(
      new QueryCommand({
        TableName: db.names.facts,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'alertmark#2026-03-02' },
      }),
    );
    expect(Items?.map(({ sk, expiresAt }) => [sk, expiresAt])).toEqual([
      ['cases-on-time#district:dongcheng', Date.parse('2026-03-06T00:00:00Z') / 1000],
      ['cases-on-time#district:xicheng', Date.parse('2026-03-06T00:00:00Z') / 1000],
      ['slow-tickets#city', Date.parse('2026-03-06T00:00:00Z') / 1000],
    ]);
  });

  it('announces again, under the same id, what a run published but could not mark; loses nothing the bus refused', async () => {
    const { deps, publisher } = wire();
    await publish('2026-03-04', 'city', { avgTicketClosureHours: 72 }, '2026-03-04T01:00:00Z');
    const at = Date.parse('2026-03-04T01:30:00Z');
    publisher.failNext = true;
    await expect(checkAlerts(deps, at)).rejects.toThrow('EventBridge refused');
    const failingMarks = {
      ...deps,
      alertMarks: {
        announcedAlerts: deps.alertMarks.announcedAlerts.bind(deps.alertMarks),
        markAlertsAnnounced: async () => {
          throw new Error('DynamoDB is down');
        },
      },
    };
    await expect(checkAlerts(failingMarks, at)).rejects.toThrow('DynamoDB is down');
    await checkAlerts(deps, at + 60_000);
    await checkAlerts(deps, at + 120_000);
    expect(webhookIds(publisher)).toEqual([
      'indicator.alert:slow-tickets:2026-03-04:city',
      'indicator.alert:slow-tickets:2026-03-04:city',
    ]);
  });
});

describe('checkFeeds on DynamoDB Local', () => {
  it('announces a silence once when it starts and once when a record ends it', async () => {
    const { deps, publisher } = wire();
    await db.feeds.markFeedFresh('sanitation', '2026-03-02T01:00:00.000Z');
    await db.feeds.markFeedFresh('hotline', '2026-03-02T01:00:00.000Z');
    // Sanitation is silent after its own 15 minutes, hotline after the default 60; city-platform never sent.
    expect(await checkFeeds(deps, Date.parse('2026-03-02T01:14:59Z'))).toEqual({
      silent: [],
      announcedSilent: [],
      announcedResumed: [],
    });
    const first = await checkFeeds(deps, Date.parse('2026-03-02T01:15:00Z'));
    expect(first.announcedSilent).toEqual([
      {
        source: 'sanitation',
        lastAcceptedAt: '2026-03-02T01:00:00.000Z',
        silentSince: '2026-03-02T01:15:00.000Z',
        silenceMinutes: 15,
      },
    ]);
    expect(webhookIds(publisher)).toEqual(['feed.silent:sanitation:2026-03-02T01:00:00.000Z']);
    await checkFeeds(deps, Date.parse('2026-03-02T01:16:00Z'));
    expect(publisher.published).toEqual([]);
    expect((await checkFeeds(deps, Date.parse('2026-03-02T02:00:00Z'))).silent).toEqual([
      'hotline',
      'sanitation',
    ]);
    expect(webhookIds(publisher)).toEqual(['feed.silent:hotline:2026-03-02T01:00:00.000Z']);

    await db.feeds.markFeedFresh('sanitation', '2026-03-02T03:10:00.000Z');
    const back = await checkFeeds(deps, Date.parse('2026-03-02T03:11:00Z'));
    expect(back.silent).toEqual(['hotline']);
    expect(back.announcedResumed).toEqual([
      {
        source: 'sanitation',
        lastAcceptedAt: '2026-03-02T03:10:00.000Z',
        silentSince: '2026-03-02T01:15:00.000Z',
        previousAcceptedAt: '2026-03-02T01:00:00.000Z',
        resumedAt: '2026-03-02T03:11:00.000Z',
        silenceMinutes: 15,
      },
    ]);
    expect(webhookIds(publisher)).toEqual(['feed.resumed:sanitation:2026-03-02T03:10:00.000Z']);
    await checkFeeds(deps, Date.parse('2026-03-02T03:12:00Z'));
    expect(publisher.published).toEqual([]);
    expect([...(await db.feedWatch.silences()).keys()]).toEqual(['hotline']);
  });

  it('remembers a silence only after announcing it', async () => {
    const { deps, publisher } = wire();
    await db.feeds.markFeedFresh('city-platform', '2026-03-02T01:00:00.000Z');
    const at = Date.parse('2026-03-02T03:00:00Z');
    publisher.failNext = true;
    await expect(checkFeeds(deps, at)).rejects.toThrow('EventBridge refused');
    expect((await db.feedWatch.silences()).has('city-platform')).toBe(false);
    await checkFeeds(deps, at);
    expect(webhookIds(publisher)).toEqual(['feed.silent:city-platform:2026-03-02T01:00:00.000Z']);
  });
});
