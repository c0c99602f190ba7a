import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import pRetry from 'p-retry';
import { batchDelete, batchPut, isConditionFailed, queryAll } from '#shared/adapters/dynamo';
import type { ReferenceReader } from '#shared/app/load-reference';
import type { ReferenceWriter } from '#shared/app/replace-reference';
import type { ReferenceName } from '#shared/domain/reference';

/** Largest JSON piece stored in one item (DynamoDB items hold at most 400 KB). */
const CHUNK_CHARS = 300_000;

const partition = (name: ReferenceName) => `reference#${name}`;
/** Reads again at once when a replacement deletes the chunks being read: 5 tries in all. */
const READ_RETRIES = 4;
/** Moves the head again at once when a concurrent replacement moved it first: 6 tries in all. */
const HEAD_MOVE_RETRIES = 5;

/** A read that raced a replacement (its chunks were deleted under it); the message is the caller's. */
class TornReadError extends Error {}

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
    return pRetry(
      async () => {
        const head = await this.head(name);
        if (!head) return undefined;
        const chunks = await queryAll(this.client, {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
          ExpressionAttributeValues: { ':pk': partition(name), ':version': `${head.version}#` },
          ConsistentRead: true,
        });
        if (chunks.length !== head.chunks) {
          throw new TornReadError(`reference set ${name} kept changing while it was read; try again`);
        }
        return JSON.parse(chunks.map((chunk) => String(chunk.data)).join('')) as T;
      },
      { retries: READ_RETRIES, minTimeout: 0, shouldRetry: ({ error }) => error instanceof TornReadError },
    );
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
    const replaced = await pRetry(
      async () => {
        const current = await this.head(name);
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
            ConditionExpression: current ? 'version = :replaced' : 'attribute_not_exists(pk)',
            ...(current ? { ExpressionAttributeValues: { ':replaced': current.version } } : {}),
          }),
        );
        return current;
      },
      { retries: HEAD_MOVE_RETRIES, minTimeout: 0, shouldRetry: ({ error }) => isConditionFailed(error) },
    );
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
  }
}
