import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { adminRoutes } from '#functions/admin/routes';
import { adminDepsOf, adminEnvSchema, createStorage } from '#shared/composition/root';
import { loadEnv } from '#shared/config';
import { httpErrors } from '#shared/http/api';
import { authEnvSchema, requireRole } from '#shared/http/auth';
import { routeByKey } from '#shared/http/router';

const env = loadEnv(adminEnvSchema);
const auth = loadEnv(authEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-admin' });
const deps = adminDepsOf(createStorage(env), env);

/**
 * Admin routes (CONTRACT §2: admin token locally, IAM when deployed): reference sets, synchronous
 * recompute, quarantine, data quality and the redrive of dead letters.
 */
export const lambdaHandler = routeByKey(adminRoutes(deps, logger));

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger))
  .use(httpErrors(logger))
  .use(requireRole(auth, 'admin'));
