import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDelete, batchPut, queryAll } from '#shared/adapters/dynamo';
import type { FeedWatch } from '#shared/app/alerts';
import type { SilenceEpisode } from '#shared/domain/feed-silence';
import type { Source } from '#shared/schemas/ingest';

const PARTITION = 'feedwatch';

/**
 * The feed silences under way: one item per silent source in one small partition (three sources at
 * most), written only when a silence starts or ends.
 */
export class FeedWatchStore implements FeedWatch {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async silences(): Promise<ReadonlyMap<Source, SilenceEpisode>> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': PARTITION },
      ConsistentRead: true,
    });
    return new Map(
      items.map((item) => [
        String(item.sk) as Source,
        {
          lastAcceptedAt: String(item.lastAcceptedAt),
          silentSince: String(item.silentSince),
          silenceMinutes: Number(item.silenceMinutes),
        },
      ]),
    );
  }

  async saveSilences(changes: {
    readonly started: ReadonlyMap<Source, SilenceEpisode>;
    readonly ended: readonly Source[];
  }): Promise<void> {
    await batchPut(
      this.client,
      this.table,
      [...changes.started].map(([source, episode]) => ({ pk: PARTITION, sk: source, ...episode })),
    );
    await batchDelete(
      this.client,
      this.table,
      changes.ended.map((source) => ({ pk: PARTITION, sk: source })),
    );
  }
}
