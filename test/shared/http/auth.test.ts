import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '#shared/http/api';
import { requireRole, roleOfClaims } from '#shared/http/auth';
import { ForbiddenError, UnauthorizedError } from '#shared/http/errors';

describe('roleOfClaims', () => {
  it.each([
    [{ 'cognito:groups': ['admin'] }, 'admin'],
    [{ 'cognito:groups': '[analyst admin]' }, 'admin'],
    [{ 'cognito:groups': '[analyst]' }, 'analyst'],
    [{ groups: ['analyst'] }, 'analyst'],
    [{ scope: 'cityhub/admin' }, 'admin'],
    [{ scope: 'openid cityhub/analyst' }, 'analyst'],
    [{ scope: 'cityhub/analyst', 'cognito:groups': ['admin'] }, 'admin'],
    [{ scope: 'openid email', 'cognito:groups': '[viewers]' }, undefined],
    [{ scope: 'admin' }, undefined],
    [{}, undefined],
  ])('maps %o to %s', (claims, role) => {
    expect(roleOfClaims(claims)).toBe(role);
  });
});

/** An event as API Gateway hands it on after its JWT authorizer accepted a token with `claims`. */
const withClaims = (claims?: Record<string, string>): HttpEvent =>
  ({
    headers: {},
    requestContext: claims ? { authorizer: { jwt: { claims, scopes: null } } } : {},
  }) as unknown as APIGatewayProxyEventV2;

const route = (role: 'analyst' | 'admin') =>
  middy<HttpEvent, HttpResult>(async () => ({ statusCode: 200 })).use(
    requireRole({ AUTH_MODE: 'jwt' }, role),
  );

describe('requireRole behind the JWT authorizer', () => {
  it('lets an analyst-group user through analyst routes and stops them at admin routes', async () => {
    const event = withClaims({ 'cognito:groups': '[analyst]' });
    await expect(route('analyst')(event, {} as never)).resolves.toEqual({ statusCode: 200 });
    await expect(route('admin')(event, {} as never)).rejects.toThrow(
      new ForbiddenError('this route needs the admin token, the admin group or the cityhub/admin scope'),
    );
  });

  it.each([
    ['the admin group', { 'cognito:groups': '[admin]' }],
    ['the admin scope', { scope: 'cityhub/admin' }],
  ])('lets %s through admin routes', async (_, claims) => {
    await expect(route('admin')(withClaims(claims), {} as never)).resolves.toEqual({ statusCode: 200 });
  });

  it('refuses a signed-in user in no cityhub group with 403', async () => {
    await expect(route('analyst')(withClaims({ sub: 'someone' }), {} as never)).rejects.toThrow(
      new ForbiddenError('this route needs the analyst group or the cityhub/analyst scope'),
    );
  });

  it('refuses a request the authorizer did not pass claims for with 401', async () => {
    await expect(route('analyst')(withClaims(), {} as never)).rejects.toThrow(UnauthorizedError);
  });
});
