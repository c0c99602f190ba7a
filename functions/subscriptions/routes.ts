import type { Logger } from '@aws-lambda-powertools/logger';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  replay,
  type SubscriptionsDeps,
  updateSubscription,
} from '#shared/app/subscriptions';
import { type HttpEvent, json } from '#shared/http/api';
import { parseBody, parseQuery } from '#shared/http/params';
import type { Routes } from '#shared/http/router';
import {
  createSubscriptionSchema,
  deliveriesQuerySchema,
  patchSubscriptionSchema,
  replayRequestSchema,
} from '#shared/schemas/subscriptions';

const idOf = (event: HttpEvent) => event.pathParameters?.id ?? '';

/** The subscriptions API (CONTRACT §7): each route reads its input, calls its use-case, answers. */
export const subscriptionsRoutes = (deps: SubscriptionsDeps, logger: Logger): Routes<'subscriptions'> => ({
  'POST /subscriptions': async (event) => {
    const created = await createSubscription(
      parseBody(createSubscriptionSchema, event, 'subscription'),
      deps,
    );
    logger.info('subscription created', { id: created.id, events: created.events });
    return json(201, created);
  },
  'GET /subscriptions': async () => json(200, { items: await listSubscriptions(deps) }),
  'GET /subscriptions/{id}': async (event) => json(200, await getSubscription(idOf(event), deps)),
  'PATCH /subscriptions/{id}': async (event) => {
    const patch = parseBody(patchSubscriptionSchema, event, 'patch');
    return json(200, await updateSubscription(idOf(event), patch, deps));
  },
  'DELETE /subscriptions/{id}': async (event) => {
    await deleteSubscription(idOf(event), deps);
    return { statusCode: 204 };
  },
  'GET /subscriptions/{id}/deliveries': async (event) => {
    const query = () => parseQuery(deliveriesQuerySchema, event);
    return json(200, { items: await listDeliveries(idOf(event), query, deps) });
  },
  'POST /subscriptions/{id}/replay': async (event) => {
    const window = () => parseBody(replayRequestSchema, event, 'replay');
    return json(202, { replayed: await replay(idOf(event), window, deps) });
  },
});
