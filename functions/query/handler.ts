import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { createDocumentClient } from '#shared/adapters/dynamo';
import { FeedFreshnessStore } from '#shared/adapters/feed-freshness-store';
import { IndicatorsRepository } from '#shared/adapters/indicators-repository';
import { ReferenceRepository } from '#shared/adapters/reference-repository';
import { feedStatuses } from '#shared/app/feed-statuses';
import { versionCachedLoader } from '#shared/app/load-reference';
import { queryIndicators, toCsv } from '#shared/app/query-indicators';
import { baseEnvSchema, loadEnv } from '#shared/config';
import { listAreas } from '#shared/domain/area-list';
import { type HttpEvent, type HttpResult, httpErrors, json } from '#shared/http/api';
import { authEnvSchema, requireRole } from '#shared/http/auth';
import { openApiDocument } from '#shared/http/openapi';
import { parseInput } from '#shared/http/params';
import { indicatorQuerySchema, queryParams } from '#shared/schemas/query';
import type { Areas } from '#shared/schemas/reference';
import { tables } from '#shared/topology';

const env = loadEnv(
  baseEnvSchema.extend({
    [tables.indicators.envVar]: z.string().min(1),
    [tables.facts.envVar]: z.string().min(1),
  }),
);
const auth = loadEnv(authEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-query' });
const documents = createDocumentClient(env.DYNAMODB_ENDPOINT);
const indicators = new IndicatorsRepository(documents, env.INDICATORS_TABLE);
const feeds = new FeedFreshnessStore(documents, env.FACTS_TABLE);
/** The area list, re-read only when an admin replaced the areas since the last call. */
const loadAreaList = versionCachedLoader(
  new ReferenceRepository(documents, env.FACTS_TABLE),
  ['areas'],
  ([areas]) => listAreas(areas as Areas | undefined),
);

/**
 * `GET /indicators` (JSON or CSV), `GET /openapi.json` (CONTRACT §6), and for the dashboard
 * `GET /areas` (registered districts and streets with their names) and `GET /feeds` (feed freshness).
 */
export const lambdaHandler = async (event: HttpEvent): Promise<HttpResult> => {
  switch (event.rawPath) {
    case '/openapi.json': {
      const host = event.headers?.host;
      return json(
        200,
        openApiDocument(host ? `${event.headers?.['x-forwarded-proto'] ?? 'https'}://${host}` : undefined),
      );
    }
    case '/areas':
      return json(200, { items: await loadAreaList() });
    case '/feeds':
      return json(200, await feedStatuses(feeds, Date.now()));
  }
  const query = parseInput(indicatorQuerySchema, queryParams(event.rawQueryString ?? ''), 'query');
  const page = await queryIndicators(query, indicators);
  if (query.format === 'csv') {
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        ...(page.nextToken ? { 'x-next-token': page.nextToken } : {}),
      },
      body: toCsv(page.items),
    };
  }
  return json(200, page);
};

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger))
  .use(httpErrors(logger))
  .use(requireRole(auth, 'analyst'));
