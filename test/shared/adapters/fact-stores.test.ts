import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedFreshnessStore } from '#shared/adapters/feed-freshness-store';
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
  it('stores an event once however often it is appended', async () => {
    await db.entities.appendEvent('ticket', 'a1', record('e1', 'a1'));
    const entity = await db.entities.appendEvent('ticket', 'a1', record('e1', 'a1'));
    expect(Object.keys(entity.events)).toEqual(['e1']);
  });

  it('keeps every event of concurrent appends to a new entity', async () => {
    const ids = Array.from({ length: 12 }, (_, index) => `c${index}`);
    await Promise.all(ids.map((id) => db.entities.appendEvent('ticket', 'a2', record(id, 'a2'))));
    const entity = await db.entities.appendEvent('ticket', 'a2', record('c0', 'a2'));
    expect(Object.keys(entity.events).sort()).toEqual([...ids].sort());
  });

  it('lists a cohort by day and ignores a derivation from fewer events than the stored one', async () => {
    await db.entities.appendEvent('ticket', 'a3', record('x1', 'a3'));
    await db.entities.saveCohort('ticket', 'a3', '2026-03-02', 2);
    await db.entities.saveCohort('ticket', 'a3', '2026-03-01', 1);
    expect((await db.entities.listCohort('ticket', '2026-03-02')).map((item) => item.entityId)).toEqual([
      'a3',
    ]);
    expect(await db.entities.listCohort('ticket', '2026-03-01')).toEqual([]);
    await db.entities.saveCohort('ticket', 'a3', undefined, 3);
    expect(await db.entities.listCohort('ticket', '2026-03-02')).toEqual([]);
  });

  it('returns the cohort day stored before an append', async () => {
    await db.entities.appendEvent('ticket', 'a4', record('y1', 'a4'));
    await db.entities.saveCohort('ticket', 'a4', '2026-03-02', 1);
    const entity = await db.entities.appendEvent('ticket', 'a4', record('y2', 'a4'));
    expect(entity.cohortDay).toBe('2026-03-02');
  });

  it('creates a likely-new entity in its cohort at once, and appends when it exists after all', async () => {
    const opened = await db.entities.appendEvent('ticket', 'a5', record('n1', 'a5'), {
      likelyNew: true,
      cohortDayIfNew: '2026-03-04',
    });
    expect(opened.cohortDay).toBe('2026-03-04');
    expect((await db.entities.listCohort('ticket', '2026-03-04')).map((item) => item.entityId)).toEqual([
      'a5',
    ]);
    // A later derivation from one event does not overwrite the cohort the creation stored.
    await db.entities.saveCohort('ticket', 'a5', '2026-03-05', 1);
    expect((await db.entities.listCohort('ticket', '2026-03-04')).map((item) => item.entityId)).toEqual([
      'a5',
    ]);
    const again = await db.entities.appendEvent('ticket', 'a5', record('n2', 'a5'), {
      likelyNew: true,
      cohortDayIfNew: '2026-03-01',
    });
    expect(Object.keys(again.events).sort()).toEqual(['n1', 'n2']);
    expect(again.cohortDay).toBe('2026-03-04');
  });

  it('remembers accepted eventIds per source', async () => {
    await db.accepted.markAccepted('hotline', ['d1', 'd2'], '2026-03-02T01:00:00.000Z');
    expect(await db.accepted.findAccepted('hotline', ['d1', 'd3', 'd2', 'd1'])).toEqual(
      new Set(['d1', 'd2']),
    );
    expect(await db.accepted.findAccepted('city-platform', ['d1'])).toEqual(new Set());
  });

  it('checks more than 100 eventIds at once', async () => {
    const ids = Array.from({ length: 230 }, (_, index) => `bulk-${index}`);
    await db.accepted.markAccepted('sanitation', ids.slice(0, 150), '2026-03-02T01:00:00.000Z');
    expect((await db.accepted.findAccepted('sanitation', ids)).size).toBe(150);
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

  it('lets one request claim a webhook-id and answers the others with its answer for 24 hours', async () => {
    const now = Date.parse('2026-03-02T01:00:00Z');
    const answer = { accepted: 2, duplicates: 0, rejected: [] };
    expect(await db.replies.claimReply('hotline', 'w1', now)).toEqual({ claimed: true });
    expect(await db.replies.claimReply('hotline', 'w1', now + 1000)).toEqual({ claimed: false });
    await db.replies.saveReply('hotline', 'w1', answer, now);
    expect(await db.replies.claimReply('hotline', 'w1', now + 2000)).toEqual({ claimed: false, answer });
    expect(await db.replies.claimReply('city-platform', 'w1', now)).toEqual({ claimed: true });
    expect(await db.replies.claimReply('hotline', 'w1', now + 86_400_000)).toEqual({ claimed: true });
  });

  it('frees a webhook-id whose request failed, and an abandoned claim after a minute', async () => {
    const now = Date.parse('2026-03-02T01:00:00Z');
    await db.replies.claimReply('hotline', 'w2', now);
    await db.replies.releaseReply('hotline', 'w2');
    expect(await db.replies.claimReply('hotline', 'w2', now)).toEqual({ claimed: true });
    expect(await db.replies.claimReply('hotline', 'w2', now + 61_000)).toEqual({ claimed: true });
  });

  it('keeps an answer of 1000 rejected records with all their errors', async () => {
    const now = Date.parse('2026-03-02T01:00:00Z');
    const errors = Array.from({ length: 5 }, (_, n) => ({
      path: `field${n}`,
      message: 'Invalid input: expected string, received undefined',
    }));
    const answer = {
      accepted: 0,
      duplicates: 0,
      rejected: Array.from({ length: 1000 }, (_, index) => ({ index, errors })),
    };
    await db.replies.claimReply('hotline', 'w3', now);
    await db.replies.saveReply('hotline', 'w3', answer, now);
    expect(await db.replies.claimReply('hotline', 'w3', now)).toEqual({ claimed: false, answer });
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
