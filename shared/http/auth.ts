import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { createRemoteJWKSet, JWTPayload } from 'jose';
import * as z from 'zod';
import type { HttpEvent, HttpResult } from '#shared/http/api';
import { ForbiddenError, UnauthorizedError } from '#shared/http/errors';

/** OAuth scope that grants the analyst role (the user pool's resource server `cityhub`). */
export const ANALYST_SCOPE = 'cityhub/analyst';
/** OAuth scope that grants the admin role. */
export const ADMIN_SCOPE = 'cityhub/admin';

const staticTokens = {
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  ANALYST_TOKEN: z.string().min(16, 'must be at least 16 characters'),
};

/**
 * How analyst and admin routes are protected:
 * - `jwt` (deployed): API Gateway's JWT authorizer has checked the access token's signature, issuer,
 *   audience and expiry; the function maps its claims to a role.
 * - `token` (local default): the hub's own bearer tokens.
 * - `oidc` (local, for tests against a provider): the function checks JWT access tokens against the
 *   issuer's JWKS itself, as the JWT authorizer does, then maps claims like `jwt`; the hub's own tokens
 *   still work, so the demo loader and the CLI keep using the state file.
 */
export const authEnvSchema = z.discriminatedUnion('AUTH_MODE', [
  z.object({ AUTH_MODE: z.literal('jwt') }),
  z.object({ AUTH_MODE: z.literal('token'), ...staticTokens }),
  z.object({
    AUTH_MODE: z.literal('oidc'),
    ...staticTokens,
    OIDC_ISSUER: z.url('must be the issuer URL, e.g. https://login.example.gov/realms/city'),
    OIDC_AUDIENCE: z.string().min(1, 'must name the audience (or client id) access tokens are issued for'),
  }),
]);
export type AuthConfig = z.infer<typeof authEnvSchema>;

export type Role = 'analyst' | 'admin';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares two secrets in time that does not depend on where they differ. */
export const secretsEqual = (given: string, expected: string): boolean =>
  timingSafeEqual(digest(given), digest(expected));

/** The role one of the hub's own bearer tokens grants, if any. */
export const roleOfToken = (config: AuthConfig, token: string): Role | undefined => {
  if (config.AUTH_MODE === 'jwt') return undefined;
  const admin = secretsEqual(token, config.ADMIN_TOKEN);
  const analyst = secretsEqual(token, config.ANALYST_TOKEN);
  return admin ? 'admin' : analyst ? 'analyst' : undefined;
};

/**
 * A claim that holds a list, in any of the shapes it arrives in: an array (a verified JWT), or the
 * string API Gateway's JWT authorizer makes of an array (`[analyst admin]`), or a space-separated
 * string (the OAuth `scope` claim).
 */
const listClaim = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value !== 'string') return [];
  return value
    .replace(/^\[(.*)\]$/, '$1')
    .split(/[\s,]+/)
    .filter((item) => item.length > 0);
};

/**
 * The strongest role an access token's claims grant: `admin` for the `admin` group (Cognito's
 * `cognito:groups`, or `groups` of another provider) or the `cityhub/admin` scope; `analyst` for the
 * `analyst` group or the `cityhub/analyst` scope; none otherwise. Groups come with users signed in
 * through a browser, scopes with systems using client credentials; either is enough, which an API
 * Gateway `authorizationScopes` list cannot say, so the function decides.
 */
export const roleOfClaims = (claims: Readonly<Record<string, unknown>>): Role | undefined => {
  const granted = new Set([
    ...listClaim(claims['cognito:groups']),
    ...listClaim(claims.groups),
    ...listClaim(claims.scope).flatMap((scope) =>
      scope === ADMIN_SCOPE ? ['admin'] : scope === ANALYST_SCOPE ? ['analyst'] : [],
    ),
  ]);
  return granted.has('admin') ? 'admin' : granted.has('analyst') ? 'analyst' : undefined;
};

/** The claims API Gateway's JWT authorizer passes on, if it ran. */
const authorizerClaims = (event: HttpEvent): Record<string, unknown> | undefined =>
  (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer?.jwt
    ?.claims;

/**
 * Checks a JWT access token as API Gateway's JWT authorizer does: signature by a key of the issuer's
 * JWKS, `iss`, expiry, and the audience in `aud` or, for access tokens without one (Cognito's),
 * `client_id`.
 */
export const jwtVerifier = (issuer: string, audience: string) => {
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;
  // `jose` is loaded only here, in the local OIDC mode: deployed, API Gateway's JWT authorizer checks
  // tokens, and Lambda bundles leave the library out (LAMBDA_EXTERNALS in infra/constructs/bundling.ts).
  const jose = import('jose');
  const keySet = async () => {
    if (keys) return keys;
    const { createRemoteJWKSet } = await jose;
    const discovery = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(discovery);
    if (!response.ok) throw new Error(`${discovery} answered ${response.status}`);
    const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: string };
    if (!jwksUri) throw new Error(`${discovery} names no jwks_uri`);
    keys = createRemoteJWKSet(new URL(jwksUri));
    return keys;
  };
  return async (token: string): Promise<JWTPayload> => {
    const { jwtVerify } = await jose;
    const { payload } = await jwtVerify(token, await keySet(), { issuer });
    const audiences = listClaim(payload.aud);
    if (!audiences.includes(audience) && payload.client_id !== audience)
      throw new Error(`token is not for audience ${audience}`);
    return payload;
  };
};

const challenge = { 'www-authenticate': 'Bearer realm="cityhub"' };

/**
 * Lets a request through when it may use a route that needs `role` (admin also opens analyst routes).
 * With `jwt`, API Gateway has verified the token and the claims decide; with `token`, the hub's own
 * tokens; with `oidc`, the hub's own tokens or a JWT access token verified here.
 */
export const requireRole = (config: AuthConfig, role: Role): MiddlewareObj<HttpEvent, HttpResult> => {
  const verify =
    config.AUTH_MODE === 'oidc' ? jwtVerifier(config.OIDC_ISSUER, config.OIDC_AUDIENCE) : undefined;
  const grantedBy = async (event: HttpEvent): Promise<Role | undefined> => {
    if (config.AUTH_MODE === 'jwt') {
      const claims = authorizerClaims(event);
      if (!claims) throw new UnauthorizedError('no verified access token', challenge);
      return roleOfClaims(claims);
    }
    const header = event.headers?.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1])
      throw new UnauthorizedError('missing bearer token: send "Authorization: Bearer <token>"', challenge);
    const own = roleOfToken(config, match[1]);
    if (own || !verify) {
      if (!own) throw new UnauthorizedError('unknown bearer token', challenge);
      return own;
    }
    try {
      return roleOfClaims(await verify(match[1]));
    } catch (error) {
      throw new UnauthorizedError(`access token refused: ${(error as Error).message}`, challenge);
    }
  };
  return {
    before: async (request) => {
      const granted = await grantedBy(request.event);
      if (!granted)
        throw new ForbiddenError(
          `this route needs the ${role} group or the ${role === 'admin' ? ADMIN_SCOPE : ANALYST_SCOPE} scope`,
        );
      if (role === 'admin' && granted !== 'admin')
        throw new ForbiddenError(
          `this route needs the admin token, the admin group or the ${ADMIN_SCOPE} scope`,
        );
    },
  };
};
