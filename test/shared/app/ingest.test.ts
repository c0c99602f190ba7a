import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { relayedRecordsOf } from '#shared/adapters/webhook-replies-store';
import { ingest } from '#shared/app/ingest';
import { recordEntityEvent } from '#shared/app/record-entity-event';
import { relayRecords } from '#shared/app/relay';
import { ConflictError, DependencyError, InvalidInputError } from '#shared/domain/errors';
import { shardOf } from '#shared/domain/sanitation/shards';
import { RecordingPublisher } from '../../support/recording-publisher.ts';
import { createTestTables } from '../../support/tables.ts';

let db: Awaited<ReturnType<typeof createTestTables>>;
const publisher = new RecordingPublisher();
const now = Date.parse('2026-03-02T02:00:00Z');
let deps: Parameters<typeof ingest>[1];

beforeAll(async () => {
  db = await createTestTables();
  deps = { ...db, publisher, now: () => now };
});
afterAll(async () => db.drop());
beforeEach(() => publisher.published.splice(0));

const ticketEvent = (eventId: string, extra: Record<string, unknown> = {}) => ({
  eventId,
  ticketId: `t-${eventId}`,
  type: 'received',
  occurredAt: '2026-03-02T09:00:00+08:00',
  category: 'noise',
  ...extra,
});

const send = (records: unknown, webhookId = `w-${randomUUID()}`) =>
  ingest({ source: 'hotline', body: { records }, webhookId, requestId: `r-${webhookId}` }, deps);

describe('ingest on DynamoDB Local', () => {
  it('accepts valid records, counts duplicates and rejects bad ones with paths', async () => {
    const outcome = await send([
      ticketEvent('a1'),
      ticketEvent('a2', { district: 'Bad Code' }),
      ticketEvent('a1'),
      { eventId: 'a3' },
      ticketEvent('a4', { occurredAt: '2026-03-02 09:00' }),
    ]);
    expect(outcome.status).toBe(202);
    expect(outcome.answer.accepted).toBe(1);
    expect(outcome.answer.duplicates).toBe(1);
    expect(outcome.answer.rejected.map((rejection) => rejection.index)).toEqual([1, 3, 4]);
    expect(outcome.answer.rejected[0]?.errors).toEqual([
      { path: 'district', message: 'must match ^[a-z0-9][a-z0-9-]*$ (lower-case letters, digits, dashes)' },
    ]);
    expect(outcome.answer.rejected[1]?.errors.map((error) => error.path)).toEqual([
      'ticketId',
      'type',
      'occurredAt',
      'category',
    ]);
    expect(outcome.answer.rejected[2]?.errors[0]?.path).toBe('occurredAt');
    expect(publisher.take('hotline.record-accepted')).toEqual([
      { source: 'hotline', acceptedAt: '2026-03-02T02:00:00.000Z', record: ticketEvent('a1') },
    ]);
  });

  it('records when the feed last had records accepted, for batches with new records only', async () => {
    const sendAt = (at: number, records: unknown[]) =>
      ingest(
        { source: 'hotline', body: { records }, webhookId: `w-${randomUUID()}`, requestId: 'r-fresh' },
        { ...deps, now: () => at },
      );
    const lastAccepted = async () => (await db.feeds.feedFreshness(['hotline'])).get('hotline');
    await sendAt(now + 60_000, [ticketEvent('fresh1')]);
    expect(await lastAccepted()).toBe('2026-03-02T02:01:00.000Z');
    await sendAt(now + 120_000, [ticketEvent('fresh1')]);
    await sendAt(now + 120_000, [{ bad: true }]);
    expect(await lastAccepted()).toBe('2026-03-02T02:01:00.000Z');
    // A slower request that started earlier and finishes later does not move it back.
    await sendAt(now + 30_000, [ticketEvent('fresh2')]);
    expect(await lastAccepted()).toBe('2026-03-02T02:01:00.000Z');
    await sendAt(now + 180_000, [ticketEvent('fresh3')]);
    expect(await lastAccepted()).toBe('2026-03-02T02:03:00.000Z');
  });

  it('keeps unknown fields of a record, and names each in a warning of the answer', async () => {
    const outcome = await send([
      ticketEvent('k0'),
      ticketEvent('k1', { hotlineOperator: 'op-7', severty: 'major' }),
    ]);
    expect(publisher.take('hotline.record-accepted')).toEqual([
      expect.objectContaining({ record: ticketEvent('k0') }),
      expect.objectContaining({ record: expect.objectContaining({ hotlineOperator: 'op-7' }) }),
    ]);
    expect(outcome).toEqual({
      status: 202,
      answer: {
        accepted: 2,
        duplicates: 0,
        rejected: [],
        warnings: [
          {
            index: 1,
            path: 'hotlineOperator',
            message: 'unknown field "hotlineOperator" (accepted; cityhub does not use it)',
          },
          {
            index: 1,
            path: 'severty',
            message: 'unknown field "severty"; did you mean "severity"? (accepted; cityhub does not use it)',
          },
        ],
      },
    });
  });

  it('names a misspelt field in the rejection of the record that lacks the field meant', async () => {
    const { occurredAt, ...rest } = ticketEvent('k9');
    const outcome = await send([{ ...rest, occuredAt: occurredAt }]);
    expect(outcome.status).toBe(422);
    expect(outcome.answer.rejected[0]?.errors[0]).toEqual({
      path: 'occuredAt',
      message: 'unknown field "occuredAt"; did you mean "occurredAt"?',
    });
    expect(outcome.answer).not.toHaveProperty('warnings');
  });

  it('stores an event with its known fields only, and publishes it as received', async () => {
    await send([ticketEvent('k2', { recNo: 2e20, nested: { deep: [1, 2] } })]);
    expect(publisher.take('hotline.record-accepted')).toEqual([
      expect.objectContaining({ record: expect.objectContaining({ recNo: 2e20 }) }),
    ]);
    const { events } = await db.entities.readEntity('ticket', 't-k2');
    expect(events).toEqual([ticketEvent('k2')]);
  });

  it('answers a record accepted in an earlier request as a duplicate and announces it again as resent only', async () => {
    await send([ticketEvent('b1')]);
    publisher.published.splice(0);
    const outcome = await send([ticketEvent('b1'), ticketEvent('b2')]);
    expect(outcome).toEqual({ status: 202, answer: { accepted: 1, duplicates: 1, rejected: [] } });
    // The new one as accepted (facts and webhooks), the known one as resent (facts only), stored once.
    expect(publisher.published.map(({ detailType, detail }) => [detailType, detail])).toEqual([
      ['hotline.record-accepted', expect.objectContaining({ record: ticketEvent('b2') })],
      ['hotline.record-resent', expect.objectContaining({ record: ticketEvent('b1') })],
    ]);
    expect((await db.entities.readEntity('ticket', 't-b1')).events).toEqual([ticketEvent('b1')]);
  });

  describe('an event whose first announcement was lost (a dead letter)', () => {
    const factsDeps = () => ({ ...db, publisher, timeZone: 'Asia/Shanghai' });
    type Announced = Parameters<typeof recordEntityEvent>[0];

    it('reaches its facts when the source sends it again, and counts once', async () => {
      expect((await send([ticketEvent('lost-1')])).answer.accepted).toBe(1);
      // Its record-accepted never reaches the facts consumer: the message dead-lettered.
      expect(publisher.take('hotline.record-accepted')).toHaveLength(1);
      const again = await send([ticketEvent('lost-1')]);
      expect(again.answer).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
      const [resent] = publisher.take('hotline.record-resent') as Announced[];
      expect(resent?.record).toEqual(ticketEvent('lost-1'));
      const facts = await recordEntityEvent(resent as Announced, factsDeps());
      expect(facts).toMatchObject({ id: 't-lost-1', n: 1, state: { cohortDay: '2026-03-02' } });
    });

    it('derives the same facts from a plain resend as from the first announcement', async () => {
      await send([ticketEvent('twice-1')]);
      const [first] = publisher.take('hotline.record-accepted') as Announced[];
      await send([ticketEvent('twice-1')]);
      const [resent] = publisher.take('hotline.record-resent') as Announced[];
      const once = await recordEntityEvent(first as Announced, factsDeps());
      const again = await recordEntityEvent(resent as Announced, factsDeps());
      expect(again).toEqual(once);
      expect(once.n).toBe(1);
      expect((await db.entities.readEntity('ticket', 't-twice-1')).events).toEqual([ticketEvent('twice-1')]);
    });
  });

  it('answers a replayed webhook-id with the first answer and its status, changing nothing', async () => {
    const first = await send([ticketEvent('c1'), { bad: true }], 'replayed');
    publisher.published.splice(0);
    const again = await send([ticketEvent('c1'), { bad: true }], 'replayed');
    expect(first.status).toBe(202);
    expect(again).toEqual({ status: 202, answer: first.answer, replayed: true });
    expect(publisher.published).toEqual([]);
  });

  it('answers a replayed 422 with 422', async () => {
    const first = await send([{ bad: true }], 'replayed-422');
    expect(first.status).toBe(422);
    expect(await send([{ bad: true }], 'replayed-422')).toEqual({ ...first, replayed: true });
  });

  it('refuses a used webhook-id with another body (409), storing nothing of it', async () => {
    const first = await send([{ bad: true }], 'reused');
    expect(first.status).toBe(422);
    publisher.published.splice(0);
    // The corrected batch under the id of the refused one: it would otherwise be answered and dropped.
    const reused = send([ticketEvent('c2')], 'reused');
    await expect(reused).rejects.toBeInstanceOf(ConflictError);
    await expect(reused).rejects.toThrow('webhook-id reused was used for a different body');
    expect(publisher.published).toEqual([]);
    expect((await db.entities.readEntity('ticket', 't-c2')).events).toEqual([]);
    // Under a new id it is taken.
    expect((await send([ticketEvent('c2')])).answer.accepted).toBe(1);
  });

  it('answers two requests sent at once with one webhook-id with one answer, counting records once', async () => {
    const [one, two] = await Promise.all([
      send([ticketEvent('g1'), ticketEvent('g2')], 'at-once'),
      send([ticketEvent('g1'), ticketEvent('g2')], 'at-once'),
    ]);
    // The one that answers second repeats the first one's answer, status included.
    const answers = [one, two].sort((a, b) => Number(a.replayed ?? false) - Number(b.replayed ?? false));
    expect(answers[0]).toEqual({ status: 202, answer: { accepted: 2, duplicates: 0, rejected: [] } });
    expect(answers[1]).toEqual({ status: 202, answer: answers[0]?.answer, replayed: true });
    const { events } = await db.entities.readEntity('ticket', 't-g1');
    expect(events).toHaveLength(1);
  });

  it('rejects a record larger than 64 KB with its size, and takes the rest', async () => {
    const outcome = await send([ticketEvent('big', { notes: 'x'.repeat(70_000) }), ticketEvent('small')]);
    expect(outcome.answer.accepted).toBe(1);
    expect(outcome.answer.rejected).toEqual([
      {
        index: 0,
        errors: [
          { path: '$', message: expect.stringMatching(/^record is 70\d{3} bytes as JSON; at most 65536/) },
        ],
      },
    ]);
  });

  it('answers 1000 rejected records in one go', async () => {
    const outcome = await send(Array.from({ length: 1000 }, () => ({})));
    expect(outcome.status).toBe(422);
    expect(outcome.answer.rejected).toHaveLength(1000);
  });

  it('answers 422 and quarantines every record when all are rejected', async () => {
    const outcome = await send([{ eventId: 'q1', type: 'exploded' }]);
    expect(outcome.status).toBe(422);
    const kept = (await db.quarantine.listQuarantine('hotline', 5000, now)).find((item) =>
      item.record.includes('"q1"'),
    );
    expect(kept).toMatchObject({
      index: 0,
      record: '{"eventId":"q1","type":"exploded"}',
      arrivedAt: '2026-03-02T02:00:00.000Z',
    });
    expect(kept?.errors.map((error) => error.path)).toContain('type');
  });

  it('acknowledges nothing when the bus refuses, so a retry is accepted', async () => {
    publisher.failNext = true;
    await expect(send([ticketEvent('f1')], 'flaky')).rejects.toBeInstanceOf(DependencyError);
    const retry = await send([ticketEvent('f1')], 'flaky');
    expect(retry).toEqual({ status: 202, answer: { accepted: 1, duplicates: 0, rejected: [] } });
  });

  it('fails a batch whose events reached the bus but not the store; a resend finds them once stored', async () => {
    const unstored = {
      ...deps,
      events: Object.assign(Object.create(db.events), {
        storeEvents: () => Promise.reject(new Error('killed')),
      }) as typeof db.events,
    };
    const attempt = ingest(
      { source: 'hotline', body: { records: [ticketEvent('s1')] }, webhookId: 'dies', requestId: 'r-dies' },
      unstored,
    );
    await expect(attempt).rejects.toBeInstanceOf(DependencyError);
    await expect(attempt).rejects.toThrow('could not store records: killed');
    const [published] = publisher.take('hotline.record-accepted') as { record: { eventId: string } }[];
    expect(published?.record.eventId).toBe('s1');
    // The facts consumer stores what it gets from the bus.
    await db.entities.putEvent('ticket', 't-s1', ticketEvent('s1'), '2026-03-02T01:00:00.000Z');
    expect(await send([ticketEvent('s1')])).toEqual({
      status: 202,
      answer: { accepted: 0, duplicates: 1, rejected: [] },
    });
    expect(publisher.take('hotline.record-accepted')).toEqual([]);
  });

  it('answers as a duplicate an event another request stored between its check and its write', async () => {
    const racing = {
      ...deps,
      events: Object.assign(Object.create(db.events), {
        findStored: async () => new Map(),
      }) as typeof db.events,
    };
    await send([ticketEvent('r1')]);
    publisher.published.splice(0);
    const outcome = await ingest(
      { source: 'hotline', body: { records: [ticketEvent('r1')] }, webhookId: 'late', requestId: 'r-late' },
      racing,
    );
    expect(outcome).toEqual({ status: 202, answer: { accepted: 0, duplicates: 1, rejected: [] } });
  });

  it('accepts a batch whose feed-freshness write fails, and still quarantines its rejected records', async () => {
    const failing = {
      ...deps,
      feeds: { markFeedFresh: () => Promise.reject(new Error('throttled')) },
    };
    const outcome = await ingest(
      {
        source: 'hotline',
        body: { records: [ticketEvent('fresh-1'), { eventId: 'fresh-bad' }] },
        webhookId: 'fresh-fails',
        requestId: 'r-fresh-fails',
      },
      failing,
    );
    expect(outcome.status).toBe(202);
    expect(outcome.answer.accepted).toBe(1);
    expect(outcome.answer.rejected.map((entry) => entry.index)).toEqual([1]);
  });

  describe('GPS records', () => {
    /** A record of `points` points 10 s apart from `from` (city time), of vehicle `vehicleId`. */
    const gpsRecord = (
      eventId: string,
      vehicleId: string,
      from = '2026-03-02T09:30:00+08:00',
      points = 6,
    ) => ({
      eventId,
      vehicleId,
      points: Array.from({ length: points }, (_, n) => ({
        t: new Date(Date.parse(from) + n * 10_000).toISOString(),
        lat: 31.2 + n / 10_000,
        lon: 121.4 + n / 10_000,
        speedKmh: 12,
        working: true,
      })),
    });
    const sendGps = (records: unknown[], webhookId = `w-${randomUUID()}`) =>
      ingest({ source: 'sanitation', body: { records }, webhookId, requestId: `r-${webhookId}` }, deps);
    type Packed = { records: { eventId: string; vehicleId: string }[] };

    /** The records a stored answer carries for the stream to relay, as the relay function reads them. */
    const relayedBy = async (webhookId: string) => {
      const { Item } = await db.documents.send(
        new GetCommand({
          TableName: db.names.facts,
          Key: { pk: `webhook#sanitation#${webhookId}`, sk: 'reply' },
        }),
      );
      const relay = Item?.relay as Uint8Array | undefined;
      return relayedRecordsOf(relay ? { relay: { B: Buffer.from(relay).toString('base64') } } : undefined);
    };
    const relayedIds = async (webhookId: string) =>
      (await relayedBy(webhookId))?.records.map(({ eventId }) => eventId);
    /** Relays what the answer to `webhookId` carries, as the relay function does. */
    const relayNow = async (webhookId: string) => {
      const relayed = await relayedBy(webhookId);
      if (!relayed) throw new Error(`the answer to ${webhookId} carries no records`);
      return relayRecords([relayed], { publisher, accepted: db.accepted });
    };

    it('keeps the records of a small request with its answer, off the bus until relayed', async () => {
      expect(await sendGps([gpsRecord('gps-1', 'truck-a')], 'w-gps-1')).toEqual({
        status: 202,
        answer: { accepted: 1, duplicates: 0, rejected: [] },
      });
      expect(publisher.take('sanitation.records-accepted')).toEqual([]);
      expect(await relayedIds('w-gps-1')).toEqual(['gps-1']);
      const first = {
        eventId: 'gps-1',
        vehicleId: 'truck-a',
        firstPointMs: Date.parse('2026-03-02T09:30:00+08:00'),
      };
      expect(await db.accepted.findAccepted([first])).toEqual(new Set());
      // The relay announces the records and marks them accepted.
      expect(await relayNow('w-gps-1')).toEqual({ requests: 1, records: 1, events: 1 });
      expect(
        (publisher.take('sanitation.records-accepted') as Packed[]).map(({ records }) =>
          records.map(({ eventId }) => eventId),
        ),
      ).toEqual([['gps-1']]);
      expect(await db.accepted.findAccepted([first])).toEqual(new Set(['gps-1']));
      // Resent under a new webhook-id with a new record: a duplicate, relayed again (the coverage
      // engine takes a repeat as a no-op), after the new one.
      expect(
        await sendGps([gpsRecord('gps-1', 'truck-a'), gpsRecord('gps-2', 'truck-a')], 'w-gps-2'),
      ).toEqual({
        status: 202,
        answer: { accepted: 1, duplicates: 1, rejected: [] },
      });
      expect(await relayedIds('w-gps-2')).toEqual(['gps-2', 'gps-1']);
      // The same request again: its first answer, and nothing more kept or relayed.
      expect(
        await sendGps([gpsRecord('gps-1', 'truck-a'), gpsRecord('gps-2', 'truck-a')], 'w-gps-2'),
      ).toMatchObject({
        status: 202,
        replayed: true,
        answer: { accepted: 1, duplicates: 1 },
      });
    });

    it('publishes a request too large to travel with its answer, and answers its resend as a duplicate', async () => {
      // Tracks of their own: points that gzip about as well as real ones do.
      const records = Array.from({ length: 20 }, (_, n) => {
        const record = gpsRecord(`gps-big-${n}`, `truck-big-${n}`);
        return { ...record, points: record.points.map((point) => ({ ...point, lat: 31 + Math.random() })) };
      });
      expect((await sendGps(records, 'w-gps-big')).answer).toEqual({
        accepted: 20,
        duplicates: 0,
        rejected: [],
      });
      expect(await relayedIds('w-gps-big')).toBeUndefined();
      const events = publisher.take('sanitation.records-accepted') as Packed[];
      expect(events.flatMap(({ records: packed }) => packed.map(({ eventId }) => eventId)).sort()).toEqual(
        records.map(({ eventId }) => eventId).sort(),
      );
      expect((await sendGps(records)).answer).toEqual({ accepted: 0, duplicates: 20, rejected: [] });
    });

    it('takes a small request with a rejected record the usual way: published, and its rejects quarantined', async () => {
      const bad = {
        eventId: 'gps-bad',
        vehicleId: 'truck-q',
        points: [{ t: 'yesterday', lat: 31.2, lon: 121.4 }],
      };
      expect((await sendGps([gpsRecord('gps-q', 'truck-q'), bad], 'w-gps-q')).answer).toMatchObject({
        accepted: 1,
        duplicates: 0,
        rejected: [{ index: 1 }],
      });
      expect(await relayedIds('w-gps-q')).toBeUndefined();
      expect(
        (publisher.take('sanitation.records-accepted') as Packed[]).flatMap(({ records }) =>
          records.map(({ eventId }) => eventId),
        ),
      ).toEqual(['gps-q']);
      // Kept as received: the record's JSON.
      expect(
        (await db.quarantine.listQuarantine('sanitation', 10, now)).map((entry) => entry.record),
      ).toContainEqual(JSON.stringify(bad));
    });

    it('refuses the second of two bodies sent at once under one webhook-id, keeping nothing of it', async () => {
      const outcomes = await Promise.allSettled([
        sendGps([gpsRecord('gps-race-1', 'truck-r')], 'w-gps-race'),
        sendGps([gpsRecord('gps-race-2', 'truck-r')], 'w-gps-race'),
      ]);
      expect(outcomes.map(({ status }) => status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(ConflictError);
      expect(await relayedIds('w-gps-race')).toHaveLength(1);
      expect(publisher.take('sanitation.records-accepted')).toEqual([]);
    });

    it('recognises a resent record by its earliest point in time, whatever the order of its points', async () => {
      const record = gpsRecord('gps-order', 'truck-b', '2026-03-02T09:30:50+08:00');
      await sendGps([record], 'w-gps-order');
      await relayNow('w-gps-order');
      publisher.published.splice(0);
      const reordered = { ...record, points: [...record.points].reverse() };
      expect((await sendGps([reordered])).answer).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    });

    it('takes a known eventId whose earliest point falls in another minute as a new record', async () => {
      // The rule: a GPS record is recognised by its eventId among the records of vehicles of its shard
      // whose earliest point falls in the same minute.
      await sendGps([gpsRecord('gps-moved', 'truck-c', '2026-03-02T09:30:00+08:00')], 'w-gps-moved');
      await relayNow('w-gps-moved');
      const moved = gpsRecord('gps-moved', 'truck-c', '2026-03-02T09:31:00+08:00');
      expect((await sendGps([moved])).answer).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    });

    it('publishes a minute of an 800-vehicle fleet as a few packed events, and answers its resend as duplicates', async () => {
      const fleet = Array.from({ length: 800 }, (_, n) => gpsRecord(`fleet-${n}`, `truck-${n}`));
      expect(await sendGps(fleet)).toEqual({
        status: 202,
        answer: { accepted: 800, duplicates: 0, rejected: [] },
      });
      const events = publisher.take('sanitation.records-accepted') as Packed[];
      expect(events.length).toBeGreaterThan(1);
      expect(events.length).toBeLessThanOrEqual(10);
      // Every record once, grouped by the shard of its vehicle: an event reaches few shards of the log.
      const published = events.flatMap(({ records }) => records);
      expect(published.map(({ eventId }) => eventId).sort()).toEqual(
        fleet.map(({ eventId }) => eventId).sort(),
      );
      const shards = published.map(({ vehicleId }) => shardOf(vehicleId));
      expect(shards).toEqual([...shards].sort((a, b) => a - b));
      expect(await sendGps(fleet)).toEqual({
        status: 202,
        answer: { accepted: 0, duplicates: 800, rejected: [] },
      });
      // Announced again, packed the same way: a record whose coverage message dead-lettered is covered now.
      const again = (publisher.take('sanitation.records-accepted') as Packed[]).flatMap(
        ({ records }) => records,
      );
      expect(again.map(({ eventId }) => eventId).sort()).toEqual(fleet.map(({ eventId }) => eventId).sort());
    });
  });

  it.each([
    [{ records: [] }, 'records must hold at least 1 record'],
    [{ records: Array.from({ length: 1001 }, () => ({})) }, 'records must hold at most 1000 records'],
    [{ items: [] }, 'records'],
    [[ticketEvent('x')], 'body must be {"records": [...]}'],
  ])('refuses a malformed envelope %#', async (body, message) => {
    const attempt = ingest(
      { source: 'hotline', body, webhookId: `env-${Math.random()}`, requestId: 'r' },
      deps,
    );
    await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
    await expect(attempt).rejects.toThrow(message);
  });
});
