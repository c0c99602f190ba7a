import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchDelete, batchPut, queryAll } from '#shared/adapters/dynamo';

/** Names of the reference sets admins replace with `PUT /reference/<name>`. */
export type ReferenceName = 'areas' | 'calendar' | 'roads' | 'vehicles' | 'sync';

/** Largest JSON piece stored in one item (DynamoDB items hold at most 400 KB). */
const CHUNK_CHARS = 300_000;

const partition = (name: ReferenceName) => `reference#${name}`;

/**
 * Reference sets stored in the facts table as JSON split into chunks under a version, with a head
 * item naming the current version: a replacement writes the new chunks, then moves the head in one
 * write (readers see the old set or the new one, never a mix), then deletes the old chunks.
 */
export class ReferenceRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The current version of a set (changes with every put), or undefined when none was ever put. */
  async version(name: ReferenceName): Promise<string | undefined> {
    const { Item: head } = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: partition(name), sk: 'head' },
        ConsistentRead: true,
      }),
    );
    return head ? String(head.version) : undefined;
  }

  /** The stored set, or undefined when none was ever put. */
  async get<T>(name: ReferenceName): Promise<T | undefined> {
    const version = await this.version(name);
    if (!version) return undefined;
    const head = { version };
    const chunks = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
      ExpressionAttributeValues: { ':pk': partition(name), ':version': `${head.version}#` },
      ConsistentRead: true,
    });
    return JSON.parse(chunks.map((chunk) => String(chunk.data)).join('')) as T;
  }

  /** Replaces the whole set. */
  async put(name: ReferenceName, value: unknown, now: number): Promise<void> {
    const json = JSON.stringify(value);
    const version = `v${String(now).padStart(15, '0')}-${Math.random().toString(36).slice(2, 8)}`;
    const chunks = [];
    for (let start = 0, index = 0; start < json.length || index === 0; start += CHUNK_CHARS, index += 1) {
      chunks.push({
        pk: partition(name),
        sk: `${version}#${String(index).padStart(5, '0')}`,
        data: json.slice(start, start + CHUNK_CHARS),
      });
    }
    const old = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
      ExpressionAttributeValues: { ':pk': partition(name), ':v': 'v' },
      ProjectionExpression: 'pk, sk',
    });
    await batchPut(this.client, this.table, chunks);
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: partition(name),
          sk: 'head',
          version,
          updatedAt: new Date(now).toISOString(),
          chunks: chunks.length,
        },
      }),
    );
    await batchDelete(
      this.client,
      this.table,
      old.map(({ pk, sk }) => ({ pk, sk })),
    );
  }
}
