import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type AdminDeps,
  listQuarantined,
  qualityBetween,
  type ReferenceSet,
  recomputeNow,
  replaceAlerts,
  replaceReferenceSet,
  replaceSupervision,
  replaceSyncRules,
} from '#shared/app/admin';
import { redrive } from '#shared/app/redrive';
import { json } from '#shared/http/api';
import { parseBody, parseQuery } from '#shared/http/params';
import type { Routes } from '#shared/http/router';
import {
  qualityQuerySchema,
  quarantineQuerySchema,
  recomputeRequestSchema,
  redriveRequestSchema,
} from '#shared/schemas/admin';
import {
  alertsSchema,
  areasSchema,
  calendarSchema,
  roadsSchema,
  supervisionSchema,
  vehiclesSchema,
} from '#shared/schemas/reference';
import { syncRulesSchema } from '#shared/schemas/subscriptions';

/** The admin routes: each reads its input, calls its use-case, answers. */
export const adminRoutes = (deps: AdminDeps, logger: Logger): Routes<'admin'> => {
  /** `PUT /reference/<name>`: answers the set's counts; every day is recomputed. */
  const replaced = async (set: ReferenceSet) => {
    const answer = await replaceReferenceSet(set, deps);
    logger.info('reference replaced', { name: set.name, days: answer.recomputingDays });
    return json(200, answer);
  };
  return {
    /** Recomputes synchronously and answers what changed. */
    'POST /admin/recompute': async (event) => {
      const { date, to } = parseBody(recomputeRequestSchema, event, 'body');
      return json(200, { days: await recomputeNow(date, to ?? date, deps) });
    },
    /** Lists (dry run) or moves back the dead letters of one queue or every queue. */
    'POST /admin/redrive': async (event) => {
      const answer = await redrive(parseBody(redriveRequestSchema, event, 'body'), deps);
      if (!answer.dryRun) logger.info('dead letters moved back', { queues: answer.queues });
      return json(200, answer);
    },
    'GET /quarantine': async (event) => {
      const { source, limit } = parseQuery(quarantineQuerySchema, event);
      return json(200, { items: await listQuarantined(source, limit, deps) });
    },
    'GET /admin/quality': async (event) => {
      const { from, to } = parseQuery(qualityQuerySchema, event);
      return json(200, await qualityBetween(from, to, deps));
    },
    'PUT /reference/areas': async (event) =>
      replaced({ name: 'areas', value: parseBody(areasSchema, event, 'areas') }),
    'PUT /reference/roads': async (event) =>
      replaced({ name: 'roads', value: parseBody(roadsSchema, event, 'roads') }),
    'PUT /reference/vehicles': async (event) =>
      replaced({ name: 'vehicles', value: parseBody(vehiclesSchema, event, 'vehicles') }),
    'PUT /reference/calendar': async (event) =>
      replaced({ name: 'calendar', value: parseBody(calendarSchema, event, 'calendar') }),
    'PUT /reference/sync': async (event) =>
      json(200, await replaceSyncRules(parseBody(syncRulesSchema, event, 'sync rules'), deps)),
    'PUT /reference/alerts': async (event) =>
      json(200, await replaceAlerts(parseBody(alertsSchema, event, 'alerts'), deps)),
    'PUT /reference/supervision': async (event) =>
      json(
        200,
        await replaceSupervision(parseBody(supervisionSchema, event, 'supervision thresholds'), deps),
      ),
  };
};
