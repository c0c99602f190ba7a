import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet, isConditionFailed } from '#shared/adapters/dynamo';
import type { FeedFreshnessReader } from '#shared/app/feed-statuses';
import type { FeedFreshnessWriter } from '#shared/app/ingest';
import type { Source } from '#shared/schemas/ingest';

/** How far a feed's freshness moves before it is written again (`GET /feeds` shows ages in seconds). */
export const FRESHNESS_STEP_MS = 10_000;
/** One item per source (not one shared item): no key that every batch of every feed writes. */
const feedKey = (source: Source) => ({ pk: `feed#${source}`, sk: 'freshness' });

/** When each feed last had records accepted (`GET /feeds`). */
export class FeedFreshnessStore implements FeedFreshnessWriter, FeedFreshnessReader {
  /** The latest accepted time this store wrote per source, in epoch ms. */
  private readonly freshnessWritten = new Map<Source, number>();

  /**
   * `freshnessStepMs`: a feed's freshness is written when it moves at least this far past the time
   * this store last wrote for that source (so a busy feed costs a write per step, not per batch).
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly freshnessStepMs = FRESHNESS_STEP_MS,
  ) {}

  /**
   * Records that `source` had records accepted at `acceptedAt` (an ISO 8601 UTC time as
   * `Date.toISOString` writes it), keeping the latest: a conditional put, which an earlier time
   * loses, so batches finishing out of order never move it back. Within `freshnessStepMs` of the
   * time this store last wrote for the source nothing is written: the stored time lags the
   * latest batch by less than that step.
   */
  async markFeedFresh(source: Source, acceptedAt: string): Promise<void> {
    const at = Date.parse(acceptedAt);
    const written = this.freshnessWritten.get(source);
    if (written !== undefined && at < written + this.freshnessStepMs) return;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...feedKey(source), source, lastAcceptedAt: acceptedAt },
          ConditionExpression: 'attribute_not_exists(pk) OR lastAcceptedAt < :at',
          ExpressionAttributeValues: { ':at': acceptedAt },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    // Remembered only once stored: a batch skipped meanwhile never depends on a write that failed.
    if (at > (this.freshnessWritten.get(source) ?? Number.NEGATIVE_INFINITY))
      this.freshnessWritten.set(source, at);
  }

  /** When each of `sources` last had records accepted; a source that never had any is absent. */
  async feedFreshness(sources: readonly Source[]): Promise<Map<Source, string>> {
    const items = await batchGet(this.client, this.table, sources.map(feedKey), 'pk, lastAcceptedAt');
    return new Map(
      items.map((item) => [String(item.pk).slice('feed#'.length) as Source, String(item.lastAcceptedAt)]),
    );
  }
}
