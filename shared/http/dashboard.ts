import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ConfigError } from '#shared/config';
import type { HttpResult } from '#shared/http/api';

/** File name of the built dashboard page beside the dashboard function's bundle (infra/dashboard/build.ts). */
export const DASHBOARD_PAGE_FILE = 'dashboard.html';

/** Stands in the built page where the city time zone goes; the function fills it in at cold start. */
export const TIME_ZONE_PLACEHOLDER = '%CITY_TIMEZONE%';

const escapeAttribute = (value: string) =>
  value.replace(/[&"<>]/g, (character) => `&#${character.charCodeAt(0)};`);

/**
 * Reads the built dashboard page and fills in the city time zone, so the page's "today" is the city's.
 *
 * @throws ConfigError naming the file and how to build it, when it cannot be read.
 */
export const readDashboardPage = (file: string, timeZone: string): string => {
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
  return html.replaceAll(TIME_ZONE_PLACEHOLDER, escapeAttribute(timeZone));
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
