import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { fanOut } from '#shared/app/fanout';
import { referenceLoader } from '#shared/app/load-reference';
import { createStorage, storageEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';
import { toWebhookEvents, type WebhookEvent } from '#shared/domain/webhooks/events';
import { deliveredEventSchema } from '#shared/events/delivered';

const env = loadEnv(storageEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-fanout' });
const storage = createStorage(env);
const loadReference = referenceLoader(storage.reference);

/** Turns hub events into webhook events and asks for one delivery per interested subscription. */
export const lambdaHandler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const { areas } = await loadReference();
  const events: WebhookEvent[] = [];
  const failed: string[] = [];
  for (const record of event.Records) {
    try {
      events.push(...toWebhookEvents(deliveredEventSchema.parse(JSON.parse(record.body)), areas));
    } catch (error) {
      logger.error('unreadable event', { messageId: record.messageId, error: error as Error });
      failed.push(record.messageId);
    }
  }
  const requested = await fanOut(events, storage);
  logger.info('fanned out', { events: events.length, deliveries: requested });
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
