import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { relayedRecordsOf } from '#shared/adapters/webhook-replies-store';
import { relayRecords } from '#shared/app/relay';
import { createStorage, storageEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';

const env = loadEnv(storageEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-relay' });
const { publisher, accepted } = createStorage(env);

/**
 * Consumes the stream of stored webhook answers (filtered to those that carry GPS records), puts
 * their records on the bus, packed, and marks them accepted. A failure fails the whole batch, which
 * the stream hands on again (relaying twice changes nothing downstream).
 */
export const lambdaHandler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const requests = event.Records.flatMap((record) => {
    const relayed = relayedRecordsOf(record.dynamodb?.NewImage);
    return relayed ? [relayed] : [];
  });
  const outcome = await relayRecords(requests, { publisher, accepted });
  logger.info('relayed', { ...outcome, streamRecords: event.Records.length });
  return { batchItemFailures: [] };
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
