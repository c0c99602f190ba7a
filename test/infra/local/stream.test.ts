import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LocalStream } from '#infra/local/stream';
import { createDocumentClient } from '#shared/adapters/dynamo';
import { ensureTable } from '#shared/adapters/table-definitions';
import { streams, tables } from '#shared/topology';

const endpoint = inject('dynamoDbEndpoint');
// DynamoDB Local takes any region and credentials.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
const tableName = `test-replies-${randomUUID().slice(0, 8)}`;
const client = new DynamoDBClient({ endpoint });
const documents = createDocumentClient(endpoint);
const directory = mkdtempSync(join(tmpdir(), 'cityhub-stream-'));

beforeAll(async () => {
  await ensureTable(client, tables.replies, tableName);
});
afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  client.destroy();
  rmSync(directory, { recursive: true, force: true });
});

const put = (pk: string, relay?: Uint8Array) =>
  documents.send(
    new PutCommand({
      TableName: tableName,
      Item: { pk, sk: 'reply', status: 202, ...(relay ? { relay } : {}) },
    }),
  );

/** A stream over the test table whose consumer keeps what it is handed, failing as `fail` says. */
const streamOf = (fail: (records: DynamoDBRecord[]) => 'throw' | 'first' | undefined = () => undefined) => {
  const handed: DynamoDBRecord[][] = [];
  const stream = new LocalStream('replies', streams.replies, {
    endpoint,
    tableName,
    checkpointFile: join(directory, 'replies.json'),
    retryDelayMs: 10,
    batchingWindowMs: 0,
    log: () => undefined,
    consume: async ({ Records }) => {
      handed.push(Records);
      const failure = fail(Records);
      if (failure === 'throw') throw new Error('the consumer failed');
      if (failure === 'first')
        return { batchItemFailures: [{ itemIdentifier: String(Records[0]?.dynamodb?.SequenceNumber) }] };
      return { batchItemFailures: [] };
    },
  });
  return { stream, handed };
};
const keysOf = (batch: DynamoDBRecord[] | undefined) =>
  (batch ?? []).map((record) => record.dynamodb?.Keys?.pk?.S);

describe('LocalStream on DynamoDB Local', () => {
  it('hands on the new and replaced items the filter takes, binary values base64-encoded as Lambda does', async () => {
    await put('a', Uint8Array.from([1, 2, 3]));
    await put('b');
    await put('c', Uint8Array.from([4]));
    await put('c', Uint8Array.from([5]));
    await documents.send(new DeleteCommand({ TableName: tableName, Key: { pk: 'a', sk: 'reply' } }));
    const { stream, handed } = streamOf();
    await stream.catchUp();
    expect(handed.flat().map((record) => [record.eventName, record.dynamodb?.Keys?.pk?.S])).toEqual([
      ['INSERT', 'a'],
      ['INSERT', 'c'],
      ['MODIFY', 'c'],
    ]);
    expect(handed.flat()[0]?.dynamodb?.NewImage?.relay).toEqual({
      B: Buffer.from([1, 2, 3]).toString('base64'),
    });
  });

  it('goes on after the last record handed on, from its checkpoint', async () => {
    await put('d', Uint8Array.from([6]));
    const { stream, handed } = streamOf();
    await stream.catchUp();
    expect(handed.map(keysOf)).toEqual([['d']]);
  });

  it('hands a batch on again until it succeeds, from the record a reported failure names', async () => {
    await put('e', Uint8Array.from([7]));
    await put('f', Uint8Array.from([8]));
    let tries = 0;
    const { stream, handed } = streamOf(() => {
      tries += 1;
      return tries === 1 ? 'throw' : tries === 2 ? 'first' : undefined;
    });
    await stream.catchUp();
    expect(handed.map(keysOf)).toEqual([
      ['e', 'f'],
      ['e', 'f'],
      ['e', 'f'],
    ]);
  });

  it('resolves idle() while running once everything is handed on', async () => {
    const { stream, handed } = streamOf();
    stream.start();
    await put('g', Uint8Array.from([9]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await stream.idle();
    await stream.stop();
    expect(handed.flat().map((record) => record.dynamodb?.Keys?.pk?.S)).toContain('g');
  });
});
