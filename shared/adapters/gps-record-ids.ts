import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import { batchGet } from '#shared/adapters/dynamo';
import type { AcceptedGpsRecords, GpsRecordId } from '#shared/app/ingest';
import { shardOf } from '#shared/domain/sanitation/shards';

const MINUTE_MS = 60_000;
/** Bucket writes in flight at once: a fleet minute's 32 buckets in two rounds. */
const MARK_CONCURRENCY = 16;
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
    const found = new Set<string>();
    for (const record of records) {
      const ids = stored.get(gpsIdsBucket(record));
      if (ids instanceof Set && ids.has(record.eventId)) found.add(record.eventId);
    }
    return found;
  }

  /** Adds each record's eventId to its bucket: one `ADD` per bucket, so marking again changes nothing. */
  async markAccepted(records: readonly GpsRecordId[]): Promise<void> {
    await pMap(
      byBucket(records),
      ([pk, ids]) =>
        this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk, sk: BUCKET_SK },
            UpdateExpression: 'ADD #ids :ids',
            ExpressionAttributeNames: { '#ids': 'ids' },
            ExpressionAttributeValues: { ':ids': ids },
          }),
        ),
      { concurrency: MARK_CONCURRENCY },
    );
  }
}
