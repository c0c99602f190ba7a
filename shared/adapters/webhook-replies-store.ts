import { gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { isConditionFailed } from '#shared/adapters/dynamo';
import { plainItemBytes } from '#shared/adapters/item-size';
import type { RelayedRecords, RelayPayload, StoredReply, WebhookReplies } from '#shared/app/ingest';
import { type IngestAnswer, type Source, sanitationRecordSchema } from '#shared/schemas/ingest';

/** Webhook replies are kept 24 hours (CONTRACT §2). */
export const WEBHOOK_REPLY_TTL_SECONDS = 86_400;
const replyKey = (source: Source, webhookId: string) => ({
  pk: `webhook#${source}#${webhookId}`,
  sk: 'reply',
});
const epochSeconds = (ms: number) => Math.floor(ms / 1000);
const decode = (answer: Uint8Array) => JSON.parse(gunzipSync(answer).toString('utf8')) as IngestAnswer;

/** A kept reply; one kept before statuses were has the status its answer implies (CONTRACT §4). */
const toReply = (item: Record<string, unknown>): StoredReply => {
  const answer = decode(item.answer as Uint8Array);
  const status =
    item.status === 202 || item.status === 422
      ? item.status
      : answer.accepted + answer.duplicates > 0
        ? 202
        : 422;
  return { status, answer, bodyDigest: typeof item.bodyDigest === 'string' ? item.bodyDigest : undefined };
};

/** Largest answer item that costs one write unit (DynamoDB bills writes per started KB). */
const ONE_WRITE_UNIT_BYTES = 1024;
/**
 * Points beyond which records never fit one write unit gzipped (a minute of a vehicle, 6 points, takes
 * about 250 bytes; a track's points gzip to 15 or more bytes each): larger requests are not packed.
 */
const RELAY_MAX_POINTS = 100;

const relayedSchema = z.object({
  acceptedAt: z.iso.datetime({ offset: true }),
  records: z.array(sanitationRecordSchema),
});

/**
 * The GPS records a stored answer carries, from the new image of a stream record as Lambda hands it
 * on (binary values base64-encoded); undefined for an answer that carries none.
 */
export const relayedRecordsOf = (image: Record<string, unknown> | undefined): RelayedRecords | undefined => {
  const relay = (image?.relay as { B?: unknown } | undefined)?.B;
  if (typeof relay !== 'string') return undefined;
  return relayedSchema.parse(JSON.parse(gunzipSync(Buffer.from(relay, 'base64')).toString('utf8')));
};

/**
 * The first answer to each `webhook-id` of a source, with its status and the digest of the body it
 * answered, so a resent request gets it again and another body under the id is recognised: one item
 * per id, written once (a put conditional on the id having no answer younger than 24 hours). An
 * answer may carry the GPS records of its request (`relay`), which the table's stream takes on.
 */
export class WebhookRepliesStore implements WebhookReplies {
  /** The items `packRelay` built and sized, by their payload: `saveReply` stores them as they are. */
  private readonly packed = new WeakMap<RelayPayload, Record<string, string | number | Uint8Array>>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async findReply(source: Source, webhookId: string, now: number): Promise<StoredReply | undefined> {
    // A consistent read: another body under an id answered a moment ago must be refused, not taken.
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: replyKey(source, webhookId), ConsistentRead: true }),
    );
    // DynamoDB deletes expired items lazily: an answer past its 24 hours is no longer one.
    if (!Item?.answer || Number(Item.expiresAt) <= epochSeconds(now)) return undefined;
    return toReply(Item);
  }

  /**
   * The answer's item as stored: gzipped (a 1000-record answer with every record's errors is far over
   * 400 KB as JSON), with the records to relay when there are.
   */
  private itemOf(
    source: Source,
    webhookId: string,
    reply: StoredReply,
    now: number,
    relay?: Uint8Array,
  ): Record<string, string | number | Uint8Array> {
    return {
      ...replyKey(source, webhookId),
      status: reply.status,
      answer: gzipSync(JSON.stringify(reply.answer)),
      ...(reply.bodyDigest ? { bodyDigest: reply.bodyDigest } : {}),
      expiresAt: epochSeconds(now) + WEBHOOK_REPLY_TTL_SECONDS,
      ...(relay ? { relay } : {}),
    };
  }

  /**
   * The records packed to travel with the answer, when the answer's item stays within one write unit
   * with them: then they cost no write of their own, and no bus entry or queue message per request.
   */
  packRelay(
    source: Source,
    webhookId: string,
    reply: StoredReply,
    now: number,
    relayed: RelayedRecords,
  ): RelayPayload | undefined {
    // A platform's minute of the fleet is never packed only to find it too large (gzip takes time).
    const points = relayed.records.reduce((sum, record) => sum + record.points.length, 0);
    if (points > RELAY_MAX_POINTS) return undefined;
    const relay = gzipSync(JSON.stringify(relayed));
    const item = this.itemOf(source, webhookId, reply, now, relay);
    if (plainItemBytes(item) > ONE_WRITE_UNIT_BYTES) return undefined;
    this.packed.set(relay, item);
    return relay;
  }

  async saveReply(
    source: Source,
    webhookId: string,
    reply: StoredReply,
    now: number,
    relay?: RelayPayload,
  ): Promise<StoredReply | undefined> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: (relay && this.packed.get(relay)) ?? this.itemOf(source, webhookId, reply, now, relay),
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': epochSeconds(now) },
          // The answer kept meanwhile comes back with the refusal: no second read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      // The document client leaves the item of a refusal in DynamoDB's attribute-value form.
      const old = (error as { Item?: Record<string, AttributeValue> }).Item;
      if (old?.answer) return toReply(unmarshall(old));
      // Refused, yet no kept answer came back with the refusal: read it. Never report this answer as
      // kept when it was not (its records would be answered as taken and never relayed).
      const kept = await this.findReply(source, webhookId, now);
      if (kept) return kept;
      throw new Error(`the answer to webhook-id ${webhookId} was refused, but no answer is kept`);
    }
  }
}
