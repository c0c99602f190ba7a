import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import { isConditionFailed, queryAll } from '#shared/adapters/dynamo';
import type { DeliverySubscriptions } from '#shared/app/deliver';
import type { FanoutSubscriptions } from '#shared/app/fanout';
import type { DeliveryLog, SentEvents, SubscriptionStore } from '#shared/app/subscriptions';
import type { WebhookEvent } from '#shared/domain/webhooks/events';
import {
  type DeliveryAttempt,
  type StoredSubscription,
  type Subscription,
  WEBHOOK_RETENTION_S,
} from '#shared/domain/webhooks/subscription';

const SUBSCRIPTIONS_PK = 'subscription';
const hourBucket = (iso: string) => `webhookevents#${iso.slice(0, 13)}`;
/** Bytes of JSON (UTF-8) of events per stored item (gzipped, well under DynamoDB's 400 KB). */
const STORED_CHUNK_BYTES = 256 * 1024;
/** Items of the event store written at once. */
const STORE_CONCURRENCY = 4;
/** DynamoDB refuses sort keys that are empty or over 1024 bytes: no subscription has such an id. */
const cannotBeAnId = (id: string) => id === '' || Buffer.byteLength(id) > 1024;

/**
 * Subscriptions, their delivery log, and the store of events replays read from. Secrets are not kept
 * here (WebhookSecretsStore); an item stored before still holds its `secret`, which `get` returns as
 * `legacySecret` and a `replace` drops.
 */
export class WebhooksRepository
  implements SubscriptionStore, DeliveryLog, SentEvents, DeliverySubscriptions, FanoutSubscriptions
{
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(subscription: Subscription): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: SUBSCRIPTIONS_PK, sk: subscription.id, ...visibleAttributes(subscription) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /**
   * The subscription with this id, with the secret an item stored before still holds; undefined when
   * there is none (or `id` could not be one).
   */
  async get(id: string): Promise<StoredSubscription | undefined> {
    if (cannotBeAnId(id)) return undefined;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: SUBSCRIPTIONS_PK, sk: id }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return Item.secret === undefined
      ? toSubscription(Item)
      : { ...toSubscription(Item), legacySecret: String(Item.secret) };
  }

  async list(): Promise<Subscription[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': SUBSCRIPTIONS_PK },
    });
    return items.map(toSubscription);
  }

  /** Replaces a subscription that exists (without any secret it held); false when it does not. */
  async replace(subscription: Subscription): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: SUBSCRIPTIONS_PK, sk: subscription.id, ...visibleAttributes(subscription) },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Disables an active subscription (after `410 Gone`, or days of failures), saying why; false when it
   * is gone or not active, so of concurrent deliveries only one disables it (and announces it).
   */
  async disable(id: string, reason: string): Promise<boolean> {
    return this.updateIfPresent(id, {
      UpdateExpression: 'SET #status = :disabled, disabledReason = :reason',
      ConditionExpression: 'attribute_exists(pk) AND #status = :active',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':disabled': 'disabled', ':reason': reason, ':active': 'active' },
    });
  }

  /**
   * Records when a run of failed attempts began: one write when the run begins (the caller writes only
   * when it read none); `if_not_exists` keeps the earliest of concurrent ones.
   */
  async markFailing(id: string, since: string): Promise<void> {
    await this.updateIfPresent(id, {
      UpdateExpression: 'SET failingSince = if_not_exists(failingSince, :since)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':since': since },
    });
  }

  /** Ends a run of failed attempts after a delivered one. */
  async markHealthy(id: string): Promise<void> {
    await this.updateIfPresent(id, {
      UpdateExpression: 'REMOVE failingSince',
      ConditionExpression: 'attribute_exists(failingSince)',
    });
  }

  /** An UpdateItem of a subscription item under a condition; false when the condition failed. */
  private async updateIfPresent(
    id: string,
    update: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({ TableName: this.table, Key: { pk: SUBSCRIPTIONS_PK, sk: id }, ...update }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Deletes a subscription; false when there was none. */
  async delete(id: string): Promise<boolean> {
    if (cannotBeAnId(id)) return false;
    const { Attributes } = await this.client.send(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: SUBSCRIPTIONS_PK, sk: id },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes !== undefined;
  }

  async logAttempt(subscriptionId: string, attempt: DeliveryAttempt): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `deliveries#${subscriptionId}`,
          sk: `${attempt.at}#${attempt.eventId}#${String(attempt.attempt).padStart(2, '0')}`,
          ...attempt,
          expiresAt: Math.floor(Date.parse(attempt.at) / 1000) + WEBHOOK_RETENTION_S,
        },
      }),
    );
  }

  /** The newest attempts of a subscription, newest first. */
  async listAttempts(subscriptionId: string, limit: number): Promise<DeliveryAttempt[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `deliveries#${subscriptionId}` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map((item) => ({
      eventId: String(item.eventId),
      type: String(item.type),
      attempt: Number(item.attempt),
      statusCode: item.statusCode === undefined ? undefined : Number(item.statusCode),
      error: item.error === undefined ? undefined : String(item.error),
      durationMs: Number(item.durationMs),
      at: String(item.at),
    }));
  }

  /**
   * Keeps events for replays by the time the hub sent them out (`sentAt`, UTC ISO), in hourly
   * partitions: the events of one fan-out share gzipped items of up to 256 KB of JSON (UTF-8), since
   * DynamoDB charges a write by the kilobyte of the item, not by the event.
   */
  async storeEvents(events: readonly WebhookEvent[], sentAt: string): Promise<void> {
    const chunks: string[][] = [];
    let size = Number.POSITIVE_INFINITY;
    for (const event of events) {
      const json = JSON.stringify(event);
      const bytes = Buffer.byteLength(json);
      if (size + bytes > STORED_CHUNK_BYTES) {
        chunks.push([]);
        size = 0;
      }
      chunks.at(-1)?.push(json);
      size += bytes + 1;
    }
    const expiresAt = Math.floor(Date.parse(sentAt) / 1000) + WEBHOOK_RETENTION_S;
    await pMap(
      chunks.entries(),
      async ([index, chunk]) => {
        const body = `[${chunk.join(',')}]`;
        // Named by content, so chunks of one fan-out never collide; a retried fan-out has a new
        // `sentAt` and stores its events again, and replays send each event id once.
        const name = createHash('sha256').update(body).digest('base64url').slice(0, 22);
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              pk: hourBucket(sentAt),
              sk: `${sentAt}#${String(index).padStart(5, '0')}#${name}`,
              sentAt,
              events: gzipSync(body),
              expiresAt,
            },
          }),
        );
      },
      { concurrency: STORE_CONCURRENCY },
    );
  }

  /** Events the hub sent out between since and until (UTC ISO), oldest hour first, each once. */
  async eventsBetween(since: string, until: string): Promise<WebhookEvent[]> {
    const events = new Map<string, WebhookEvent>();
    for (
      let hour = Date.parse(`${since.slice(0, 13)}:00:00Z`);
      hour <= Date.parse(until);
      hour += 3_600_000
    ) {
      const items = await queryAll(this.client, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'sentAt BETWEEN :since AND :until',
        ExpressionAttributeValues: {
          ':pk': hourBucket(new Date(hour).toISOString()),
          ':since': since,
          ':until': until,
        },
      });
      for (const item of items) {
        // Items written before events were stored together hold one plain `event`.
        const stored =
          item.events === undefined
            ? [item.event as WebhookEvent]
            : (JSON.parse(gunzipSync(item.events as Uint8Array).toString('utf8')) as WebhookEvent[]);
        for (const event of stored) if (!events.has(event.id)) events.set(event.id, event);
      }
    }
    return [...events.values()];
  }
}

/** A subscription's attributes as stored: never a secret, even if one was handed over. */
const visibleAttributes = ({
  legacySecret: _legacySecret,
  ...subscription
}: StoredSubscription): Subscription => subscription;

const toSubscription = (item: Record<string, unknown>): Subscription => ({
  id: String(item.id),
  url: String(item.url),
  events: (item.events ?? []) as string[],
  areas: (item.areas ?? []) as string[],
  description: item.description === undefined ? undefined : String(item.description),
  status: item.status === 'disabled' ? 'disabled' : 'active',
  createdAt: String(item.createdAt),
  disabledReason: item.disabledReason === undefined ? undefined : String(item.disabledReason),
  failingSince: item.failingSince === undefined ? undefined : String(item.failingSince),
});
