import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate } from '#shared/domain/time';
import { type HubProcess, startHubProcess, stopHubProcess } from '../support/hub-process.ts';

/**
 * The dashboard end to end: a hub started as `npm start` starts it, with the demo city; once the API
 * answers both days for every district, headless Chromium opens `GET /`, signs in with the analyst
 * token and must show the API's numbers, draw the trend charts and the map of the day (WebGL, which
 * headless Chromium renders in software), and download the CSV the API answers. The screenshots go to
 * test-artifacts/dashboard.png and map.png (and docs/ with UPDATE_SCREENSHOT=1).
 */
/** The browser: Debian's `chromium` package, or `CITYHUB_CHROMIUM`. `.ci/run` installs it and requires it. */
const CHROMIUM = process.env.CITYHUB_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CITYHUB_REQUIRE_CHROMIUM)
  throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CITYHUB_CHROMIUM`);
if (!haveChromium)
  console.warn(
    `skipping the dashboard's browser test: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CITYHUB_CHROMIUM)`,
  );
const root = new URL('../..', import.meta.url).pathname;
const DATA_WAIT_MS = 100_000;

const hourIn = (timeZone: string) =>
  Number(
    new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' }).format(new Date()),
  );

/**
 * The default city time zone, unless it is about midnight there: then "today" has hardly any demo data
 * yet (or changes during the test), so the hub runs in a zone where it is about noon.
 */
const chooseTimeZone = (): string => {
  const hour = hourIn('Asia/Shanghai');
  if (hour >= 4 && hour < 23) return 'Asia/Shanghai';
  const east = 12 - new Date().getUTCHours();
  return east === 0 ? 'Etc/UTC' : `Etc/GMT${east > 0 ? '-' : '+'}${Math.abs(east)}`;
};

/** The few browser objects the page functions below use (this program has no DOM types). */
interface BrowserGlobals {
  sessionStorage: { getItem(key: string): string | null };
}
interface CanvasLike {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/** A 2D canvas the WebGL canvas is copied onto to read its pixels. */
interface CopyCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    drawImage(image: unknown, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  } | null;
}

interface Item {
  date: string;
  area: string;
  indicators: Record<string, number | null>;
}

const timeZone = chooseTimeZone();
let hub: HubProcess;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
let today: string;
let yesterday: string;
let districts: string[];

const api = async (path: string): Promise<Response> => {
  const response = await fetch(`${hub.state.url}${path}`, {
    headers: { authorization: `Bearer ${hub.state.analystToken}` },
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return response;
};
const readDays = async (): Promise<Item[]> =>
  ((await (await api(`/indicators?from=${yesterday}&to=${today}`)).json()) as { items: Item[] }).items;

/**
 * Waits until the hub says the demo city is loaded (its queues drained), both days have items for every
 * registered district, and they stop changing.
 */
const waitForDemo = async (): Promise<Item[]> => {
  const deadline = Date.now() + DATA_WAIT_MS;
  let previous = '';
  for (;;) {
    const areas = ((await (await api('/areas')).json()) as { items: { area: string; level: string }[] })
      .items;
    districts = areas.filter((area) => area.level === 'district').map((area) => area.area);
    const items = districts.length > 0 ? await readDays() : [];
    const complete = districts.every((district) =>
      [yesterday, today].every((date) => items.some((item) => item.area === district && item.date === date)),
    );
    const current = JSON.stringify(items);
    const loaded = hub.output().includes('demo city loaded');
    if (loaded && complete && districts.length > 0 && current === previous) return items;
    previous = complete ? current : '';
    if (Date.now() > deadline) {
      throw new Error(
        `the demo did not give indicators of ${yesterday} and ${today} for every district within ${DATA_WAIT_MS / 1000} s (districts: ${districts.join(', ') || 'none'}); hub output:\n${hub.output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
};

beforeAll(async () => {
  if (!haveChromium) return;
  hub = await startHubProcess([], { CITYHUB_TIMEZONE: timeZone });
  today = localDate(Date.now(), timeZone);
  yesterday = addDays(today, -1);
  await waitForDemo();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopHubProcess(hub);
}, 20_000);

const cellText = (area: string, date: string, indicator: string) =>
  page
    .locator(`#district-table td[data-area="${area}"][data-date="${date}"][data-indicator="${indicator}"]`)
    .textContent();

describe.skipIf(!haveChromium)('the dashboard in headless Chromium', () => {
  it('refuses a wrong token and keeps the form', async () => {
    await page.goto(`${hub.state.url}/`);
    await page.fill('#token', 'not-the-analyst-token');
    await page.click('#sign-in-form button[type="submit"]');
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toContain('unknown bearer token');
    expect(await page.locator('#sign-in').isVisible()).toBe(true);
    const stored = await page.evaluate(() =>
      (globalThis as unknown as BrowserGlobals).sessionStorage.getItem('cityhub.analystToken'),
    );
    expect(stored).toBeNull();
    // The browser logs the refused calls; nothing else may be logged as an error from here on.
    expect(pageErrors.every((error) => error.includes('status of 401'))).toBe(true);
    pageErrors.length = 0;
  });

  it("shows today's and yesterday's indicators for every demo district, as the API answers them", async () => {
    await page.fill('#token', hub.state.analystToken);
    await page.click('#sign-in-form button[type="submit"]');
    await page.waitForSelector('#district-table td[data-indicator]', { timeout: 20_000 });
    expect(await page.locator('#status').textContent()).toMatch(/^Updated /);

    const items = await readDays();
    const apiValue = (area: string, date: string, name: string) =>
      items.find((item) => item.area === area && item.date === date)?.indicators[name];
    for (const district of districts) {
      const header = page.locator(`#district-table th.area[data-area="${district}"]`);
      expect(await header.textContent(), `column of ${district}`).toContain(
        district.slice('district:'.length),
      );
      for (const date of [today, yesterday]) {
        const received = apiValue(district, date, 'ticketsReceived');
        expect(received, `ticketsReceived of ${district} on ${date}`).toBeGreaterThan(0);
        expect(await cellText(district, date, 'ticketsReceived')).toBe(received?.toLocaleString('en-US'));
        const rate = apiValue(district, date, 'ticketClosureRate');
        expect(await cellText(district, date, 'ticketClosureRate')).toBe(
          rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`,
        );
      }
    }
    const row = page.locator('#district-table tr[data-indicator="ticketClosureRate"] th');
    expect(await row.textContent()).toBe('办结率 / ticketClosureRate');
  });

  it('keeps the token for the session: a reload opens the dashboard without asking again', async () => {
    await page.reload();
    await page.waitForSelector('#district-table td[data-indicator]', { timeout: 20_000 });
    expect(await page.locator('#sign-in').isVisible()).toBe(false);
  });

  it('draws a trend chart per indicator with its series', async () => {
    const names = await page
      .locator('#charts figure')
      .evaluateAll((figures) => figures.map((figure) => figure.getAttribute('data-indicator')));
    expect(names).toHaveLength(20);
    // Pixels of a coloured series line (axes, grid and labels are grey or black).
    const coloured = await page
      .locator('#charts figure[data-indicator="ticketsReceived"] canvas')
      .evaluate((node) => {
        const canvas = node as unknown as CanvasLike;
        const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
        let count = 0;
        for (let index = 0; index < pixels.length; index += 4) {
          const [r = 0, g = 0, b = 0, a = 0] = [
            pixels[index],
            pixels[index + 1],
            pixels[index + 2],
            pixels[index + 3],
          ];
          if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 80) count += 1;
        }
        return count;
      });
    expect(coloured).toBeGreaterThan(30);
  });

  it('compares the districts and shows how fresh each feed is', async () => {
    const bars = page.locator('#comparison li');
    expect(await bars.count()).toBe(districts.length);
    const feeds = (
      (await (await api('/feeds')).json()) as { items: { source: string; lastAcceptedAt: string | null }[] }
    ).items;
    expect(feeds.find((feed) => feed.source === 'hotline')?.lastAcceptedAt).not.toBeNull();
    for (const feed of feeds) {
      const shown = page.locator(`#feed-list li[data-source="${feed.source}"]`);
      expect(await shown.getAttribute('class')).toContain(feed.lastAcceptedAt === null ? 'never' : 'fresh');
      if (feed.lastAcceptedAt) expect(await shown.locator('.age').textContent()).toMatch(/ago$/);
    }
  });

  it("draws the map of the day's roads, areas and points, and of another day picked", async () => {
    const map = page.locator('#map');
    await page.waitForSelector(`#map[data-state="ready"][data-date="${today}"]`, { timeout: 30_000 });
    const roads = (await (await api(`/map/roads?date=${today}`)).json()) as { features: unknown[] };
    expect(await page.locator('#map-status').textContent()).toContain(
      `道路 Roads ${roads.features.length} (`,
    );
    // What MapLibre drew, counted by the page from its rendered features.
    expect(Number(await map.getAttribute('data-rendered-roads'))).toBeGreaterThan(0);
    expect(Number(await map.getAttribute('data-rendered-areas'))).toBeGreaterThan(0);
    expect(Number(await map.getAttribute('data-rendered-events'))).toBeGreaterThan(0);
    // And the WebGL canvas holds coloured pixels (roads red to green, areas blue).
    const coloured = await page.locator('#map canvas.maplibregl-canvas').evaluate((node) => {
      const source = node as unknown as CanvasLike & {
        ownerDocument: { createElement(tag: 'canvas'): CopyCanvas };
      };
      const copy = source.ownerDocument.createElement('canvas');
      copy.width = source.width;
      copy.height = source.height;
      const context = copy.getContext('2d');
      context?.drawImage(source, 0, 0);
      const pixels = context?.getImageData(0, 0, copy.width, copy.height).data ?? [];
      let count = 0;
      for (let index = 0; index < pixels.length; index += 4) {
        const [r = 0, g = 0, b = 0] = [pixels[index], pixels[index + 1], pixels[index + 2]];
        if (Math.max(r, g, b) - Math.min(r, g, b) > 80) count += 1;
      }
      return count;
    });
    expect(coloured).toBeGreaterThan(1000);

    await page.selectOption('#map-indicator', 'ticketsReceived');
    await page.fill('#map-day', yesterday);
    await page.waitForSelector(`#map[data-state="ready"][data-date="${yesterday}"]`, { timeout: 30_000 });
    const areas = (await (
      await api(`/map/areas?date=${yesterday}&indicator=ticketsReceived&level=district`)
    ).json()) as { features: { properties: { value: number | null } }[] };
    const values = areas.features.map((feature) => feature.properties.value ?? 0);
    expect(values.length).toBe(districts.length);
    expect(await page.locator('#map-legend-high').textContent()).toBe(
      Math.max(...values).toLocaleString('en-US'),
    );
    expect(await page.locator('#map-legend-title').textContent()).toContain('ticketsReceived');
    expect(Number(await map.getAttribute('data-rendered-areas'))).toBeGreaterThan(0);

    await page.locator('#map-day').blur();
    const artifact = join(root, 'test-artifacts', 'map.png');
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.locator('#map-card').screenshot({ path: artifact });
    if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(artifact, join(root, 'docs', 'map.png'));
  });

  it('downloads the 30 days as the CSV the API answers, and saves a screenshot', async () => {
    const from = addDays(today, -29);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe(`cityhub-indicators-${from}-to-${today}.csv`);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    expect(csv).toBe(await (await api(`/indicators?from=${from}&to=${today}&format=csv&limit=1000`)).text());
    for (const district of districts) expect(csv).toContain(`\r\n${today},${district},`);

    const artifact = join(root, 'test-artifacts', 'dashboard.png');
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: artifact, fullPage: true });
    if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(artifact, join(root, 'docs', 'dashboard.png'));
    expect(pageErrors).toEqual([]);
  });
});
