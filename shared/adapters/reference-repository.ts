import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchDelete, batchPut, isConditionFailed, queryAll } from '#shared/adapters/dynamo';
import type { ReferenceReader } from '#shared/app/load-reference';
import type { ReferenceWriter } from '#shared/app/replace-reference';
import type { ReferenceName } from '#shared/domain/reference';

/** Largest JSON piece stored in one item (DynamoDB items hold at most 400 KB). */
const CHUNK_CHARS = 300_000;

const partition = (name: ReferenceName) => `reference#${name}`;
const MAX_ATTEMPTS = 5;

/**
 * Reference sets stored in the facts table as JSON split into chunks under a version, with a head
 * item naming the current version and its chunk count: readers see the old set or the new one, never
 * a mix.
 */
export class ReferenceRepository implements ReferenceReader, ReferenceWriter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private async head(name: ReferenceName): Promise<{ version: string; chunks: number } | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: partition(name), sk: 'head' },
        ConsistentRead: true,
      }),
    );
    return Item ? { version: String(Item.version), chunks: Number(Item.chunks) } : undefined;
  }

  /** The current version of a set (changes with every put), or undefined when none was ever put. */
  async version(name: ReferenceName): Promise<string | undefined> {
    return (await this.head(name))?.version;
  }

  /**
   * The stored set, or undefined when none was ever put. A read that races a replacement (its chunks
   * deleted under it) reads the new head again.
   */
  async get<T>(name: ReferenceName): Promise<T | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const head = await this.head(name);
      if (!head) return undefined;
      const chunks = await queryAll(this.client, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
        ExpressionAttributeValues: { ':pk': partition(name), ':version': `${head.version}#` },
        ConsistentRead: true,
      });
      if (chunks.length === head.chunks)
        return JSON.parse(chunks.map((chunk) => String(chunk.data)).join('')) as T;
    }
    throw new Error(`reference set ${name} kept changing while it was read; try again`);
  }

  /**
   * Replaces the whole set: writes the new chunks, moves the head from the version it replaces (a
   * conditional write, so of two concurrent replacements one wins and the other replaces the winner),
   * then deletes the replaced version's chunks.
   */
  async put(name: ReferenceName, value: unknown, now: number): Promise<void> {
    const json = JSON.stringify(value);
    const version = `v${String(now).padStart(15, '0')}-${randomUUID().slice(0, 8)}`;
    const chunks = [];
    for (let start = 0, index = 0; start < json.length || index === 0; start += CHUNK_CHARS, index += 1) {
      chunks.push({
        pk: partition(name),
        sk: `${version}#${String(index).padStart(5, '0')}`,
        data: json.slice(start, start + CHUNK_CHARS),
      });
    }
    await batchPut(this.client, this.table, chunks);
    for (let attempt = 0; ; attempt += 1) {
      const replaced = await this.head(name);
      try {
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
            ConditionExpression: replaced ? 'version = :replaced' : 'attribute_not_exists(pk)',
            ...(replaced ? { ExpressionAttributeValues: { ':replaced': replaced.version } } : {}),
          }),
        );
      } catch (error) {
        if (isConditionFailed(error) && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
      if (!replaced) return;
      const old = await queryAll(this.client, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
        ExpressionAttributeValues: { ':pk': partition(name), ':version': `${replaced.version}#` },
        ProjectionExpression: 'pk, sk',
      });
      await batchDelete(
        this.client,
        this.table,
        old.map(({ pk, sk }) => ({ pk, sk })),
      );
      return;
    }
  }
}
