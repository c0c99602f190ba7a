import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { createDocumentClient } from '#shared/adapters/dynamo';
import { IndicatorsRepository } from '#shared/adapters/indicators-repository';
import { baseEnvSchema, loadEnv } from '#shared/config';
import { queryIndicators, toCsv } from '#shared/domain/query';
import { type HttpEvent, type HttpResult, httpErrors, json } from '#shared/http/api';
import { authEnvSchema, requireRole } from '#shared/http/auth';
import { openApiDocument } from '#shared/http/openapi';
import { parseInput } from '#shared/http/params';
import { indicatorQuerySchema, queryParams } from '#shared/schemas/query';
import { tables } from '#shared/topology';

const env = loadEnv(baseEnvSchema.extend({ [tables.indicators.envVar]: z.string().min(1) }));
const auth = loadEnv(authEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-query' });
const indicators = new IndicatorsRepository(
  createDocumentClient(env.DYNAMODB_ENDPOINT),
  env.INDICATORS_TABLE,
);

/** `GET /indicators` (JSON or CSV) and `GET /openapi.json` (CONTRACT §6). */
export const lambdaHandler = async (event: HttpEvent): Promise<HttpResult> => {
  if (event.rawPath === '/openapi.json') {
    const host = event.headers?.host;
    return json(
      200,
      openApiDocument(host ? `${event.headers?.['x-forwarded-proto'] ?? 'https'}://${host}` : undefined),
    );
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
