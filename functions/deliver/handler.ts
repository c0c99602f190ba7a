import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deliverMessages } from '#shared/app/deliver';
import { deliverDepsOf, deliverEnvSchema } from '#shared/composition/webhooks';
import { loadEnv } from '#shared/config';

const logger = new Logger({ serviceName: 'cityhub-deliver' });
const deps = deliverDepsOf(loadEnv(deliverEnvSchema));

/**
 * Consumer of the delivery queue: every message of a batch is delivered at once, so one slow endpoint
 * never holds up another; failures come back after the retry schedule's delay.
 */
export const lambdaHandler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const outcome = await deliverMessages(
    event.Records.map((record) => ({
      id: record.messageId,
      body: record.body,
      receiptHandle: record.receiptHandle,
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
    })),
    deps,
  );
  for (const { subscriptionId, eventId } of outcome.givenUp) {
    logger.warn('delivery given up; the message goes to the dead-letter queue', { subscriptionId, eventId });
  }
  for (const { messageId, error } of outcome.errors) logger.error('delivery failed', { messageId, error });
  return { batchItemFailures: outcome.failedMessages.map((itemIdentifier) => ({ itemIdentifier })) };
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
