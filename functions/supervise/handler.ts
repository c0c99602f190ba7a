import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { checkAlerts, checkFeeds } from '#shared/app/alerts';
import { redueOpenItems, type SupervisionReference, sweepDeadlines } from '#shared/app/open-items';
import {
  alertChecksDepsOf,
  alertChecksEnvSchema,
  createStorage,
  recomputeDepsOf,
} from '#shared/composition/root';
import { loadEnv } from '#shared/config';

const env = loadEnv(alertChecksEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-supervise' });
const storage = createStorage(env);
const deps = recomputeDepsOf(storage, env.CITY_TIMEZONE);
const alertDeps = alertChecksDepsOf(storage, env);
const sweepSchema = z.object({ job: z.literal('supervision-sweep') });
/** The reference the index's due times were last checked against in this instance. */
let checkedAgainst: SupervisionReference | undefined;

/** Deadlines: after a change of calendar or thresholds (and on a cold start) every due time is checked again. */
const deadlines = async () => {
  const reference = await deps.loadSupervision();
  if (reference !== checkedAgainst) {
    const corrected = await redueOpenItems(deps);
    checkedAgainst = reference;
    if (corrected > 0) logger.info('due times corrected', { corrected });
  }
  return sweepDeadlines(deps);
};

/**
 * The minute sweep (EventBridge Scheduler, every minute): the deadline notices that came due, the
 * alert rules whose time has come, and feeds gone silent or back. Each runs even when another fails;
 * a failure fails the run (its alarm), and the next minute tries again.
 */
export const lambdaHandler = async (event: unknown) => {
  sweepSchema.parse(event);
  const now = deps.now();
  const [notices, alerts, feeds] = await Promise.allSettled([
    deadlines(),
    checkAlerts(alertDeps, now),
    checkFeeds(alertDeps, now),
  ]);
  const failed = [notices, alerts, feeds].filter((result) => result.status === 'rejected');
  for (const { reason } of failed) logger.error('sweep step failed', { error: reason as Error });
  const value = <T>(result: PromiseSettledResult<T>) => (result.status === 'fulfilled' ? result.value : null);
  const outcome = {
    notices: value(notices),
    alerts: value(alerts)?.announced.length ?? null,
    feeds: value(feeds) ? { silent: value(feeds)?.silent } : null,
  };
  logger.info('swept', outcome);
  if (failed.length > 0) throw new Error(`${failed.length} of 3 sweep steps failed`);
  return outcome;
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
