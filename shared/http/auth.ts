import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import * as z from 'zod';
import type { HttpEvent, HttpResult } from '#shared/http/api';
import { ForbiddenError, UnauthorizedError } from '#shared/http/errors';

/**
 * How analyst and admin routes are protected: `iam` when API Gateway has already checked SigV4
 * (deployed), `token` for bearer tokens (local runtime).
 */
export const authEnvSchema = z.discriminatedUnion('AUTH_MODE', [
  z.object({ AUTH_MODE: z.literal('iam') }),
  z.object({
    AUTH_MODE: z.literal('token'),
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'),
    ANALYST_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  }),
]);
export type AuthConfig = z.infer<typeof authEnvSchema>;

export type Role = 'analyst' | 'admin';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares two secrets in time that does not depend on where they differ. */
export const secretsEqual = (given: string, expected: string): boolean =>
  timingSafeEqual(digest(given), digest(expected));

/** The role a bearer token grants, if any. */
export const roleOfToken = (config: AuthConfig, token: string): Role | undefined => {
  if (config.AUTH_MODE !== 'token') return undefined;
  const admin = secretsEqual(token, config.ADMIN_TOKEN);
  const analyst = secretsEqual(token, config.ANALYST_TOKEN);
  return admin ? 'admin' : analyst ? 'analyst' : undefined;
};

/**
 * Lets a request through when it may use a route that needs `role` (the admin token also opens
 * analyst routes). With `iam`, API Gateway's IAM authorizer has already decided.
 */
export const requireRole = (config: AuthConfig, role: Role): MiddlewareObj<HttpEvent, HttpResult> => ({
  before: async (request) => {
    if (config.AUTH_MODE === 'iam') return;
    const header = request.event.headers?.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const challenge = { 'www-authenticate': 'Bearer realm="cityhub"' };
    if (!match?.[1])
      throw new UnauthorizedError('missing bearer token: send "Authorization: Bearer <token>"', challenge);
    const granted = roleOfToken(config, match[1]);
    if (!granted) throw new UnauthorizedError('unknown bearer token', challenge);
    if (role === 'admin' && granted !== 'admin') throw new ForbiddenError('this route needs the admin token');
  },
});
