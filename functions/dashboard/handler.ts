import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { baseEnvSchema, loadEnv } from '#shared/config';
import type { HttpEvent, HttpResult } from '#shared/http/api';
import {
  acceptsGzip,
  DASHBOARD_PAGE_FILE,
  type DashboardSignIn,
  dashboardResponse,
  gzippedResponse,
  readDashboardPage,
} from '#shared/http/dashboard';

const env = loadEnv(
  baseEnvSchema
    .extend({
      /** Path of the built page; default: beside this bundle, where the CDK bundling puts it. */
      DASHBOARD_PAGE: z.string().min(1).optional(),
      /**
       * OpenID provider the page signs analysts in at; without it the page asks for a token. Checked
       * to be an http(s) URL where it goes into the page (readDashboardPage).
       */
      SIGN_IN_ISSUER: z.string().min(1).optional(),
      /** Public client of the page at that provider (authorization code + PKCE). */
      SIGN_IN_CLIENT_ID: z.string().min(1).optional(),
      /** Scopes the page asks for. */
      SIGN_IN_SCOPES: z.string().min(1).default('openid'),
      /** Token endpoint, when it is not on the issuer's origin (Cognito's hosted-UI domain). */
      SIGN_IN_TOKEN_ENDPOINT: z.string().min(1).optional(),
    })
    .refine((parsed) => (parsed.SIGN_IN_ISSUER === undefined) === (parsed.SIGN_IN_CLIENT_ID === undefined), {
      path: ['SIGN_IN_CLIENT_ID'],
      message: 'SIGN_IN_ISSUER and SIGN_IN_CLIENT_ID go together (sign-in), or neither (a pasted token)',
    }),
);
const pageFile = env.DASHBOARD_PAGE ?? fileURLToPath(new URL(`./${DASHBOARD_PAGE_FILE}`, import.meta.url));
const signIn: DashboardSignIn | undefined =
  env.SIGN_IN_ISSUER && env.SIGN_IN_CLIENT_ID
    ? {
        issuer: env.SIGN_IN_ISSUER,
        clientId: env.SIGN_IN_CLIENT_ID,
        scopes: env.SIGN_IN_SCOPES,
        ...(env.SIGN_IN_TOKEN_ENDPOINT ? { tokenEndpoint: env.SIGN_IN_TOKEN_ENDPOINT } : {}),
      }
    : undefined;
let page: { plain: HttpResult; gzip: HttpResult } | undefined;

/**
 * `GET /`: the analyst dashboard page. Open: it holds no data; its script calls the analyst routes.
 * The page is read on the first request (it lies beside the deployed bundle, not beside this source
 * file), filled in with the time zone and the sign-in settings, compressed once, and kept for the life
 * of the instance; gzip goes to browsers that take it.
 */
export const handler = async (event?: Pick<HttpEvent, 'headers'>): Promise<HttpResult> => {
  if (!page) {
    const plain = dashboardResponse(readDashboardPage(pageFile, env.CITY_TIMEZONE, signIn));
    page = { plain, gzip: gzippedResponse(plain) };
  }
  return acceptsGzip(event?.headers?.['accept-encoding']) ? page.gzip : page.plain;
};
