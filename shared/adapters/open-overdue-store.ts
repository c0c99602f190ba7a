import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, queryAll } from '#shared/adapters/dynamo';
import type { OpenOverdueFigures, StoredOpenOverdue } from '#shared/app/open-overdue';
import type { OpenOverdueCounts } from '#shared/domain/indicators/open-overdue';
import type { AreaKey } from '#shared/schemas/common';

const PARTITION = 'openoverdue';

/**
 * The end-of-day open-overdue figures in the facts table: one item per day (`openoverdue`, the date)
 * holding, per area, the tickets and cases open and overdue at 24:00 (`[tickets, cases]` by area key),
 * the reference version and the time their facts were read.
 */
export class OpenOverdueStore implements OpenOverdueFigures {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async read(from: string, to: string): Promise<Map<string, StoredOpenOverdue>> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': PARTITION, ':from': from, ':to': to },
      ConsistentRead: true,
    });
    return new Map(
      items.map((item) => {
        const counts = JSON.parse(String(item.counts)) as Record<AreaKey, [number, number]>;
        const figures: StoredOpenOverdue = {
          day: String(item.sk),
          counts: new Map(
            Object.entries(counts).map(([area, [tickets, cases]]): [AreaKey, OpenOverdueCounts] => [
              area as AreaKey,
              { tickets, cases },
            ]),
          ),
          basis: String(item.basis),
          readAt: String(item.readAt),
        };
        return [figures.day, figures];
      }),
    );
  }

  async put(figures: StoredOpenOverdue): Promise<void> {
    const counts = Object.fromEntries(
      [...figures.counts]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([area, { tickets, cases }]) => [area, [tickets, cases]]),
    );
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: PARTITION,
            sk: figures.day,
            counts: JSON.stringify(counts),
            basis: figures.basis,
            readAt: figures.readAt,
          },
          // Figures from facts read later are never replaced by these.
          ConditionExpression: 'attribute_not_exists(pk) OR readAt <= :readAt',
          ExpressionAttributeValues: { ':readAt': figures.readAt },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }
}
