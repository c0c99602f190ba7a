import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createMetrics, RECORDS_ACCEPTED_METRIC, SOURCE_DIMENSION } from '#shared/adapters/metrics';
import { createSourceSecrets, sourceSecretsEnvSchema } from '#shared/adapters/source-secrets';
import { ingest } from '#shared/app/ingest';
import { createStorage, storageEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';
import { type HttpEvent, type HttpResult, httpErrors, json } from '#shared/http/api';
import { ingestRoutes, jt808EnvSchema, readSignedBatch } from '#shared/http/ingest-request';

const env = loadEnv(storageEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-ingest' });
const deps = { ...createStorage(env), now: Date.now };
const secrets = createSourceSecrets(loadEnv(sourceSecretsEnvSchema));
const routes = ingestRoutes(loadEnv(jt808EnvSchema).JT808_WORKING_FLAG);
const metrics = createMetrics();

/** `POST /ingest/<source>` (one route per source), `/ingest/hotline/open311` and `/ingest/sanitation/jt808`: signed batches (CONTRACT §4). */
export const lambdaHandler = async (event: HttpEvent, context: Context): Promise<HttpResult> => {
  const batch = await readSignedBatch(event, routes, secrets);
  const outcome = await ingest({ ...batch, requestId: context.awsRequestId }, deps);
  const { source, webhookId } = batch;
  const { accepted, duplicates, rejected } = outcome.answer;
  logger.info('ingested', {
    source,
    webhookId,
    status: outcome.status,
    replayed: outcome.replayed ?? false,
    accepted,
    duplicates,
    rejected: rejected.length,
  });
  // Feed freshness: an alarm per source fires when no records are accepted for a while. A replayed
  // answer is of a batch already ingested, so only fresh batches count.
  if (outcome.status === 202 && !outcome.replayed) {
    metrics(RECORDS_ACCEPTED_METRIC, accepted, 'Count', { [SOURCE_DIMENSION]: source });
  }
  return json(outcome.status, outcome.answer);
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger)).use(httpErrors(logger));
