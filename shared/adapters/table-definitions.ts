import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  ResourceInUseException,
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
  };
};

/** Creates a declared table unless it exists (a persisted DynamoDB Local keeps its tables). */
export const ensureTable = async (
  client: DynamoDBClient,
  decl: TableDecl,
  tableName: string,
): Promise<void> => {
  try {
    await client.send(new CreateTableCommand(createTableInput(decl, tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
};
