import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchPut, queryAll } from '#shared/adapters/dynamo';
import type { AlertMarks } from '#shared/app/alerts';

/** Days a day's marks are kept past its start: the day is over in every time zone well before. */
const KEPT_DAYS = 4;
const DAY_S = 86_400;

const partition = (date: string) => `alertmark#${date}`;

/**
 * Which `indicator.alert`s were announced: one item per (day, rule and area) in a partition per day,
 * which one Query reads; items expire a few days after their day (TTL `expiresAt`).
 */
export class AlertMarkStore implements AlertMarks {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async announcedAlerts(date: string): Promise<ReadonlySet<string>> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partition(date) },
      ProjectionExpression: 'sk',
      ConsistentRead: true,
    });
    return new Set(items.map((item) => String(item.sk)));
  }

  async markAlertsAnnounced(date: string, marks: readonly string[]): Promise<void> {
    const expiresAt = Date.parse(`${date}T00:00:00Z`) / 1000 + KEPT_DAYS * DAY_S;
    await batchPut(
      this.client,
      this.table,
      [...new Set(marks)].map((mark) => ({ pk: partition(date), sk: mark, expiresAt })),
    );
  }
}
