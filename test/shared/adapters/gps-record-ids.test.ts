import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpsRecordIdsStore, gpsIdsBucket } from '#shared/adapters/gps-record-ids';
import type { GpsRecordId } from '#shared/app/ingest';
import { GPS_SHARDS, shardOf } from '#shared/domain/sanitation/shards';
import { createTestTables } from '../../support/tables.ts';

let db: Awaited<ReturnType<typeof createTestTables>>;
let store: GpsRecordIdsStore;
/** The commands the store sent, by name (`UpdateCommand`, `BatchGetCommand`, …). */
const sent: string[] = [];
beforeAll(async () => {
  db = await createTestTables();
  const counting = {
    send: (command: object) => {
      sent.push(command.constructor.name);
      return db.documents.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
  store = new GpsRecordIdsStore(counting, db.names.facts);
});
afterAll(async () => db.drop());

const MINUTE = Date.parse('2026-03-02T01:00:00Z');
const gps = (eventId: string, vehicleId: string, firstPointMs: number): GpsRecordId => ({
  eventId,
  vehicleId,
  firstPointMs,
});

/** A vehicle other than `vehicleId` whose shard is (or is not) the same. */
const otherVehicle = (vehicleId: string, sameShard: boolean): string => {
  for (let n = 0; ; n += 1) {
    const candidate = `${vehicleId}-other-${n}`;
    if ((shardOf(candidate) === shardOf(vehicleId)) === sameShard) return candidate;
  }
};

const bucketIds = async (record: GpsRecordId) => {
  const { Item } = await db.documents.send(
    new GetCommand({
      TableName: db.names.facts,
      Key: { pk: gpsIdsBucket(record), sk: 'ids' },
      ConsistentRead: true,
    }),
  );
  return Item?.ids as Set<string> | undefined;
};

describe('GpsRecordIdsStore on DynamoDB Local', () => {
  it('keys a bucket by the shard of the vehicle and the minute of the earliest point', () => {
    const shard = shardOf('v-key');
    expect(gpsIdsBucket({ vehicleId: 'v-key', firstPointMs: MINUTE + 59_999 })).toBe(
      `gpsids#${shard}#${MINUTE / 60_000}`,
    );
    expect(gpsIdsBucket({ vehicleId: 'v-key', firstPointMs: MINUTE + 60_000 })).toBe(
      `gpsids#${shard}#${MINUTE / 60_000 + 1}`,
    );
  });

  it('finds a record marked before by its eventId within its bucket', async () => {
    const sibling = otherVehicle('v1', true);
    await store.markAccepted([gps('a1', 'v1', MINUTE + 5_000), gps('a2', sibling, MINUTE + 40_000)]);
    // Vehicles of one shard and minute share a bucket: one item holds both eventIds.
    expect(await bucketIds(gps('a1', 'v1', MINUTE))).toEqual(new Set(['a1', 'a2']));
    expect(
      await store.findAccepted([
        gps('a1', 'v1', MINUTE + 5_000),
        gps('a3', 'v1', MINUTE + 5_000),
        gps('a2', sibling, MINUTE + 40_000),
      ]),
    ).toEqual(new Set(['a1', 'a2']));
    expect(await store.findAccepted([])).toEqual(new Set());
  });

  it('keeps vehicles of other shards and other minutes in other buckets', async () => {
    const stranger = otherVehicle('v2', false);
    await store.markAccepted([gps('b1', 'v2', MINUTE + 1_000)]);
    expect(await store.findAccepted([gps('b1', stranger, MINUTE + 1_000)])).toEqual(new Set());
    expect(await store.findAccepted([gps('b1', 'v2', MINUTE + 61_000)])).toEqual(new Set());
    expect(await bucketIds(gps('b1', stranger, MINUTE))).toBeUndefined();
    expect(await bucketIds(gps('b1', 'v2', MINUTE + 60_000))).toBeUndefined();
  });

  it('marks idempotently: marking records again changes nothing', async () => {
    const records = [gps('c1', 'v3', MINUTE), gps('c2', 'v3', MINUTE + 30_000)];
    await store.markAccepted(records);
    await store.markAccepted(records);
    await Promise.all([store.markAccepted(records), store.markAccepted(records.slice(1))]);
    expect(await bucketIds(records[0] as GpsRecordId)).toEqual(new Set(['c1', 'c2']));
    expect(await store.findAccepted(records)).toEqual(new Set(['c1', 'c2']));
  });

  it('does not find a record with a known eventId whose earliest point is in another minute (the rule)', async () => {
    // A record is recognised by its eventId among the records of vehicles of its shard whose earliest
    // point falls in the same minute. Resent with a point added a minute earlier, it is a new record.
    await store.markAccepted([gps('d1', 'v4', MINUTE + 10_000)]);
    expect(await store.findAccepted([gps('d1', 'v4', MINUTE + 59_000)])).toEqual(new Set(['d1']));
    expect(await store.findAccepted([gps('d1', 'v4', MINUTE - 1_000)])).toEqual(new Set());
    expect(await store.findAccepted([gps('d1', 'v4', MINUTE + 60_000)])).toEqual(new Set());
  });

  it('looks up and marks a minute of an 800-vehicle fleet in a few calls: buckets INSERTed 25 to a call', async () => {
    const fleet = Array.from({ length: 800 }, (_, n) =>
      gps(`fleet-${n}`, `truck-${n}`, MINUTE + 120_000 + ((n * 37) % 60_000)),
    );
    const buckets = new Set(fleet.map((record) => gpsIdsBucket(record))).size;
    expect(buckets).toBeLessThanOrEqual(GPS_SHARDS);
    sent.splice(0);
    expect(await store.findAccepted(fleet)).toEqual(new Set());
    await store.markAccepted(fleet);
    expect(await store.findAccepted(fleet)).toEqual(new Set(fleet.map(({ eventId }) => eventId)));
    // Two lookups of at most 100 buckets: one BatchGet each; the new buckets INSERTed, 25 a call.
    expect(sent.filter((name) => name === 'BatchGetCommand')).toHaveLength(2);
    expect(sent.filter((name) => name === 'BatchExecuteStatementCommand')).toHaveLength(
      Math.ceil(buckets / 25),
    );
    expect(sent).toHaveLength(2 + Math.ceil(buckets / 25));
  });

  it('adds ids to the buckets that exist and makes the others, whichever came first', async () => {
    const minute = MINUTE + 10 * 60_000;
    const first = Array.from({ length: 60 }, (_, n) => gps(`m-${n}`, `van-${n}`, minute + n * 1_000));
    // Half of these land in buckets the first batch made, half in buckets of the next minute.
    const second = Array.from({ length: 60 }, (_, n) =>
      gps(`m2-${n}`, `van-${n}`, minute + (n % 2 === 0 ? n * 1_000 : 60_000 + n * 500)),
    );
    await store.markAccepted(first);
    sent.splice(0);
    await Promise.all([store.markAccepted(second), store.markAccepted(second.slice(0, 30))]);
    const all = [...first, ...second];
    expect(await store.findAccepted(all)).toEqual(new Set(all.map(({ eventId }) => eventId)));
    const inFirstBucket = await bucketIds(first[0] as GpsRecordId);
    expect(inFirstBucket).toEqual(
      new Set(
        all
          .filter((record) => gpsIdsBucket(record) === gpsIdsBucket(first[0] as GpsRecordId))
          .map(({ eventId }) => eventId),
      ),
    );
    expect(sent).toContain('BatchExecuteStatementCommand');
  });

  it('marks buckets that a concurrent mark of the same instance made while its INSERTs were on the way', async () => {
    const minute = MINUTE + 30 * 60_000;
    // The first INSERT call is held until the concurrent mark is done: that mark makes (and so teaches
    // the instance) a bucket the held call also INSERTs, which DynamoDB then refuses.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = true;
    const racing = new GpsRecordIdsStore(
      {
        send: async (command: object) => {
          const { input } = command as { input: { Statements?: { Statement: string }[] } };
          if (holding && input.Statements?.[0]?.Statement.startsWith('INSERT')) {
            holding = false;
            await held;
          }
          return db.documents.send(command as never);
        },
      } as unknown as DynamoDBDocumentClient,
      db.names.facts,
    );
    const many = Array.from({ length: 40 }, (_, n) => gps(`r-${n}`, `cab-${n}`, minute + n * 1_000));
    const one = gps('r-alone', 'cab-0', minute + 500);
    const marking = racing.markAccepted(many);
    await racing.markAccepted([one]);
    release();
    await marking;
    const all = [...many, one];
    expect(await store.findAccepted(all)).toEqual(new Set(all.map(({ eventId }) => eventId)));
    expect(await bucketIds(one)).toEqual(
      new Set(
        all.filter((record) => gpsIdsBucket(record) === gpsIdsBucket(one)).map(({ eventId }) => eventId),
      ),
    );
  });

  it('adds ids to buckets another instance made, refused as new ones, then by UPDATE alone', async () => {
    const minute = MINUTE + 20 * 60_000;
    const recording = (log: string[]) =>
      new GpsRecordIdsStore(
        {
          send: (command: object) => {
            const { input } = command as { input: { Statements?: { Statement: string }[] } };
            for (const { Statement } of input.Statements ?? []) log.push(Statement.split(' ')[0] ?? '');
            return db.documents.send(command as never);
          },
        } as unknown as DynamoDBDocumentClient,
        db.names.facts,
      );
    const made: string[] = [];
    const other: string[] = [];
    const blind = recording(other);
    const first = Array.from({ length: 40 }, (_, n) => gps(`x-${n}`, `car-${n}`, minute + n * 1_000));
    const again = first.map((record) => ({ ...record, eventId: `${record.eventId}-again` }));
    const third = first.map((record) => ({ ...record, eventId: `${record.eventId}-third` }));
    await recording(made).markAccepted(first);
    await blind.markAccepted(again);
    await blind.markAccepted(third);
    const all = [...first, ...again, ...third];
    expect(await store.findAccepted(all)).toEqual(new Set(all.map(({ eventId }) => eventId)));
    const buckets = new Set(first.map((record) => gpsIdsBucket(record))).size;
    expect(made).toEqual(Array(buckets).fill('INSERT'));
    // Not knowing them, the other instance tries INSERTs first; then it knows.
    expect(other).toEqual([...Array(buckets).fill('INSERT'), ...Array(buckets * 2).fill('UPDATE')]);
  });
});
