import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { redueOpenItems, type SupervisionReference, sweepDeadlines } from '#shared/app/open-items';
import { createStorage, recomputeDepsOf, storageEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';

const env = loadEnv(storageEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-supervise' });
const deps = recomputeDepsOf(createStorage(env), env.CITY_TIMEZONE);
const sweepSchema = z.object({ job: z.literal('supervision-sweep') });
/** The reference the index's due times were last checked against in this instance. */
let checkedAgainst: SupervisionReference | undefined;

/**
 * The minute sweep (EventBridge Scheduler, every minute): after a change of calendar or thresholds
 * (and on a cold start) the due times of every open item are checked again; then the notices that
 * came due are announced.
 */
export const lambdaHandler = async (event: unknown) => {
  sweepSchema.parse(event);
  const reference = await deps.loadSupervision();
  if (reference !== checkedAgainst) {
    const corrected = await redueOpenItems(deps);
    checkedAgainst = reference;
    if (corrected > 0) logger.info('due times corrected', { corrected });
  }
  const outcome = await sweepDeadlines(deps);
  logger.info('swept', { ...outcome });
  return outcome;
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
