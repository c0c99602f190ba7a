import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import {
  createMetrics,
  RECONCILIATION_CORRECTIONS_METRIC,
  RECONCILIATION_DIFFERENCES_METRIC,
} from '#shared/adapters/metrics';
import { queueNightlyRecompute, recomputeRequestedDays } from '#shared/app/recompute-requests';
import { reportReconciliation } from '#shared/app/reconcile';
import { createStorage, recomputeDepsOf, storageEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';

const env = loadEnv(
  storageEnvSchema.extend({
    /** How many recent days the nightly job recomputes. */
    NIGHTLY_RECOMPUTE_DAYS: z.coerce.number().int().min(1).max(366).default(31),
  }),
);
const logger = new Logger({ serviceName: 'cityhub-indicators' });
const metrics = createMetrics();
const deps = recomputeDepsOf(createStorage(env), env.CITY_TIMEZONE);
const nightlySchema = z.object({ job: z.literal('nightly-recompute') });

/** Recomputes (or reconciles) the days named by a batch of `facts.changed` events; a message fails only with its days. */
const onFactsChanged = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  // Days left when under a minute (three to reconcile one) remains go back to the queue with their messages.
  const outOfTime = (reconciling: boolean) =>
    context.getRemainingTimeInMillis() < (reconciling ? 180_000 : 60_000);
  const messages = event.Records.map((record) => ({ id: record.messageId, body: record.body }));
  const outcome = await recomputeRequestedDays(messages, deps, outOfTime);
  for (const { messageId, error } of outcome.unreadable) {
    logger.error('unreadable facts.changed message', { messageId, error });
  }
  for (const { date, error } of outcome.failures) logger.error('recompute failed', { date, error });
  reportReconciliation(outcome.reconciled, {
    warn: (message, attributes) => logger.warn(message, attributes),
    totals: (differences, corrected) => {
      metrics(RECONCILIATION_DIFFERENCES_METRIC, differences, 'Count', {});
      metrics(RECONCILIATION_CORRECTIONS_METRIC, corrected, 'Count', {});
    },
  });
  logger.info('recomputed', {
    days: outcome.outcomes.length,
    changed: outcome.outcomes.reduce((n, o) => n + o.changed.length, 0),
  });
  return { batchItemFailures: outcome.failedMessages.map((itemIdentifier) => ({ itemIdentifier })) };
};

/** Consumer of the recompute queue, and target of the nightly schedule (recent days, via the queue). */
export const lambdaHandler = async (event: SQSEvent | z.infer<typeof nightlySchema>, context: Context) => {
  if ('Records' in event) return onFactsChanged(event, context);
  nightlySchema.parse(event);
  return queueNightlyRecompute(env.NIGHTLY_RECOMPUTE_DAYS, deps);
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
