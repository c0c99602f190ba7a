import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ensureTable } from '#shared/adapters/table-definitions';
import { tables } from '#shared/topology';

const client = new DynamoDBClient({
  endpoint: inject('dynamoDbEndpoint'),
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const name = `test-tables-${randomUUID().slice(0, 8)}`;
afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  client.destroy();
});

const indexesOf = async () =>
  (
    (await client.send(new DescribeTableCommand({ TableName: name }))).Table?.GlobalSecondaryIndexes ?? []
  ).map((index) => [index.IndexName, index.Projection?.ProjectionType]);

describe('declared tables on DynamoDB Local', () => {
  it('adds a declared index a table kept from an older version lacks, and leaves the table otherwise', async () => {
    // The indicators table as an older version created it: no index.
    await ensureTable(client, { ...tables.indicators, globalIndexes: [] }, name);
    expect(await indexesOf()).toEqual([]);
    await ensureTable(client, tables.indicators, name);
    expect(await indexesOf()).toEqual([['byDateKeys', 'KEYS_ONLY']]);
    await ensureTable(client, tables.indicators, name);
    expect(await indexesOf()).toEqual([['byDateKeys', 'KEYS_ONLY']]);
  });
});
