import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { HttpEvent } from '#shared/http/api';
import { NotFoundError } from '#shared/http/errors';
import { routeByKey } from '#shared/http/router';

const event = (routeKey: string, rawPath: string, method = 'GET') =>
  ({ routeKey, rawPath, requestContext: { http: { method } } }) as HttpEvent;
const context = {} as Context;

const answer = (body: string) => async () => ({ statusCode: 200, body });
const handler = routeByKey<'subscriptions'>({
  'POST /subscriptions': answer('create'),
  'GET /subscriptions': answer('list'),
  'GET /subscriptions/{id}': answer('get'),
  'PATCH /subscriptions/{id}': answer('patch'),
  'DELETE /subscriptions/{id}': answer('delete'),
  'GET /subscriptions/{id}/deliveries': answer('deliveries'),
  'POST /subscriptions/{id}/replay': answer('replay'),
});

describe('routeByKey', () => {
  it('dispatches on the route key, not on the path', async () => {
    await expect(
      handler(event('GET /subscriptions/{id}/deliveries', '/subscriptions/replay'), context),
    ).resolves.toEqual({ statusCode: 200, body: 'deliveries' });
  });

  it.each(['GET /nowhere', 'constructor', '__proto__', 'toString'])(
    'answers 404 naming method and path for route key %j, which it has no handler for',
    async (routeKey) => {
      const call = handler(event(routeKey, '/nowhere', 'PUT'), context);
      await expect(call).rejects.toBeInstanceOf(NotFoundError);
      await expect(call).rejects.toThrow('no route PUT /nowhere');
    },
  );
});
