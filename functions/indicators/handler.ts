import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { recentDays, recomputeDays } from '#shared/app/recompute';
import { createStorage, recomputeDepsOf, storageEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';
import { busEvent } from '#shared/events/definition';
import { deliveredDetail } from '#shared/events/delivered';
import { factsChanged } from '#shared/events/facts-changed';

const env = loadEnv(
  storageEnvSchema.extend({
    /** How many recent days the nightly job recomputes. */
    NIGHTLY_RECOMPUTE_DAYS: z.coerce.number().int().min(1).max(366).default(31),
  }),
);
const logger = new Logger({ serviceName: 'cityhub-indicators' });
const storage = createStorage(env);
const deps = recomputeDepsOf(storage, env.CITY_TIMEZONE);

const nightlySchema = z.object({ job: z.literal('nightly-recompute') });
const NIGHTLY_DAYS_PER_MESSAGE = 5;

/** Recomputes the days named by a batch of `facts.changed` events; a message fails only with its days. */
const onFactsChanged = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const daysOf = new Map<string, string[]>();
  const unreadable: string[] = [];
  for (const record of event.Records) {
    try {
      daysOf.set(record.messageId, deliveredDetail(record.body, factsChanged.detailSchema).days);
    } catch (error) {
      logger.error('unreadable facts.changed message', {
        messageId: record.messageId,
        error: error as Error,
      });
      unreadable.push(record.messageId);
    }
  }
  // Days left when under a minute remains go back to the queue with their messages.
  const outOfTime = () => context.getRemainingTimeInMillis() < 60_000;
  const { outcomes, failures, skipped } = await recomputeDays([...daysOf.values()].flat(), deps, outOfTime);
  const failed = new Set([...failures.map(({ date }) => date), ...skipped]);
  for (const { date, error } of failures) logger.error('recompute failed', { date, error });
  logger.info('recomputed', {
    days: outcomes.length,
    changed: outcomes.reduce((n, o) => n + o.changed.length, 0),
  });
  const failedMessages = [...daysOf]
    .filter(([, days]) => days.some((day) => failed.has(day)))
    .map(([id]) => id);
  return {
    batchItemFailures: [...unreadable, ...failedMessages].map((itemIdentifier) => ({ itemIdentifier })),
  };
};

/** Nightly: has recent days recomputed, so deadlines that passed since the last change count. */
const nightly = async () => {
  const days = recentDays(Date.now(), env.CITY_TIMEZONE, env.NIGHTLY_RECOMPUTE_DAYS);
  // Through the recompute queue, a few days per message: each message fits a run's time budget.
  const events = [];
  for (let start = 0; start < days.length; start += NIGHTLY_DAYS_PER_MESSAGE) {
    events.push(
      busEvent(factsChanged, {
        days: days.slice(start, start + NIGHTLY_DAYS_PER_MESSAGE),
        reason: 'nightly recompute',
      }),
    );
  }
  await storage.publisher.publish(events);
  return { queued: days.length };
};

/** Consumer of the recompute queue, and target of the nightly schedule. */
export const lambdaHandler = async (event: SQSEvent | z.infer<typeof nightlySchema>, context: Context) => {
  if ('Records' in event) return onFactsChanged(event, context);
  nightlySchema.parse(event);
  return nightly();
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
