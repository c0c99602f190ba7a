import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { createMetrics, RECORDS_ACCEPTED_METRIC, SOURCE_DIMENSION } from '#shared/adapters/metrics';
import { createSourceSecrets, sourceSecretsEnvSchema } from '#shared/adapters/source-secrets';
import { ingest } from '#shared/app/ingest';
import { createStorage, storageEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';
import type { Unwrapped } from '#shared/domain/batch';
import { parseWorkingFlag } from '#shared/domain/jt808';
import { unwrapJt808 } from '#shared/domain/jt808-ingest';
import { unwrapOpen311 } from '#shared/domain/open311';
import {
  bodyBytes,
  type HttpEvent,
  type HttpResult,
  httpErrors,
  json,
  parseJsonBody,
  textBody,
} from '#shared/http/api';
import { NotFoundError, PayloadTooLargeError } from '#shared/http/errors';
import { verifySignature } from '#shared/http/signature';
import { ingestLimits, type Source, sourceSchema, sources } from '#shared/schemas/ingest';
import { excerpt } from '#shared/schemas/issues';

const env = loadEnv(storageEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-ingest' });
const storage = createStorage(env);
const secrets = createSourceSecrets(loadEnv(sourceSecretsEnvSchema));
const metrics = createMetrics();

/** Open311 GeoReport v2 service requests, signed with the hotline secret. */
const OPEN311_PATH = '/ingest/hotline/open311';
/** JT/T 808 location report frames, signed with the sanitation secret. */
const JT808_PATH = '/ingest/sanitation/jt808';
const jt808 = unwrapJt808(
  parseWorkingFlag(
    loadEnv(z.object({ JT808_WORKING_FLAG: z.string().default('0x2A:2') })).JT808_WORKING_FLAG,
  ),
);

/** Non-default body formats by path, with the source whose secret signs them. */
const formats: Record<string, { source: Source; unwrap: (body: unknown) => Unwrapped }> = {
  [OPEN311_PATH]: { source: 'hotline', unwrap: unwrapOpen311 },
  [JT808_PATH]: { source: 'sanitation', unwrap: jt808 },
};

/** `POST /ingest/{source}`, `/ingest/hotline/open311` and `/ingest/sanitation/jt808`: signed batches (CONTRACT §4). */
export const lambdaHandler = async (event: HttpEvent, context: Context): Promise<HttpResult> => {
  const format = formats[event.rawPath];
  const parsedSource = sourceSchema.safeParse(format?.source ?? event.pathParameters?.source);
  if (!parsedSource.success) {
    throw new NotFoundError(
      `unknown source '${excerpt(event.pathParameters?.source ?? '')}': use one of ${sources.join(', ')}`,
    );
  }
  const source = parsedSource.data;
  const size = bodyBytes(event);
  if (size > ingestLimits.maxBytes) {
    throw new PayloadTooLargeError(
      `body is ${size} bytes; at most ${ingestLimits.maxBytes} bytes (5 MB) per request`,
    );
  }
  const webhookId = verifySignature(await secrets(source), textBody(event), event.headers);
  const outcome = await ingest(
    {
      source,
      body: parseJsonBody(event),
      webhookId,
      requestId: context.awsRequestId,
      ...(format ? { unwrap: format.unwrap } : {}),
    },
    { ...storage, now: Date.now },
  );
  logger.info('ingested', { source, webhookId, status: outcome.status, ...countsOf(outcome.answer) });
  // Feed freshness: an alarm per source fires when no records are accepted for a while. A 200 replays the
  // answer of a batch already ingested, so only fresh batches (202) count.
  if (outcome.status === 202) {
    metrics(RECORDS_ACCEPTED_METRIC, outcome.answer.accepted, 'Count', { [SOURCE_DIMENSION]: source });
  }
  return json(outcome.status, outcome.answer);
};

const countsOf = (answer: { accepted: number; duplicates: number; rejected: unknown[] }) => ({
  accepted: answer.accepted,
  duplicates: answer.duplicates,
  rejected: answer.rejected.length,
});

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger)).use(httpErrors(logger));
