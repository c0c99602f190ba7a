import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { createStorage, storageEnvSchema } from '#shared/adapters/clients';
import { loadEnv } from '#shared/config';
import { emptyAreaRegistry } from '#shared/domain/areas';
import { recomputeDays } from '#shared/domain/recompute';
import { dateRange } from '#shared/domain/time';
import { type HttpEvent, type HttpResult, httpErrors, json, parseJsonBody } from '#shared/http/api';
import { authEnvSchema, requireRole } from '#shared/http/auth';
import { NotFoundError } from '#shared/http/errors';
import { parseInput } from '#shared/http/params';
import { quarantineQuerySchema, recomputeRequestSchema } from '#shared/schemas/admin';
import { queryParams } from '#shared/schemas/query';

const env = loadEnv(storageEnvSchema);
const auth = loadEnv(authEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-admin' });
const storage = createStorage(env);
const recomputeDeps = {
  ...storage,
  loadAreas: async () => emptyAreaRegistry,
  timeZone: env.CITY_TIMEZONE,
  now: Date.now,
};

/** `POST /admin/recompute`: recomputes synchronously and answers what changed. */
const recompute = async (event: HttpEvent): Promise<HttpResult> => {
  const request = parseInput(recomputeRequestSchema, parseJsonBody(event), 'body');
  const { outcomes, failures } = await recomputeDays(
    dateRange(request.date, request.to ?? request.date),
    recomputeDeps,
  );
  if (failures.length > 0) {
    throw new Error(
      `recompute failed for ${failures.map(({ date, error }) => `${date}: ${error.message}`).join('; ')}`,
    );
  }
  return json(200, { days: outcomes });
};

/** `GET /quarantine?source=&limit=`: the newest rejected records of a source. */
const quarantine = async (event: HttpEvent): Promise<HttpResult> => {
  const { source, limit } = parseInput(
    quarantineQuerySchema,
    queryParams(event.rawQueryString ?? ''),
    'query',
  );
  return json(200, { items: await storage.facts.listQuarantine(source, limit, Date.now()) });
};

const routes: Record<string, (event: HttpEvent) => Promise<HttpResult>> = {
  'POST /admin/recompute': recompute,
  'GET /quarantine': quarantine,
};

/** Admin routes (CONTRACT §2: admin token locally, IAM when deployed). */
export const lambdaHandler = async (event: HttpEvent): Promise<HttpResult> => {
  const route = routes[`${event.requestContext.http.method} ${event.rawPath}`];
  if (!route) throw new NotFoundError(`no route ${event.requestContext.http.method} ${event.rawPath}`);
  return route(event);
};

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger))
  .use(httpErrors(logger))
  .use(requireRole(auth, 'admin'));
