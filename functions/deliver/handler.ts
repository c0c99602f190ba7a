import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { targetPolicyOf, webhookEnvSchema } from '#shared/adapters/webhook-config';
import { sendEvent } from '#shared/adapters/webhook-sender';
import { deliverOnce } from '#shared/app/deliver';
import { createStorage, storageEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';
import { parseRetrySchedule } from '#shared/domain/webhooks/retry';
import { deliveredDetail } from '#shared/events/delivered';
import { webhookDeliveryRequested } from '#shared/events/webhooks';

const env = loadEnv(
  storageEnvSchema.extend(webhookEnvSchema.shape).extend({
    /** The delivery queue, whose message visibility carries the retry backoff. */
    VISIBILITY_QUEUE_URL: z.string().min(1),
    SQS_ENDPOINT: z.url().optional(),
  }),
);
const logger = new Logger({ serviceName: 'cityhub-deliver' });
const storage = createStorage(env);
const sqs = new SQSClient(env.SQS_ENDPOINT ? { endpoint: env.SQS_ENDPOINT } : {});
const deps = {
  ...storage,
  policy: targetPolicyOf(env),
  schedule: parseRetrySchedule(env.RETRY_SCHEDULE),
  send: sendEvent,
  now: Date.now,
};

/** Delivers one message; on failure hides it for the next retry delay and reports it failed. */
const deliver = async (record: SQSRecord): Promise<boolean> => {
  const { subscriptionId, event } = deliveredDetail(record.body, webhookDeliveryRequested.detailSchema);
  const attempt = Number(record.attributes.ApproximateReceiveCount);
  const outcome = await deliverOnce(subscriptionId, event, attempt, deps);
  if (outcome.kind === 'done') return true;
  if (outcome.kind === 'retry') {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: env.VISIBILITY_QUEUE_URL,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: outcome.afterS,
      }),
    );
  } else
    logger.warn('delivery given up; the message goes to the dead-letter queue', {
      subscriptionId,
      eventId: event.id,
    });
  return false;
};

/**
 * Consumer of the delivery queue: every message of a batch is delivered at once, so one slow endpoint
 * never holds up another; failures come back after the retry schedule's delay.
 */
export const lambdaHandler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const results = await Promise.all(
    event.Records.map(async (record) => {
      try {
        return (await deliver(record)) ? undefined : record.messageId;
      } catch (error) {
        logger.error('delivery failed', { messageId: record.messageId, error: error as Error });
        return record.messageId;
      }
    }),
  );
  return {
    batchItemFailures: results
      .filter((id): id is string => id !== undefined)
      .map((itemIdentifier) => ({ itemIdentifier })),
  };
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
