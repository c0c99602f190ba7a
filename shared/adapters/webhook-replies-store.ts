import { gunzipSync, gzipSync } from 'node:zlib';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed } from '#shared/adapters/dynamo';
import type { WebhookClaim, WebhookReplies } from '#shared/app/ingest';
import type { IngestAnswer, Source } from '#shared/schemas/ingest';

/** Webhook replies are kept 24 hours (CONTRACT §2). */
export const WEBHOOK_REPLY_TTL_SECONDS = 86_400;
/** A claim on a webhook-id lapses after a minute, in case the request that made it died. */
const CLAIM_SECONDS = 60;
const replyKey = (source: Source, webhookId: string) => ({
  pk: `webhook#${source}#${webhookId}`,
  sk: 'reply',
});
const epochSeconds = (ms: number) => Math.floor(ms / 1000);

/** The first answer to each `webhook-id` of a source, so a resent request gets it again. */
export class WebhookRepliesStore implements WebhookReplies {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Claims a webhook-id of `source` for one request: succeeds when the id was never seen (or its 24 h
   * passed, or an earlier claim was abandoned over a minute ago); otherwise returns the first answer,
   * or nothing when the first request is still being processed.
   */
  async claimReply(source: Source, webhookId: string, now: number): Promise<WebhookClaim> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...replyKey(source, webhookId), expiresAt: epochSeconds(now) + CLAIM_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': epochSeconds(now) },
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: replyKey(source, webhookId), ConsistentRead: true }),
    );
    if (!Item?.answer) return { claimed: false };
    return {
      claimed: false,
      answer: JSON.parse(gunzipSync(Item.answer as Uint8Array).toString('utf8')) as IngestAnswer,
    };
  }

  /** Gives up a claim (the request failed before answering), so the source's retry is processed. */
  async releaseReply(source: Source, webhookId: string): Promise<void> {
    await this.client
      .send(
        new DeleteCommand({
          TableName: this.table,
          Key: replyKey(source, webhookId),
          ConditionExpression: 'attribute_not_exists(answer)',
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailed(error)) throw error;
      });
  }

  /** Stores the answer to a claimed webhook-id for 24 hours. */
  async saveReply(source: Source, webhookId: string, answer: IngestAnswer, now: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...replyKey(source, webhookId),
          // Gzipped: a 1000-record answer with every record's errors is far over 400 KB as JSON.
          answer: gzipSync(JSON.stringify(answer)),
          expiresAt: epochSeconds(now) + WEBHOOK_REPLY_TTL_SECONDS,
        },
      }),
    );
  }
}
