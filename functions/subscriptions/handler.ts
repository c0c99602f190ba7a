import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { checkTarget, RefusedTargetError } from '#shared/adapters/address-guard';
import { targetPolicyOf, webhookEnvSchema } from '#shared/adapters/webhook-config';
import { WEBHOOK_RETENTION_S } from '#shared/adapters/webhooks-repository';
import { fanOut } from '#shared/app/fanout';
import { createStorage, storageEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';
import { wants } from '#shared/domain/webhooks/events';
import type { Subscription } from '#shared/domain/webhooks/subscription';
import { type HttpEvent, type HttpResult, httpErrors, json, parseJsonBody } from '#shared/http/api';
import { authEnvSchema, requireRole } from '#shared/http/auth';
import { BadRequestError, NotFoundError, UnprocessableError } from '#shared/http/errors';
import { parseInput } from '#shared/http/params';
import { excerpt } from '#shared/schemas/issues';
import { queryParams } from '#shared/schemas/query';
import {
  createSubscriptionSchema,
  deliveriesQuerySchema,
  patchSubscriptionSchema,
  replayRequestSchema,
} from '#shared/schemas/subscriptions';

const env = loadEnv(storageEnvSchema);
const auth = loadEnv(authEnvSchema);
const policy = targetPolicyOf(loadEnv(webhookEnvSchema));
const logger = new Logger({ serviceName: 'cityhub-subscriptions' });
const storage = createStorage(env);

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
/** A subscription as the API shows it: never its secret. */
const shown = ({ secret: _secret, ...visible }: Subscription) => visible;

const checkUrl = async (url: string) => {
  try {
    await checkTarget(url, policy);
  } catch (error) {
    if (error instanceof RefusedTargetError) throw new UnprocessableError(error.message);
    throw error;
  }
};

const unknown = (id: string) => new NotFoundError(`no subscription ${excerpt(id)}`);

const found = async (id: string) => {
  const subscription = await storage.webhooks.get(id);
  if (!subscription) throw unknown(id);
  return subscription;
};

/** Subscriptions API (CONTRACT §7): create, list, get, patch, delete, deliveries, replay. */
export const lambdaHandler = async (event: HttpEvent): Promise<HttpResult> => {
  const method = event.requestContext.http.method;
  const [, , id, action] = event.rawPath.split('/');
  if (!id) {
    if (method === 'GET') return json(200, { items: (await storage.webhooks.list()).map(shown) });
    const input = parseInput(createSubscriptionSchema, parseJsonBody(event), 'subscription');
    await checkUrl(input.url);
    const subscription: Subscription = {
      id: `sub_${randomUUID()}`,
      url: input.url,
      events: input.events,
      areas: input.areas ?? [],
      description: input.description,
      status: 'active',
      secret: newSecret(),
      createdAt: new Date().toISOString(),
    };
    await storage.webhooks.create(subscription);
    logger.info('subscription created', { id: subscription.id, events: subscription.events });
    const { createdAt: _createdAt, disabledReason: _reason, ...answer } = subscription;
    return json(201, answer);
  }
  if (action === 'deliveries') {
    await found(id);
    const { limit } = parseInput(deliveriesQuerySchema, queryParams(event.rawQueryString ?? ''), 'query');
    return json(200, { items: await storage.webhooks.listAttempts(id, limit) });
  }
  if (action === 'replay') {
    const subscription = await found(id);
    const { since, until } = parseInput(replayRequestSchema, parseJsonBody(event), 'replay');
    const to = Math.min(Date.parse(until ?? new Date().toISOString()), Date.now());
    const from = Date.parse(since);
    if (to - from > WEBHOOK_RETENTION_S * 1000) {
      throw new BadRequestError('a replay window spans at most 30 days (events are kept that long)');
    }
    const events = await storage.webhooks.eventsBetween(
      new Date(from).toISOString(),
      new Date(to).toISOString(),
    );
    const replayed = await fanOut(
      events.filter((stored) => wants(subscription, stored)),
      storage,
      subscription,
    );
    return json(202, { replayed });
  }
  if (method === 'GET') return json(200, shown(await found(id)));
  if (method === 'DELETE') {
    if (!(await storage.webhooks.delete(id))) throw unknown(id);
    return { statusCode: 204 };
  }
  const patch = parseInput(patchSubscriptionSchema, parseJsonBody(event), 'patch');
  const current = await found(id);
  const updated: Subscription = {
    ...current,
    ...(patch.status ? { status: patch.status, disabledReason: undefined } : {}),
    ...(patch.events ? { events: patch.events } : {}),
    ...(patch.areas ? { areas: patch.areas } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.rotateSecret ? { secret: newSecret() } : {}),
  };
  if (patch.status === 'active') await checkUrl(updated.url);
  if (!(await storage.webhooks.replace(updated))) throw unknown(id);
  return json(200, patch.rotateSecret ? { ...shown(updated), secret: updated.secret } : shown(updated));
};

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger))
  .use(httpErrors(logger))
  .use(requireRole(auth, 'admin'));
