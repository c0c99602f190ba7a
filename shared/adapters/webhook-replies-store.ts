import { gunzipSync, gzipSync } from 'node:zlib';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed } from '#shared/adapters/dynamo';
import type { WebhookReplies } from '#shared/app/ingest';
import type { IngestAnswer, Source } from '#shared/schemas/ingest';

/** Webhook replies are kept 24 hours (CONTRACT §2). */
export const WEBHOOK_REPLY_TTL_SECONDS = 86_400;
const replyKey = (source: Source, webhookId: string) => ({
  pk: `webhook#${source}#${webhookId}`,
  sk: 'reply',
});
const epochSeconds = (ms: number) => Math.floor(ms / 1000);
const decode = (answer: Uint8Array) => JSON.parse(gunzipSync(answer).toString('utf8')) as IngestAnswer;

/**
 * The first answer to each `webhook-id` of a source, so a resent request gets it again: one item per
 * id, written once (a put conditional on the id having no answer younger than 24 hours).
 */
export class WebhookRepliesStore implements WebhookReplies {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async findReply(source: Source, webhookId: string, now: number): Promise<IngestAnswer | undefined> {
    // An eventually consistent read (half the units): a resend that misses an answer stored a moment ago
    // is processed again, counts once (the stores are conditional) and is answered from the first answer,
    // which `saveReply` finds stored.
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: replyKey(source, webhookId) }),
    );
    // DynamoDB deletes expired items lazily: an answer past its 24 hours is no longer one.
    if (!Item?.answer || Number(Item.expiresAt) <= epochSeconds(now)) return undefined;
    return decode(Item.answer as Uint8Array);
  }

  async saveReply(
    source: Source,
    webhookId: string,
    answer: IngestAnswer,
    now: number,
  ): Promise<IngestAnswer | undefined> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...replyKey(source, webhookId),
            // Gzipped: a 1000-record answer with every record's errors is far over 400 KB as JSON.
            answer: gzipSync(JSON.stringify(answer)),
            expiresAt: epochSeconds(now) + WEBHOOK_REPLY_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': epochSeconds(now) },
        }),
      );
      return undefined;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    return this.findReply(source, webhookId, now);
  }
}
