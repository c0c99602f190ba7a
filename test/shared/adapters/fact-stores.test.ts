import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CohortLogStore } from '#shared/adapters/cohort-log-store';
import { FeedFreshnessStore } from '#shared/adapters/feed-freshness-store';
import { ticketFacts } from '#shared/domain/entity-facts';
import type { HotlineRecord } from '#shared/schemas/ingest';
import { createTestTables } from '../../support/tables.ts';

let db: Awaited<ReturnType<typeof createTestTables>>;
beforeAll(async () => {
  db = await createTestTables();
});
afterAll(async () => db.drop());

const record = (eventId: string, ticketId: string): HotlineRecord => ({
  eventId,
  ticketId,
  type: 'received',
  occurredAt: '2026-03-02T09:00:00+08:00',
  category: 'noise',
});

describe('fact stores on DynamoDB Local', () => {
  it('stores an event once however often it is put, and says which call stored it', async () => {
    expect(await db.entities.putEvent('ticket', 'a1', record('e1', 'a1'), '2026-03-02T01:00:00.000Z')).toBe(
      true,
    );
    expect(
      await db.entities.putEvent(
        'ticket',
        'a1',
        { ...record('e1', 'a1'), category: 'changed' },
        '2026-03-02T01:00:00.000Z',
      ),
    ).toBe(false);
    const { events } = await db.entities.readEntity<HotlineRecord>('ticket', 'a1');
    expect(events).toEqual([record('e1', 'a1')]);
  });

  it('keeps every event of concurrent puts to a new entity, each stored exactly once', async () => {
    const ids = Array.from({ length: 12 }, (_, index) => `c${index}`);
    const stored = await Promise.all(
      [...ids, ...ids].map((id) =>
        db.entities.putEvent('ticket', 'a2', record(id, 'a2'), '2026-03-02T01:00:00.000Z'),
      ),
    );
    expect(stored.filter(Boolean)).toHaveLength(ids.length);
    const { events } = await db.entities.readEntity<HotlineRecord>('ticket', 'a2');
    expect(events.map((event) => event.eventId).sort()).toEqual([...ids].sort());
  });

  it('keeps the sync announcements of an entity beside its events', async () => {
    await db.entities.putEvent(
      'case',
      'k1',
      { ...record('k-e1', 'k1'), caseId: 'k1' },
      '2026-03-02T01:00:00.000Z',
    );
    await db.entities.markAnnounced('case', 'k1', ['resolved:k-e1']);
    await db.entities.markAnnounced('case', 'k1', ['resolved:k-e1', 'resolved:k-e2']);
    const { events, announced } = await db.entities.readEntity('case', 'k1');
    expect(events).toHaveLength(1);
    expect(announced).toEqual(new Set(['resolved:k-e1', 'resolved:k-e2']));
  });

  it('stores each event of a batch once, and knows a retry of the request that stored it', async () => {
    const events = [
      { entityId: 'a3', event: record('x1', 'a3') },
      { entityId: 'a3', event: record('x2', 'a3') },
      { entityId: 'a4', event: record('x1', 'a4') },
    ];
    const at = '2026-03-02T01:00:00.000Z';
    expect(await db.events.storeEvents('ticket', events, 'w-first', at)).toEqual([
      'stored',
      'stored',
      'stored',
    ]);
    expect(await db.events.storeEvents('ticket', events, 'w-first', at)).toEqual([
      'stored-by-this-request',
      'stored-by-this-request',
      'stored-by-this-request',
    ]);
    expect(
      await db.events.storeEvents(
        'ticket',
        [...events, { entityId: 'a3', event: record('x3', 'a3') }],
        'w-other',
        at,
      ),
    ).toEqual(['duplicate', 'duplicate', 'duplicate', 'stored']);
    expect(
      await db.events.storeEvents('case', [{ entityId: 'a3', event: record('x1', 'a3') }], 'w-other', at),
    ).toEqual(['stored']);
    const { events: stored } = await db.entities.readEntity<HotlineRecord>('ticket', 'a3');
    expect(stored.map((event) => event.eventId).sort()).toEqual(['x1', 'x2', 'x3']);
  });

  it('stores the events of a large request 25 to a call, each as sent, and one event by itself', async () => {
    const located = (index: number): HotlineRecord => ({
      ...record(`big-${index}`, `big-${index % 7}`),
      location: { lat: 39.9 + index / 1000, lon: 116.4 },
      street: `street ${index}`,
    });
    const events = Array.from({ length: 60 }, (_, index) => ({
      entityId: `big-${index % 7}`,
      event: located(index),
    }));
    const at = '2026-03-02T02:00:00.000Z';
    // An event of the request stored before by another one: a duplicate, and only that one.
    const earlier = events[31];
    if (!earlier) throw new Error('no 32nd event');
    expect(await db.events.storeEvents('ticket', [earlier], 'w-earlier', at)).toEqual(['stored']);
    const outcomes = await db.events.storeEvents('ticket', events, 'w-big', at);
    expect(outcomes).toEqual(events.map((_, index) => (index === 31 ? 'duplicate' : 'stored')));
    const { events: stored } = await db.entities.readEntity<HotlineRecord>('ticket', 'big-3');
    expect(stored.sort((a, b) => a.eventId.localeCompare(b.eventId))).toEqual(
      events
        .filter(({ entityId }) => entityId === 'big-3')
        .map(({ event }) => event)
        .sort((a, b) => a.eventId.localeCompare(b.eventId)),
    );
    // What ingest's lookup reads back: the webhook-id each event came with.
    const found = await db.events.findStored(
      'ticket',
      events.slice(30, 33).map(({ entityId, event }) => ({ entityId, eventId: event.eventId })),
    );
    expect([...found.values()]).toEqual(['w-big', 'w-earlier', 'w-big']);
  });

  it("folds a cohort log to each entity's derivation from the most events, whatever the order", async () => {
    const facts = (n: number, cohortDay: string) =>
      ticketFacts(
        'f1',
        Array.from({ length: n }, (_, index) => ({
          ...record(`f1-${index}`, 'f1'),
          occurredAt: `${cohortDay}T0${index}:00:00+08:00`,
        })),
        'Asia/Shanghai',
      );
    await db.cohorts.append('ticket', '2026-03-02', [facts(3, '2026-03-02')], 1);
    await db.cohorts.append('ticket', '2026-03-02', [facts(1, '2026-03-03'), facts(2, '2026-03-02')], 2);
    const [latest, ...others] = await db.cohorts.read('ticket', '2026-03-02', 3);
    expect(others).toEqual([]);
    expect(latest?.n).toBe(3);
    expect(latest?.state.cohortDay).toBe('2026-03-02');
    expect(await db.cohorts.read('case', '2026-03-02', 3)).toEqual([]);
  });

  it('stamps a snapshot after every snapshot it replaces, whatever the clock of its reader', async () => {
    const logs = new CohortLogStore(db.documents, db.names.facts, 1);
    const one = (id: string) => ticketFacts(id, [record(`${id}-0`, id)], 'Asia/Shanghai');
    const keys = async () =>
      (
        await db.documents.send(
          new QueryCommand({
            TableName: db.names.facts,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': 'cohortlog#ticket#2026-03-11' },
          }),
        )
      ).Items?.map((item) => String(item.sk)) ?? [];
    await logs.append('ticket', '2026-03-11', [one('j1')], 1);
    await logs.append('ticket', '2026-03-11', [one('j2')], 2);
    await logs.read('ticket', '2026-03-11', 5_000);
    const [first] = await keys();
    expect(first).toMatch(/^s#0000000005000#/);
    await logs.append('ticket', '2026-03-11', [one('j3')], 3);
    await logs.append('ticket', '2026-03-11', [one('j4')], 4);
    // A reader whose clock is behind the snapshot's writer.
    const folded = await logs.read('ticket', '2026-03-11', 10);
    const [second, ...rest] = await keys();
    expect(rest).toEqual([]);
    expect(second).toMatch(/^s#0000000005001#/);
    expect(folded.map((facts) => facts.id).sort()).toEqual(['j1', 'j2', 'j3', 'j4']);
  });

  it('compacts a long cohort log into a snapshot that keeps every entity', async () => {
    const logs = new CohortLogStore(db.documents, db.names.facts, 3);
    const one = (id: string, n: number) =>
      ticketFacts(
        id,
        Array.from({ length: n }, (_, index) => record(`${id}-${index}`, id)),
        'Asia/Shanghai',
      );
    for (let run = 1; run <= 5; run += 1)
      await logs.append('ticket', '2026-03-07', [one(`g${run}`, run)], run);
    const before = await logs.read('ticket', '2026-03-07', 10);
    const items = await db.documents.send(
      new QueryCommand({
        TableName: db.names.facts,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'cohortlog#ticket#2026-03-07' },
      }),
    );
    expect(items.Items?.map((item) => String(item.sk).slice(0, 2))).toEqual(['s#']);
    await logs.append('ticket', '2026-03-07', [one('g1', 1)], 11);
    const after = await logs.read('ticket', '2026-03-07', 12);
    const summary = (list: typeof before) => list.map((facts) => [facts.id, facts.n]).sort();
    expect(summary(after)).toEqual(summary(before));
    expect(summary(after)).toEqual([
      ['g1', 1],
      ['g2', 2],
      ['g3', 3],
      ['g4', 4],
      ['g5', 5],
    ]);
  });

  it('corrects a cohort log entry that claims more events, but keeps a derivation written since', async () => {
    const one = (id: string, n: number, category = 'noise') =>
      ticketFacts(
        id,
        Array.from({ length: n }, (_, index) => ({ ...record(`${id}-${index}`, id), category })),
        'Asia/Shanghai',
      );
    const day = '2026-03-08';
    await db.cohorts.append('ticket', day, [one('h1', 5, 'wrong'), one('h2', 1), one('h3', 1)], 1);
    await db.cohorts.append('ticket', day, [one('h2', 4)], 2);
    // h1's entry claims 5 events and h2's 1, where their events give 2; h2 gained a newer derivation (4)
    // after the reconciliation read the log; h3 is right.
    await db.cohorts.correct(
      'ticket',
      day,
      [
        { found: one('h1', 5, 'wrong'), exact: one('h1', 2) },
        { found: one('h2', 1), exact: one('h2', 2) },
      ],
      3,
    );
    const summary = (await db.cohorts.read('ticket', day, 4)).map((facts) => [facts.id, facts.n]).sort();
    expect(summary).toEqual([
      ['h1', 2],
      ['h2', 4],
      ['h3', 1],
    ]);
    // Facts from more events than the entry found win the fold: they are appended, nothing is rewritten.
    await db.cohorts.correct('ticket', day, [{ found: one('h3', 1), exact: one('h3', 3) }], 5);
    const items = await db.documents.send(
      new QueryCommand({
        TableName: db.names.facts,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `cohortlog#ticket#${day}` },
      }),
    );
    expect(items.Items?.map((item) => String(item.sk).slice(0, 2))).toEqual(['d#', 's#']);
    expect((await db.cohorts.read('ticket', day, 6)).find((facts) => facts.id === 'h3')?.n).toBe(3);
  });

  it('remembers accepted GPS records by eventId', async () => {
    const gps = (eventId: string) => ({
      eventId,
      vehicleId: 'v-d',
      firstPointMs: Date.parse('2026-03-02T01:00:10Z'),
    });
    await db.accepted.markAccepted([gps('d1'), gps('d2')]);
    expect(await db.accepted.findAccepted([gps('d1'), gps('d3'), gps('d2'), gps('d1')])).toEqual(
      new Set(['d1', 'd2']),
    );
  });

  it('checks records of more than 100 buckets at once', async () => {
    // One vehicle, one record a minute: 230 buckets, more than one BatchGet holds.
    const records = Array.from({ length: 230 }, (_, index) => ({
      eventId: `bulk-${index}`,
      vehicleId: 'v-bulk',
      firstPointMs: Date.parse('2026-03-02T00:00:00Z') + index * 60_000,
    }));
    await db.accepted.markAccepted(records.slice(0, 150));
    expect((await db.accepted.findAccepted(records)).size).toBe(150);
  });

  it('keeps the latest accepted time per source, whatever order batches finish in', async () => {
    // Every call writes (no step), as when each batch is handled by another Lambda instance.
    const facts = new FeedFreshnessStore(db.documents, db.names.facts, 0);
    expect(await facts.feedFreshness(['city-platform', 'sanitation'])).toEqual(new Map());
    await facts.markFeedFresh('sanitation', '2026-03-02T01:00:05.000Z');
    await facts.markFeedFresh('sanitation', '2026-03-02T01:00:01.000Z');
    const times = Array.from({ length: 10 }, (_, n) => `2026-03-02T01:0${n}:30.000Z`);
    await Promise.all([...times].reverse().map((at) => facts.markFeedFresh('city-platform', at)));
    expect(await facts.feedFreshness(['hotline', 'city-platform', 'sanitation'])).toEqual(
      new Map([
        ['city-platform', '2026-03-02T01:09:30.000Z'],
        ['sanitation', '2026-03-02T01:00:05.000Z'],
      ]),
    );
  });

  it('writes the freshness of a busy feed once per 10 s step', async () => {
    const facts = new FeedFreshnessStore(db.documents, db.names.facts);
    const stored = async () => (await facts.feedFreshness(['hotline'])).get('hotline');
    await facts.markFeedFresh('hotline', '2026-03-02T02:00:00.000Z');
    await facts.markFeedFresh('hotline', '2026-03-02T02:00:09.999Z');
    expect(await stored()).toBe('2026-03-02T02:00:00.000Z');
    await facts.markFeedFresh('hotline', '2026-03-02T02:00:10.000Z');
    expect(await stored()).toBe('2026-03-02T02:00:10.000Z');
  });

  it("never skips a feed's freshness for a write still in flight that then fails", async () => {
    let calls = 0;
    const flaky = {
      send: (command: unknown) => {
        calls += 1;
        if (calls === 1)
          return new Promise((_, reject) => setTimeout(() => reject(new Error('throttled')), 100));
        return db.documents.send(command as never);
      },
    } as unknown as typeof db.documents;
    const facts = new FeedFreshnessStore(flaky, db.names.facts);
    // Two batches a second apart; the first one's write is slow and fails.
    const [first, second] = await Promise.allSettled([
      facts.markFeedFresh('city-platform', '2026-03-05T02:00:00.000Z'),
      facts.markFeedFresh('city-platform', '2026-03-05T02:00:01.000Z'),
    ]);
    expect(first.status).toBe('rejected');
    expect(second.status).toBe('fulfilled');
    expect((await facts.feedFreshness(['city-platform'])).get('city-platform')).toBe(
      '2026-03-05T02:00:01.000Z',
    );
  });

  it('keeps the first answer to a webhook-id for 24 hours, per source, with its status and body digest', async () => {
    const now = Date.parse('2026-03-02T01:00:00Z');
    const answer = {
      status: 202 as const,
      answer: { accepted: 2, duplicates: 0, rejected: [] },
      bodyDigest: 'digest-1',
    };
    const other = {
      status: 202 as const,
      answer: { accepted: 0, duplicates: 2, rejected: [] },
      bodyDigest: 'digest-2',
    };
    expect(await db.replies.findReply('hotline', 'w1', now)).toBeUndefined();
    expect(await db.replies.saveReply('hotline', 'w1', answer, now)).toBeUndefined();
    expect(await db.replies.findReply('hotline', 'w1', now + 1000)).toEqual(answer);
    // A second answer to the same id loses to the first, and is told the first.
    expect(await db.replies.saveReply('hotline', 'w1', other, now + 2000)).toEqual(answer);
    expect(await db.replies.findReply('hotline', 'w1', now + 3000)).toEqual(answer);
    expect(await db.replies.findReply('city-platform', 'w1', now)).toBeUndefined();
    // After 24 hours the id is free again.
    expect(await db.replies.findReply('hotline', 'w1', now + 86_400_000)).toBeUndefined();
    expect(await db.replies.saveReply('hotline', 'w1', other, now + 86_400_000)).toBeUndefined();
    expect(await db.replies.findReply('hotline', 'w1', now + 86_401_000)).toEqual(other);
  });

  it('keeps an answer of 1000 rejected records with all their errors', async () => {
    const now = Date.parse('2026-03-02T01:00:00Z');
    const errors = Array.from({ length: 5 }, (_, n) => ({
      path: `field${n}`,
      message: 'Invalid input: expected string, received undefined',
    }));
    const answer = {
      status: 422 as const,
      answer: {
        accepted: 0,
        duplicates: 0,
        rejected: Array.from({ length: 1000 }, (_, index) => ({ index, errors })),
      },
      bodyDigest: 'digest-3',
    };
    await db.replies.saveReply('hotline', 'w3', answer, now);
    expect(await db.replies.findReply('hotline', 'w3', now)).toEqual(answer);
  });

  it('lists quarantined records newest first, up to the limit', async () => {
    const errors = [{ path: 'eventId', message: 'Invalid input' }];
    const start = Date.parse('2026-03-02T01:00:00Z');
    await db.quarantine.quarantine('city-platform', [{ index: 0, record: { n: 1 }, errors }], 'r1', start);
    await db.quarantine.quarantine(
      'city-platform',
      [
        { index: 3, record: { n: 2 }, errors },
        { index: 7, record: 'not an object', errors },
      ],
      'r2',
      start + 60_000,
    );
    const listed = await db.quarantine.listQuarantine('city-platform', 2, start + 120_000);
    expect(listed.map((item) => [item.requestId, item.index])).toEqual([
      ['r2', 7],
      ['r2', 3],
    ]);
    expect(listed[0]).toMatchObject({
      record: '"not an object"',
      errors,
      truncated: false,
      arrivedAt: '2026-03-02T01:01:00.000Z',
    });
    expect(await db.quarantine.listQuarantine('city-platform', 10, start + 31 * 86_400_000)).toEqual([]);
  });
});
