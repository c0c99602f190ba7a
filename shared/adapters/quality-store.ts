import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '#shared/adapters/dynamo';
import type { QualityReader } from '#shared/app/admin';
import type { QualityWriter } from '#shared/app/recompute';
import type { UnknownCodes } from '#shared/domain/quality';

const QUALITY_PK = 'quality';

/** Data-quality findings per day (`GET /admin/quality`). */
export class QualityStore implements QualityWriter, QualityReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Stores the data-quality findings of one day (replacing earlier ones). */
  async saveQuality(date: string, unknownCodes: UnknownCodes): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.table, Item: { pk: QUALITY_PK, sk: date, unknownCodes } }),
    );
  }

  /** Data-quality findings of the days from `from` to `to`. */
  async listQuality(from: string, to: string): Promise<{ date: string; unknownCodes: UnknownCodes }[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': QUALITY_PK, ':from': from, ':to': to },
    });
    return items.map((item) => ({ date: String(item.sk), unknownCodes: item.unknownCodes as UnknownCodes }));
  }
}
