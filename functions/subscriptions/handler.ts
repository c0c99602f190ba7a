import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { subscriptionsRoutes } from '#functions/subscriptions/routes';
import { subscriptionsDepsOf, subscriptionsEnvSchema } from '#shared/composition/webhooks';
import { loadEnv } from '#shared/config';
import { httpErrors } from '#shared/http/api';
import { authEnvSchema, requireRole } from '#shared/http/auth';
import { routeByKey } from '#shared/http/router';

const auth = loadEnv(authEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-subscriptions' });
const deps = subscriptionsDepsOf(loadEnv(subscriptionsEnvSchema));

/** Subscriptions API (CONTRACT §7): create, list, get, patch, delete, deliveries, replay. */
export const lambdaHandler = routeByKey(subscriptionsRoutes(deps, logger));

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger))
  .use(httpErrors(logger))
  .use(requireRole(auth, 'admin'));
