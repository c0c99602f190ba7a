import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ConfigError } from '#shared/config';
import type { HttpResult } from '#shared/http/api';

/** File name of the built dashboard page beside the dashboard function's bundle (infra/dashboard/build.ts). */
export const DASHBOARD_PAGE_FILE = 'dashboard.html';

/** Stands in the built page where the city time zone goes; the function fills it in at cold start. */
export const TIME_ZONE_PLACEHOLDER = '%CITY_TIMEZONE%';

/** Stand in the built page where the sign-in settings go (empty when the page uses a pasted token). */
export const SIGN_IN_PLACEHOLDERS = {
  issuer: '%SIGN_IN_ISSUER%',
  clientId: '%SIGN_IN_CLIENT_ID%',
  scopes: '%SIGN_IN_SCOPES%',
} as const;

/** The policy directive the built page declares for its requests: the hub itself only. */
const CONNECT_SELF = "connect-src 'self'";

/**
 * Where the dashboard signs analysts in: the OpenID provider and the public client registered for the
 * page (authorization code with PKCE, the page's own URL as redirect URI).
 */
export interface DashboardSignIn {
  /** Issuer URL; the page reads its discovery document below it. */
  readonly issuer: string;
  readonly clientId: string;
  /** Space-separated scopes the page asks for. */
  readonly scopes: string;
  /**
   * The token endpoint, when it lies on another origin than the issuer (Cognito's hosted-UI domain).
   *
   * @default - on the issuer's origin
   */
  readonly tokenEndpoint?: string;
}

const escapeAttribute = (value: string) =>
  value.replace(/[&"<>]/g, (character) => `&#${character.charCodeAt(0)};`);

/** The origin of an http(s) URL, or a ConfigError naming the setting. */
const originOf = (name: string, value: string): string => {
  const url = URL.parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new ConfigError(`${name}=${value} is not an http(s) URL such as https://login.example.gov.cn`);
  return url.origin;
};

/**
 * The origins the page must reach to sign in, beside the hub: the issuer's (discovery) and the token
 * endpoint's. The page goes to the authorization endpoint by navigating, which connect-src does not govern.
 */
export const signInConnectSources = (signIn: DashboardSignIn): string[] => [
  ...new Set([
    originOf('SIGN_IN_ISSUER', signIn.issuer),
    ...(signIn.tokenEndpoint ? [originOf('SIGN_IN_TOKEN_ENDPOINT', signIn.tokenEndpoint)] : []),
  ]),
];

/**
 * Reads the built dashboard page and fills in the city time zone, so the page's "today" is the city's,
 * and the sign-in settings: with them the page signs analysts in at that provider, and its Content
 * Security Policy lets it reach the provider's origins; without them it asks for a token, as locally.
 *
 * @throws ConfigError naming the file and how to build it, when it cannot be read; naming the setting,
 *   when a sign-in URL is not http(s).
 */
export const readDashboardPage = (file: string, timeZone: string, signIn?: DashboardSignIn): string => {
  let html: string;
  try {
    html = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `dashboard page ${file} cannot be read (${(error as Error).message}); build it with: node --import tsx infra/dashboard/build.ts <directory>`,
    );
  }
  if (!html.includes(TIME_ZONE_PLACEHOLDER)) {
    throw new ConfigError(
      `dashboard page ${file} has no ${TIME_ZONE_PLACEHOLDER}: it is not a built dashboard page`,
    );
  }
  const sources = signIn ? signInConnectSources(signIn) : [];
  if (sources.length > 0 && !html.includes(`${CONNECT_SELF};`))
    throw new ConfigError(
      `dashboard page ${file} declares no "${CONNECT_SELF}" to add the sign-in origins to`,
    );
  return html
    .replaceAll(TIME_ZONE_PLACEHOLDER, escapeAttribute(timeZone))
    .replaceAll(SIGN_IN_PLACEHOLDERS.issuer, escapeAttribute(signIn?.issuer ?? ''))
    .replaceAll(SIGN_IN_PLACEHOLDERS.clientId, escapeAttribute(signIn?.clientId ?? ''))
    .replaceAll(SIGN_IN_PLACEHOLDERS.scopes, escapeAttribute(signIn?.scopes ?? ''))
    .replace(`${CONNECT_SELF};`, () => `${[CONNECT_SELF, ...sources].join(' ')};`);
};

/** The Content Security Policy the built page declares in its `<meta http-equiv>`, if any. */
const declaredPolicy = (html: string): string | undefined =>
  /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/i.exec(html)?.[1];

/**
 * The page as an HTTP answer: never framed, never sniffed, revalidated on every load, and with its
 * Content Security Policy as a header too (the second wall beside rendering with `textContent`; a
 * header also forbids framing, which a `<meta>` policy cannot).
 */
export const dashboardResponse = (html: string): HttpResult => {
  const policy = declaredPolicy(html);
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      vary: 'accept-encoding',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      ...(policy ? { 'content-security-policy': `${policy}; frame-ancestors 'none'` } : {}),
    },
    body: html,
  };
};

/** True when an `Accept-Encoding` header takes gzip (named or `*`, with a weight above 0). */
export const acceptsGzip = (header: string | undefined): boolean =>
  (header ?? '').split(',').some((part) => {
    const [coding = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const weight = parameters.find((parameter) => parameter.startsWith('q='));
    return (coding === 'gzip' || coding === '*') && (weight === undefined || Number(weight.slice(2)) > 0);
  });

/**
 * The page answer compressed with gzip (base64, as Lambda returns binary bodies): the page carries
 * MapLibre GL JS and its worker, about 1.7 MB of text that gzip brings to about a quarter.
 */
export const gzippedResponse = (plain: HttpResult): HttpResult => ({
  ...plain,
  headers: { ...plain.headers, 'content-encoding': 'gzip' },
  isBase64Encoded: true,
  body: gzipSync(plain.body ?? '').toString('base64'),
});
