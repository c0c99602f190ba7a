import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type * as z from 'zod';
import { recomputeDays } from '#shared/app/recompute';
import { replaceReference } from '#shared/app/replace-reference';
import { createStorage, recomputeDepsOf, storageEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';
import { qualityReport } from '#shared/domain/quality';
import type { ReferenceName } from '#shared/domain/reference';
import { dateRange } from '#shared/domain/time';
import { type HttpEvent, type HttpResult, httpErrors, json, parseJsonBody } from '#shared/http/api';
import { authEnvSchema, requireRole } from '#shared/http/auth';
import { NotFoundError } from '#shared/http/errors';
import { parseInput } from '#shared/http/params';
import { qualityQuerySchema, quarantineQuerySchema, recomputeRequestSchema } from '#shared/schemas/admin';
import { excerpt } from '#shared/schemas/issues';
import { queryParams } from '#shared/schemas/query';
import { areasSchema, calendarSchema, roadsSchema, vehiclesSchema } from '#shared/schemas/reference';
import { syncRulesSchema } from '#shared/schemas/subscriptions';

const env = loadEnv(storageEnvSchema);
const auth = loadEnv(authEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-admin' });
const storage = createStorage(env);
const deps = recomputeDepsOf(storage, env.CITY_TIMEZONE);

/** `POST /admin/recompute`: recomputes synchronously and answers what changed. */
const recompute = async (event: HttpEvent): Promise<HttpResult> => {
  const request = parseInput(recomputeRequestSchema, parseJsonBody(event), 'body');
  const { outcomes, failures } = await recomputeDays(
    dateRange(request.date, request.to ?? request.date),
    deps,
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
  return json(200, { items: await storage.quarantine.listQuarantine(source, limit, Date.now()) });
};

/** `GET /admin/quality?from=&to=`: area codes the registry does not know, per code and per source. */
const quality = async (event: HttpEvent): Promise<HttpResult> => {
  const { from, to } = parseInput(qualityQuerySchema, queryParams(event.rawQueryString ?? ''), 'query');
  const days = await storage.quality.listQuality(from, to);
  return json(
    200,
    qualityReport(
      from,
      to,
      days.map((day) => day.unknownCodes),
    ),
  );
};

/** `PUT /reference/<name>`: replaces a reference set, answers its counts, and has every day recomputed. */
const replace =
  <Schema extends z.ZodType>(
    name: ReferenceName,
    schema: Schema,
    counts: (value: z.infer<Schema>) => Record<string, number>,
  ) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const value = parseInput(schema, parseJsonBody(event), name);
    const days = await replaceReference(name, value, { ...storage, now: Date.now });
    logger.info('reference replaced', { name, days });
    return json(200, { ...counts(value), recomputingDays: days });
  };

/** `PUT /reference/sync`: which ticket categories the city platform takes over (no recompute needed). */
const replaceSync = async (event: HttpEvent): Promise<HttpResult> => {
  const rules = parseInput(syncRulesSchema, parseJsonBody(event), 'sync rules');
  await storage.reference.put('sync', rules, Date.now());
  return json(200, { ticketCategoriesToCityPlatform: rules.ticketCategoriesToCityPlatform.length });
};

const routes: Record<string, (event: HttpEvent) => Promise<HttpResult>> = {
  'POST /admin/recompute': recompute,
  'GET /quarantine': quarantine,
  'GET /admin/quality': quality,
  'PUT /reference/areas': replace('areas', areasSchema, (areas) => ({
    districts: areas.features.filter((feature) => feature.properties.level === 'district').length,
    streets: areas.features.filter((feature) => feature.properties.level === 'street').length,
  })),
  'PUT /reference/roads': replace('roads', roadsSchema, (roads) => ({
    segments: roads.features.length,
    plannedSegments: roads.features.filter((feature) => feature.properties.planned).length,
  })),
  'PUT /reference/vehicles': replace('vehicles', vehiclesSchema, (vehicles) => ({
    vehicles: vehicles.length,
  })),
  'PUT /reference/sync': replaceSync,
  'PUT /reference/calendar': replace('calendar', calendarSchema, (calendar) => ({
    holidays: calendar.holidays.length,
    workdays: calendar.workdays.length,
  })),
};

/** Admin routes (CONTRACT §2: admin token locally, IAM when deployed). */
export const lambdaHandler = async (event: HttpEvent): Promise<HttpResult> => {
  const route = routes[`${event.requestContext.http.method} ${event.rawPath}`];
  if (!route)
    throw new NotFoundError(`no route ${event.requestContext.http.method} ${excerpt(event.rawPath)}`);
  return route(event);
};

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger))
  .use(httpErrors(logger))
  .use(requireRole(auth, 'admin'));
