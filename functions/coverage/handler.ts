import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processTrackMessages } from '#shared/app/coverage';
import { sanitationReferenceLoader } from '#shared/app/load-reference';
import { createStorage, storageEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';

const env = loadEnv(storageEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-coverage' });
const storage = createStorage(env);
const loadSanitation = sanitationReferenceLoader(storage.reference);
const deps = { ...storage, loadSanitation, timeZone: env.CITY_TIMEZONE };

/**
 * Consumes accepted GPS batches and reprocessing requests: stores points, recomputes the coverage of
 * each vehicle-day they change, reports the messages whose work failed, and announces changed days.
 */
export const lambdaHandler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const outcome = await processTrackMessages(
    event.Records.map((record) => ({ id: record.messageId, body: record.body })),
    deps,
  );
  for (const failure of outcome.failures) logger.error('coverage failed', { ...failure });
  return { batchItemFailures: outcome.failedMessages.map((itemIdentifier) => ({ itemIdentifier })) };
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
