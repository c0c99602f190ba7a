import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '#infra/constructs/bundling';
import { buildDashboardPage, writeDashboardPage } from '#infra/dashboard/build';
import { ConfigError } from '#shared/config';
import {
  dashboardResponse,
  gzippedResponse,
  readDashboardPage,
  TIME_ZONE_PLACEHOLDER,
} from '#shared/http/dashboard';
import { functions } from '#shared/topology';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'cityhub-dashboard-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let html: string;
beforeAll(async () => {
  html = await buildDashboardPage();
}, 60_000);

const inline = (tag: 'script' | 'style'): string => {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html);
  if (!match?.[1]) throw new Error(`the page has no inline <${tag}>`);
  return match[1];
};
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');

describe('the dashboard page build', () => {
  it('inlines the script (with uPlot and MapLibre) and the styles, and loads nothing from elsewhere', () => {
    // The markup around the inline script and styles (MapLibre's code holds links it never renders here).
    const markup = html.replace(inline('script'), '').replace(inline('style'), '');
    expect(markup).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(markup).not.toMatch(/<link[^>]*stylesheet/i);
    expect(markup).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(inline('style')).not.toMatch(/url\((['"]?)(https?:)?\/\//i);
    expect(inline('script')).toContain('uPlot');
    expect(inline('style')).toContain('.u-legend');
    expect(inline('script')).toContain('MapLibre GL JS');
    expect(inline('style')).toContain('.maplibregl-canvas');
    // The worker module's text, which the page starts from a blob: URL (no source map to fetch).
    expect(inline('script')).toContain('self.worker=new');
    expect(inline('script')).not.toContain('sourceMappingURL=maplibre-gl-worker');
    expect(html).toContain(`content="${TIME_ZONE_PLACEHOLDER}"`);
  });

  it('allows exactly its own inline script and style in its Content Security Policy', () => {
    const policy = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain(`script-src 'sha256-${sha256(inline('script'))}'`);
    expect(policy).toContain(`style-src 'sha256-${sha256(inline('style'))}'`);
    expect(policy).toContain("connect-src 'self'");
    // MapLibre's worker, started from the blob: URL the page's own script makes, and nothing else.
    expect(policy).toContain('worker-src blob:');
    expect(policy).not.toMatch(/unsafe|script-src[^;]*blob:|\*/);
  });

  it('keeps the dashboard function within the 500 KB every bundle must stay under, and its page as sent too', async () => {
    const outfile = join(directory, 'bundle', 'index.mjs');
    await build(lambdaBuildOptions(join(root, functions.dashboard.entry), outfile));
    const file = await writeDashboardPage(join(directory, 'bundle'));
    const sent = Buffer.from(
      String(gzippedResponse(dashboardResponse(readDashboardPage(file, 'Asia/Shanghai'))).body),
      'base64',
    ).length;
    console.info(
      `dashboard function: ${(statSync(outfile).size / 1024).toFixed(1)} KB; page ${(statSync(file).size / 1024).toFixed(1)} KB, ${(sent / 1024).toFixed(1)} KB sent with gzip`,
    );
    // The page is data the function reads on its first request (MapLibre makes it ~1.7 MB), not code it loads.
    expect(statSync(outfile).size).toBeLessThanOrEqual(500 * 1024);
    expect(sent).toBeLessThanOrEqual(600 * 1024);
  }, 60_000);
});

describe('the dashboard function', () => {
  it('answers GET / with the page, the city time zone filled in, never framed or sniffed', async () => {
    const file = await writeDashboardPage(join(directory, 'served'));
    process.env.DASHBOARD_PAGE = file;
    process.env.CITY_TIMEZONE = 'Europe/Paris';
    const { handler } = await import('#functions/dashboard/handler');
    const answer = await handler();
    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
    });
    expect(answer.body).toContain('<meta name="cityhub-timezone" content="Europe/Paris" />');
    expect(answer.body).not.toContain(TIME_ZONE_PLACEHOLDER);
    // The page's own policy, as a header too, and no framing.
    const policy = answer.headers?.['content-security-policy'];
    expect(policy).toMatch(
      /^default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; connect-src 'self';/,
    );
    expect(policy).toMatch(/; frame-ancestors 'none'$/);
    expect(answer.body).toContain(`content="${String(policy).replace("; frame-ancestors 'none'", '')}"`);
  });

  it.each([
    ['gzip, deflate, br', true],
    ['br;q=1.0, gzip;q=0.8', true],
    ['*', true],
    ['gzip;q=0', false],
    ['identity', false],
    [undefined, false],
  ])('answers Accept-Encoding %j compressed: %s', async (acceptEncoding, compressed) => {
    const { handler } = await import('#functions/dashboard/handler');
    const plain = await handler();
    const answer = await handler({
      headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
    });
    expect(answer.headers?.vary).toBe('accept-encoding');
    if (!compressed) {
      expect(answer).toEqual(plain);
      return;
    }
    expect(answer.headers?.['content-encoding']).toBe('gzip');
    expect(answer.isBase64Encoded).toBe(true);
    expect(gunzipSync(Buffer.from(String(answer.body), 'base64')).toString('utf8')).toBe(plain.body);
  });

  it('leaves the sign-in settings empty and requests to the hub alone without a provider', async () => {
    const served = readDashboardPage(await writeDashboardPage(join(directory, 'token')), 'Asia/Shanghai');
    expect(served).toContain('<meta name="cityhub-sign-in-issuer" content="" />');
    expect(served).toContain('<meta name="cityhub-sign-in-client-id" content="" />');
    expect(served).not.toMatch(/%SIGN_IN_[A-Z_]+%/);
    expect(dashboardResponse(served).headers?.['content-security-policy']).toContain("connect-src 'self';");
  });

  it("fills in the provider, escaped, and lets the page reach the issuer's and the token endpoint's origins only", async () => {
    const file = await writeDashboardPage(join(directory, 'sign-in'));
    const served = readDashboardPage(file, 'Asia/Shanghai', {
      issuer: 'https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_Ab"c<d>',
      clientId: 'web&client',
      scopes: 'openid email profile',
      tokenEndpoint: 'https://cityhub-prod-1.auth.cn-north-1.amazoncognito.com/oauth2/token',
    });
    expect(served).toContain(
      '<meta name="cityhub-sign-in-issuer" content="https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_Ab&#34;c&#60;d&#62;" />',
    );
    expect(served).toContain('<meta name="cityhub-sign-in-client-id" content="web&#38;client" />');
    expect(served).toContain('<meta name="cityhub-sign-in-scopes" content="openid email profile" />');
    const policy = String(dashboardResponse(served).headers?.['content-security-policy']);
    expect(policy).toContain(
      "; connect-src 'self' https://cognito-idp.cn-north-1.amazonaws.com.cn https://cityhub-prod-1.auth.cn-north-1.amazoncognito.com;",
    );
    expect(policy).toContain("form-action 'none'");
    // Only connect-src widens: the policy declared in the page and the header still agree.
    expect(served).toContain(`content="${policy.replace("; frame-ancestors 'none'", '')}"`);
  });

  it.each([
    ['javascript:alert(1)', 'SIGN_IN_ISSUER'],
    ["https://login.example.gov.cn; script-src 'unsafe-inline'", 'SIGN_IN_ISSUER'],
  ])('refuses the issuer %j, naming the setting', async (issuer, setting) => {
    const file = await writeDashboardPage(join(directory, 'refused'));
    const read = () =>
      readDashboardPage(file, 'Asia/Shanghai', { issuer, clientId: 'web', scopes: 'openid' });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(new RegExp(`${setting}=.* is not an http\\(s\\) URL`));
  });

  it('fails, saying how to build the page, when it is missing or not a built page', () => {
    const missing = () => readDashboardPage(join(directory, 'missing.html'), 'Asia/Shanghai');
    expect(missing).toThrow(ConfigError);
    expect(missing).toThrow(
      /missing\.html cannot be read .*build it with: node --import tsx infra\/dashboard\/build\.ts/,
    );
    const notBuilt = join(directory, 'other.html');
    writeFileSync(notBuilt, '<!doctype html><title>other</title>');
    expect(() => readDashboardPage(notBuilt, 'Asia/Shanghai')).toThrow(/not a built dashboard page/);
  });
});
