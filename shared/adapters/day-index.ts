import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '#shared/adapters/dynamo';
import type { DayIndex } from '#shared/app/ports';

const DAYS_PK = 'days';

/** The index of days that have facts, one item per day (it only grows). */
export class DayIndexStore implements DayIndex {
  /** Days this store has put in the index. */
  private readonly markedDays = new Set<string>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Adds a day to the index of days with data (once per store: the index only grows). */
  async markDay(day: string): Promise<void> {
    if (this.markedDays.has(day)) return;
    await this.client.send(new PutCommand({ TableName: this.table, Item: { pk: DAYS_PK, sk: day } }));
    this.markedDays.add(day);
  }

  /** Every day that has (or had) a ticket or case event or sanitation points, sorted. */
  async listDays(): Promise<string[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': DAYS_PK },
      // A day marked moments ago is listed: the end-of-day figures read the logs of the days listed.
      ConsistentRead: true,
    });
    return items.map((item) => String(item.sk));
  }
}
