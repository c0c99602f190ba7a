import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamo';
import { FactsRepository } from '#shared/adapters/facts-repository';
import { IndicatorsRepository } from '#shared/adapters/indicators-repository';
import { ReferenceRepository } from '#shared/adapters/reference-repository';
import { SanitationRepository } from '#shared/adapters/sanitation-repository';
import { ensureTable } from '#shared/adapters/table-definitions';
import { tables } from '#shared/topology';

/** Fresh copies of the declared tables in the shared DynamoDB Local, and repositories over them. */
export const createTestTables = async () => {
  const endpoint = inject('dynamoDbEndpoint');
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const suffix = randomUUID().slice(0, 8);
  const names = { facts: `test-facts-${suffix}`, indicators: `test-indicators-${suffix}` };
  const client = new DynamoDBClient({ endpoint });
  await ensureTable(client, tables.facts, names.facts);
  await ensureTable(client, tables.indicators, names.indicators);
  const documents = createDocumentClient(endpoint);
  return {
    endpoint,
    names,
    documents,
    facts: new FactsRepository(documents, names.facts),
    indicators: new IndicatorsRepository(documents, names.indicators),
    reference: new ReferenceRepository(documents, names.facts),
    sanitation: new SanitationRepository(documents, names.facts),
    drop: async () => {
      for (const name of Object.values(names)) await client.send(new DeleteTableCommand({ TableName: name }));
      client.destroy();
    },
  };
};
