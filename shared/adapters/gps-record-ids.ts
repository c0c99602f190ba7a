import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import { batchGet, CONDITION_FAILED, DUPLICATE_ITEM, executeStatements } from '#shared/adapters/dynamo';
import type { AcceptedGpsRecords, GpsRecordId } from '#shared/app/ingest';
import { shardOf } from '#shared/domain/sanitation/shards';

const MINUTE_MS = 60_000;
/** Single bucket writes in flight at once. */
const MARK_CONCURRENCY = 16;
/** Buckets an instance remembers as existing: a few minutes of a large fleet's shards. */
const KNOWN_BUCKETS = 4_096;
const BUCKET_SK = 'ids';

/**
 * The partition key of the bucket a GPS record's eventId is kept in: its vehicle's shard and the
 * minute (epoch minutes, UTC) of its earliest point.
 */
export const gpsIdsBucket = ({ vehicleId, firstPointMs }: Omit<GpsRecordId, 'eventId'>): string =>
  `gpsids#${shardOf(vehicleId)}#${Math.floor(firstPointMs / MINUTE_MS)}`;

/** The eventIds of these records per bucket. */
const byBucket = (records: readonly GpsRecordId[]): Map<string, Set<string>> => {
  const buckets = new Map<string, Set<string>>();
  for (const record of records) {
    const pk = gpsIdsBucket(record);
    const ids = buckets.get(pk);
    if (ids) ids.add(record.eventId);
    else buckets.set(pk, new Set([record.eventId]));
  }
  return buckets;
};

/**
 * The eventIds of the GPS records accepted before, packed into buckets in the facts table (key design:
 * docs/architecture.md): one item per (shard, minute of the earliest point) holding a string set of
 * eventIds. A platform's minute of the whole fleet touches about one bucket per shard, so looking its
 * records up and marking them costs ~32 reads and ~32 writes, not one of each per record.
 *
 * The rule this gives: a record is recognised as resent by its eventId among the records of vehicles
 * of its shard whose earliest point falls in the same minute. A record with a known eventId whose
 * earliest point is in another minute (or whose vehicle is in another shard) is a new record.
 * Buckets are kept for good, as the per-record marks they replace were.
 */
export class GpsRecordIdsStore implements AcceptedGpsRecords {
  /** Buckets this instance read or wrote, the most recent last: they exist (never deleted). */
  private readonly known = new Set<string>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * The eventIds among these records found in their own record's bucket: one BatchGet, eventually
   * consistent (half the units). A resend that misses an id marked a moment ago is accepted again and
   * still counts once: the coverage engine keeps points as a set (CONTRACT §10).
   */
  async findAccepted(records: readonly GpsRecordId[]): Promise<Set<string>> {
    const buckets = byBucket(records);
    if (buckets.size === 0) return new Set();
    const items = await batchGet(
      this.client,
      this.table,
      [...buckets.keys()].map((pk) => ({ pk, sk: BUCKET_SK })),
    );
    const stored = new Map(items.map((item) => [String(item.pk), item.ids]));
    this.remember([...stored.keys()]);
    const found = new Set<string>();
    for (const record of records) {
      const ids = stored.get(gpsIdsBucket(record));
      if (ids instanceof Set && ids.has(record.eventId)) found.add(record.eventId);
    }
    return found;
  }

  /**
   * Adds each record's eventId to its bucket, so marking again changes nothing. One bucket alone is
   * one `ADD`. Several go 25 to a call: a bucket this instance knows to exist (it read or wrote it;
   * buckets are never deleted) is extended by UPDATE `set_add`, any other INSERTed, which DynamoDB
   * refuses when it exists after all (a write unit spent) and the UPDATE follows. A fleet minute's
   * 32 new buckets take two calls, not 32.
   */
  async markAccepted(records: readonly GpsRecordId[]): Promise<void> {
    const buckets = [...byBucket(records)];
    if (buckets.length <= 1) {
      await pMap(buckets, ([pk, ids]) => this.add(pk, ids));
      this.remember(buckets.map(([pk]) => pk));
      return;
    }
    // Sorted once, before any call: a concurrent mark may teach the instance a bucket meanwhile, and
    // one bucket named twice in a call is refused whole.
    const known = buckets.filter(([pk]) => this.known.has(pk));
    const fresh = buckets.filter(([pk]) => !this.known.has(pk));
    const inserted = await executeStatements(
      this.client,
      fresh.map(([pk, ids]) => ({
        Statement: `INSERT INTO "${this.table}" VALUE {'pk': ?, 'sk': ?, 'ids': ?}`,
        Parameters: [pk, BUCKET_SK, ids],
      })),
      DUPLICATE_ITEM,
    );
    const extended = [...known, ...fresh.filter((_, index) => inserted[index])];
    const added = await executeStatements(
      this.client,
      extended.map(([pk, ids]) => ({
        Statement: `UPDATE "${this.table}" SET ids = set_add(ids, ?) WHERE pk = ? AND sk = ?`,
        Parameters: [ids, pk, BUCKET_SK],
      })),
      CONDITION_FAILED,
    );
    // Buckets are kept for good, so an UPDATE finds its bucket; should one not, `ADD` makes it.
    await pMap(
      extended.filter((_, index) => added[index]),
      ([pk, ids]) => this.add(pk, ids),
      { concurrency: MARK_CONCURRENCY },
    );
    this.remember(buckets.map(([pk]) => pk));
  }

  /** Notes buckets that exist, forgetting the oldest beyond `KNOWN_BUCKETS`. */
  private remember(pks: readonly string[]): void {
    for (const pk of pks) {
      this.known.delete(pk);
      this.known.add(pk);
    }
    for (const oldest of this.known) {
      if (this.known.size <= KNOWN_BUCKETS) break;
      this.known.delete(oldest);
    }
  }

  private async add(pk: string, ids: ReadonlySet<string>): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk, sk: BUCKET_SK },
        UpdateExpression: 'ADD #ids :ids',
        ExpressionAttributeNames: { '#ids': 'ids' },
        ExpressionAttributeValues: { ':ids': ids },
      }),
    );
  }
}
