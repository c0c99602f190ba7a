import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import type { TableDecl } from '#shared/topology';

/** The CreateTable request of a declared table (on-demand billing, as deployed). */
export const createTableInput = (decl: TableDecl, tableName: string): CreateTableCommandInput => {
  const keyNames = new Set([
    decl.partitionKey.name,
    decl.sortKey.name,
    ...decl.globalIndexes.flatMap((index) => [index.partitionKey.name, index.sortKey.name]),
  ]);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...keyNames].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: decl.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: decl.sortKey.name, KeyType: 'RANGE' },
    ],
    ...(decl.globalIndexes.length > 0
      ? {
          GlobalSecondaryIndexes: decl.globalIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
              { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: index.projection === 'keys' ? 'KEYS_ONLY' : 'ALL' },
          })),
        }
      : {}),
    ...(decl.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } } : {}),
  };
};

/**
 * Creates a declared table unless it exists (a persisted DynamoDB Local keeps its tables); a table
 * that exists gets its declared stream and the declared indexes it lacks (one index per update, as
 * DynamoDB allows).
 */
export const ensureTable = async (
  client: DynamoDBClient,
  decl: TableDecl,
  tableName: string,
): Promise<void> => {
  const input = createTableInput(decl, tableName);
  try {
    await client.send(new CreateTableCommand(input));
    return;
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (input.StreamSpecification && !Table?.StreamSpecification?.StreamEnabled)
    await client.send(
      new UpdateTableCommand({ TableName: tableName, StreamSpecification: input.StreamSpecification }),
    );
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of input.GlobalSecondaryIndexes ?? []) {
    if (present.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: input.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
  }
};
