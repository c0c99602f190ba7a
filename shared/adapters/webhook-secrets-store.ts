import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed } from '#shared/adapters/dynamo';
import type { DeliverySecrets } from '#shared/app/deliver';
import type { SecretStore } from '#shared/app/subscriptions';
import type { SubscriptionSecrets } from '#shared/domain/webhooks/subscription';

/** The one item of a subscription's secrets. */
const keyOf = (subscriptionId: string) => ({ pk: subscriptionId, sk: 'secrets' });

/**
 * The subscriptions' signing secrets, in their own table (`WebhookSecrets`, no indexes), which only the
 * deliver function (GetItem) and the subscriptions function may touch. One item per subscription:
 * `current`, and after a rotation `previous` with `previousUntil` (RFC 3339).
 */
export class WebhookSecretsStore implements SecretStore, DeliverySecrets {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(subscriptionId: string): Promise<SubscriptionSecrets | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: keyOf(subscriptionId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      current: String(Item.current),
      previous: Item.previous === undefined ? undefined : String(Item.previous),
      previousUntil: Item.previousUntil === undefined ? undefined : String(Item.previousUntil),
    };
  }

  /**
   * Stores a subscription's secrets if the stored current secret is still `replacing` (undefined: if
   * none is stored); false when another write came first.
   */
  async put(
    subscriptionId: string,
    secrets: SubscriptionSecrets,
    replacing: string | undefined,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keyOf(subscriptionId), ...secrets },
          ...(replacing === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#current = :replacing',
                ExpressionAttributeNames: { '#current': 'current' },
                ExpressionAttributeValues: { ':replacing': replacing },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async delete(subscriptionId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: keyOf(subscriptionId) }));
  }
}
