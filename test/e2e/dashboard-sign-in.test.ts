import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAreas, demoCases, demoTickets } from '#infra/local/demo';
import { freePort } from '#infra/local/servers';
import { addDays, localDate } from '#shared/domain/time';
import { type HubProcess, sendSigned, startHubProcess, stopHubProcess } from '../support/hub-process.ts';
import { startTestProvider, TEST_AUDIENCE, type TestProvider } from '../support/oidc-provider.ts';

/**
 * The dashboard's sign-in end to end: a hub in OIDC mode against a real OpenID provider on this
 * machine, with the dashboard's public client. Headless Chromium opens the page, clicks Sign in, logs in
 * on the provider's form, comes back with a code the page trades (PKCE) for an access token, and must
 * show the indicators of two days of demo tickets and cases the test sends. A refused or expired token
 * takes the page through the provider again. The screenshot goes to test-artifacts/sign-in.png (and
 * docs/ with UPDATE_SCREENSHOT=1).
 */
/** The browser: Debian's `chromium` package, or `CITYHUB_CHROMIUM`. `.ci/run` installs it and requires it. */
const CHROMIUM = process.env.CITYHUB_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CITYHUB_REQUIRE_CHROMIUM)
  throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CITYHUB_CHROMIUM`);
const root = new URL('../..', import.meta.url).pathname;
const TIME_ZONE = 'Asia/Shanghai';
const DASHBOARD_CLIENT = 'cityhub-dashboard';
/** People of the provider: an analyst, and someone in no cityhub group. */
const ANALYST = 'li.na';
const OUTSIDER = 'wang.wei';

interface Item {
  date: string;
  area: string;
  indicators: Record<string, number | null>;
}

let provider: TestProvider;
let hub: HubProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Every URL the signed-in tab asked for, with the bearer token it sent, if any. */
const requests: { url: string; token: string | undefined }[] = [];
const today = localDate(Date.now(), TIME_ZONE);
const yesterday = addDays(today, -1);

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${hub.state.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${hub.state.adminToken}`, 'content-type': 'application/json' },
  });

const readDays = async (): Promise<Item[]> =>
  ((await (await admin(`/indicators?from=${yesterday}&to=${today}`)).json()) as { items: Item[] }).items;

/** Two days of the demo city's tickets and cases, sent signed as the subsystems send them. */
const seed = async () => {
  expect((await admin('/reference/areas', { method: 'PUT', body: JSON.stringify(demoAreas()) })).status).toBe(
    200,
  );
  const now = Date.now();
  for (const [path, records] of [
    ['/ingest/hotline', [yesterday, today].flatMap((date) => demoTickets(date, TIME_ZONE, now, 60))],
    ['/ingest/city-platform', [yesterday, today].flatMap((date) => demoCases(date, TIME_ZONE, now, 24))],
  ] as const) {
    const answer = await sendSigned(hub.state, path, JSON.stringify({ records }));
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  }
  // The indicators are ready when yesterday is there for the city and two reads agree (today may have
  // no records yet: just after midnight city time it has none).
  let previous = '';
  const deadline = Date.now() + 60_000;
  for (;;) {
    const items = await readDays();
    const current = JSON.stringify(items);
    const ready = items.some((item) => item.area === 'city' && item.date === yesterday);
    if (ready && current === previous) return;
    previous = current;
    if (Date.now() > deadline) throw new Error(`no indicators of ${yesterday}: ${current}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
};

beforeAll(async () => {
  if (!haveChromium) return;
  // The provider must know the page's address before the hub starts, so the hub gets a port chosen here.
  const port = await freePort();
  provider = await startTestProvider([], {
    id: DASHBOARD_CLIENT,
    redirectUri: `http://127.0.0.1:${port}/`,
    users: { [ANALYST]: ['analyst'], [OUTSIDER]: [] },
  });
  hub = await startHubProcess(['--no-demo', '--port', String(port)], {
    CITYHUB_TIMEZONE: TIME_ZONE,
    CITYHUB_OIDC_ISSUER: provider.issuer,
    CITYHUB_OIDC_AUDIENCE: TEST_AUDIENCE,
    CITYHUB_OIDC_DASHBOARD_CLIENT_ID: DASHBOARD_CLIENT,
  });
  await seed();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  page.on('request', (request) => {
    const token = /^Bearer (.*)$/.exec(request.headers().authorization ?? '')?.[1];
    requests.push({ url: request.url(), token });
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopHubProcess(hub);
  await provider?.stop();
}, 20_000);

/** Logs in on the provider's form and agrees to its consent page when it shows one. */
const logIn = async (tab: Page, login: string) => {
  await tab.waitForURL(`${provider.issuer}/**`);
  await tab.fill('input[name="login"]', login);
  await tab.fill('input[name="password"]', 'any password');
  await tab.click('button[type="submit"]');
  // The provider asks once for consent to the client (a later sign-in of the same person skips it).
  const consent = tab.locator('input[name="prompt"][value="consent"]');
  const asked = await Promise.race([
    // The waiter that loses the race settles later (or times out): neither may reject unhandled.
    consent.waitFor({ state: 'attached' }).then(
      () => true,
      () => false,
    ),
    tab.waitForURL(`${hub.state.url}/`).then(
      () => false,
      () => false,
    ),
  ]);
  if (asked) await tab.click('button[type="submit"]');
  await tab.waitForURL(`${hub.state.url}/`);
};

const storedToken = (tab: Page) =>
  tab.evaluate(() =>
    (
      globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }
    ).sessionStorage.getItem('cityhub.analystToken'),
  );

const claimsOf = (token: string | null) =>
  JSON.parse(Buffer.from(String(token).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;

/** Puts values in the tab's session storage (the way a tab left open for hours would hold them). */
const store = (tab: Page, values: Record<string, string>) =>
  tab.evaluate((entries) => {
    const storage = (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } })
      .sessionStorage;
    for (const [key, value] of Object.entries(entries)) storage.setItem(key, value);
  }, values);

const authorizationRequests = () =>
  requests.filter((request) => request.url.startsWith(`${provider.issuer}/auth?`));

describe.skipIf(!haveChromium)('dashboard sign-in with the authorization code and PKCE', () => {
  it('serves the sign-in settings, and lets the page reach only the hub and the provider', async () => {
    const response = await fetch(`${hub.state.url}/`);
    const html = await response.text();
    expect(html).toContain(`<meta name="cityhub-sign-in-issuer" content="${provider.issuer}" />`);
    expect(html).toContain(`<meta name="cityhub-sign-in-client-id" content="${DASHBOARD_CLIENT}" />`);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain(`connect-src 'self' ${provider.issuer};`);
    expect(policy).toContain("form-action 'none'");
  });

  it('offers Sign in instead of the token box, and comes back signed in with the indicators', async () => {
    await page.goto(`${hub.state.url}/`);
    await page.waitForSelector('#sign-in-button');
    expect(await page.locator('#sign-in-token').isVisible()).toBe(false);
    await page.click('#sign-in-button');
    await logIn(page, ANALYST);
    await page.waitForSelector('#district-table td[data-indicator]', { timeout: 30_000 });
    expect(await page.locator('#status').textContent()).toMatch(/^Updated /);
    expect(await page.locator('#who').textContent()).toContain(ANALYST);
    // The code and state left the address bar.
    expect(page.url()).toBe(`${hub.state.url}/`);

    const [authorization] = authorizationRequests();
    const asked = new URL(String(authorization?.url)).searchParams;
    expect(asked.get('response_type')).toBe('code');
    expect(asked.get('client_id')).toBe(DASHBOARD_CLIENT);
    expect(asked.get('redirect_uri')).toBe(`${hub.state.url}/`);
    expect(asked.get('code_challenge_method')).toBe('S256');
    expect(asked.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(asked.get('state')).toBeTruthy();

    const token = await storedToken(page);
    expect(claimsOf(token)).toMatchObject({ iss: provider.issuer, aud: TEST_AUDIENCE, sub: ANALYST });
    expect(
      requests.some((request) => request.url.startsWith(`${hub.state.url}/areas`) && request.token === token),
    ).toBe(true);

    const city = (await readDays()).find((item) => item.area === 'city' && item.date === yesterday);
    const received = city?.indicators.ticketsReceived;
    expect(received).toBeGreaterThan(0);
    const cell = page.locator(
      `#district-table td[data-area="city"][data-date="${yesterday}"][data-indicator="ticketsReceived"]`,
    );
    expect(await cell.textContent()).toBe(received?.toLocaleString('en-US'));

    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    const artifact = join(root, 'test-artifacts', 'sign-in.png');
    await page.screenshot({ path: artifact });
    if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(artifact, join(root, 'docs', 'sign-in.png'));
  });

  it('signs in again when the hub refuses the token, and the provider still knows the browser', async () => {
    const before = authorizationRequests().length;
    await store(page, { 'cityhub.analystToken': 'not-an-access-token', 'cityhub.signedInAt': '0' });
    await page.reload();
    await page.waitForURL(`${hub.state.url}/`);
    await page.waitForSelector('#district-table td[data-indicator]', { timeout: 30_000 });
    expect(authorizationRequests().length).toBe(before + 1);
    const token = await storedToken(page);
    expect(claimsOf(token)).toMatchObject({ sub: ANALYST });
  });

  it('signs in again when the token has expired, without sending it', async () => {
    const before = authorizationRequests().length;
    const old = await storedToken(page);
    await store(page, { 'cityhub.tokenExpiresAt': String(Date.now() - 1000), 'cityhub.signedInAt': '0' });
    const from = requests.length;
    await page.reload();
    await expect.poll(() => authorizationRequests().length, { timeout: 20_000 }).toBe(before + 1);
    await page.waitForSelector('#district-table td[data-indicator]', { timeout: 30_000 });
    const token = await storedToken(page);
    expect(token).not.toBe(old);
    expect(requests.slice(from).filter((request) => request.token === old)).toEqual([]);
  });

  it('tells someone outside the analyst group why the hub refuses, instead of signing in again and again', async () => {
    const other = await browser.newPage();
    await other.goto(`${hub.state.url}/`);
    await other.click('#sign-in-button');
    await logIn(other, OUTSIDER);
    await expect
      .poll(() => other.locator('#status').textContent(), { timeout: 20_000 })
      .toMatch(/analyst group/);
    expect(other.url()).toBe(`${hub.state.url}/`);
    await other.close();
  });

  it.each([
    [
      'turned down by the provider',
      'error=access_denied&error_description=cancelled',
      /access_denied: cancelled/,
    ],
    ['with another state', 'code=some-code&state=forged', /state/],
  ])('says why a sign-in that comes back %s is not taken', async (_case, answer, reason) => {
    const other = await browser.newPage();
    const asked: string[] = [];
    other.on('request', (request) => asked.push(request.url()));
    await other.goto(`${hub.state.url}/`);
    await other.click('#sign-in-button');
    await other.waitForURL(`${provider.issuer}/**`);
    const state = new URL(
      asked.find((url) => url.startsWith(`${provider.issuer}/auth?`)) ?? '',
    ).searchParams.get('state');
    const query = answer.includes('state=') ? answer : `${answer}&state=${state}`;
    await other.goto(`${hub.state.url}/?${query}&iss=${encodeURIComponent(provider.issuer)}`);
    await expect
      .poll(() => other.locator('#sign-in-error').textContent(), { timeout: 10_000 })
      .toMatch(reason);
    expect(await other.locator('#sign-in-button').isVisible()).toBe(true);
    expect(await storedToken(other)).toBeNull();
    expect(other.url()).toBe(`${hub.state.url}/`);
    await other.close();
  });
});
