import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { queryRoutes } from '#functions/query/routes';
import { queryDepsOf, queryEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';
import { httpErrors } from '#shared/http/api';
import { authEnvSchema, requireRole } from '#shared/http/auth';
import { routeByKey } from '#shared/http/router';

const env = loadEnv(queryEnvSchema);
const auth = loadEnv(authEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-query' });
const deps = queryDepsOf(env);

/** Analyst routes: indicators (JSON or CSV), the OpenAPI document, and the dashboard's areas and feeds. */
export const lambdaHandler = routeByKey(queryRoutes(deps));

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger))
  .use(httpErrors(logger))
  .use(requireRole(auth, 'analyst'));
