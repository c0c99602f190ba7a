/**
 * The analyst dashboard in the browser: asks for the analyst token once (kept in sessionStorage), then
 * reads `GET /indicators`, `GET /areas` and `GET /feeds` with it and draws the page, and the map of a
 * day from `GET /map/*` (infra/dashboard/page/map.ts). Bundled with uPlot and MapLibre GL JS into the
 * page by infra/dashboard/build.ts; nothing is fetched from anywhere but the hub.
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import uPlot from 'uplot';
import { loadMap, removeMap } from '#infra/dashboard/page/map';
import {
  type AreaColumn,
  type AreaJson,
  areaColumns,
  type FeedJson,
  feedLabels,
  feedState,
  formatAge,
  formatValue,
  type IndicatorItemJson,
  indexValues,
  indicatorGroups,
  joinCsvPages,
  rankDistricts,
  trendData,
  type Unit,
  unitLabel,
  type ValueIndex,
  valueAt,
} from '#infra/dashboard/page/view';
import { type IndicatorInfo, indicatorCatalogue } from '#shared/domain/indicators/catalogue';
import { addDays, dateRange, localDate } from '#shared/domain/time';

const TOKEN_KEY = 'cityhub.analystToken';
/** Days of the trend charts and of the CSV download, today included. */
const TREND_DAYS = 30;
const REFRESH_MS = 60_000;
const CHART_HEIGHT = 190;
const CITY_COLOR = '#1f2937';
const DISTRICT_COLORS = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#65a30d',
  '#9333ea',
  '#ea580c',
];

const timeZone =
  document.querySelector<HTMLMetaElement>('meta[name="cityhub-timezone"]')?.content || 'Asia/Shanghai';
const infoOf = new Map<string, IndicatorInfo>(indicatorCatalogue.map((info) => [info.name, info]));

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
};

/** Creates an element with a class and text. */
const make = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] => {
  const created = document.createElement(tag);
  if (className) created.className = className;
  if (text !== undefined) created.textContent = text;
  return created;
};

/** "受理量 / ticketsReceived" as two spans, Chinese first. */
const bilingual = (chinese: string, english: string): HTMLSpanElement => {
  const label = make('span', 'bilingual');
  label.append(make('span', 'zh', chinese), make('span', 'sep', ' / '), make('span', 'en', english));
  return label;
};

const areaLabel = (column: AreaColumn): HTMLSpanElement => {
  const label = make('span', 'area-label');
  label.append(make('span', 'zh', column.name));
  if (column.code !== column.name) label.append(make('span', 'en', column.code));
  return label;
};

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Calls an analyst route with the stored token; a non-2xx answer becomes an ApiError with the hub's message. */
const api = async (path: string): Promise<Response> => {
  const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  let response: Response;
  try {
    response = await fetch(path, { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, `the hub did not answer (${(error as Error).message})`);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = ((await response.json()) as { error?: string }).error ?? message;
    } catch {
      // Not JSON: keep the status line.
    }
    // Locally every analyst route takes the token; a 403 comes from an API that wants IAM (SigV4) instead.
    const hint =
      response.status === 403
        ? ' (a deployed hub authorizes analysts with IAM SigV4, which this page does not sign)'
        : '';
    throw new ApiError(response.status, `${path.split('?')[0]}: ${message}${hint}`);
  }
  return response;
};

/** Every item of a range (city and districts), following `nextToken`. */
const fetchIndicators = async (from: string, to: string): Promise<IndicatorItemJson[]> => {
  const items: IndicatorItemJson[] = [];
  let nextToken: string | undefined;
  do {
    const query = new URLSearchParams({ from, to, limit: '1000', ...(nextToken ? { nextToken } : {}) });
    const page = (await (await api(`indicators?${query}`)).json()) as {
      items: IndicatorItemJson[];
      nextToken?: string;
    };
    items.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return items;
};

/** What one refresh read. */
interface Snapshot {
  readonly today: string;
  readonly yesterday: string;
  readonly dates: string[];
  readonly columns: AreaColumn[];
  readonly values: ValueIndex;
  readonly feeds: FeedJson[];
  readonly readAt: number;
}

let snapshot: Snapshot | undefined;
let charts: { chart: uPlot; holder: HTMLElement }[] = [];
let refreshTimer: number | undefined;
let refreshing = false;

const colorOf = (columns: readonly AreaColumn[], area: string): string => {
  const position = columns.findIndex((column) => column.area === area);
  return area === 'city'
    ? CITY_COLOR
    : (DISTRICT_COLORS[(position - 1) % DISTRICT_COLORS.length] ?? CITY_COLOR);
};

const setStatus = (text: string, kind: 'info' | 'error' = 'info') => {
  const status = element('status');
  status.textContent = text;
  status.className = kind;
};

const cityDateTime = (iso: string): string =>
  new Date(iso).toLocaleString('sv-SE', { timeZone, hour12: false }).slice(0, 16);

const renderFeeds = (feeds: readonly FeedJson[]) => {
  const list = element('feed-list');
  list.replaceChildren(
    ...feeds.map((feed) => {
      const item = make('li', `feed ${feedState(feed)}`);
      item.dataset.source = feed.source;
      const age = make('span', 'age', formatAge(feed.ageSeconds));
      const at = make('span', 'at', feed.lastAcceptedAt ? cityDateTime(feed.lastAcceptedAt) : '');
      if (feed.lastAcceptedAt) at.title = feed.lastAcceptedAt;
      item.append(
        make('span', 'dot'),
        make('span', 'feed-name', feedLabels[feed.source] ?? feed.source),
        age,
        at,
      );
      return item;
    }),
  );
};

const renderTable = ({ today, yesterday, columns, values }: Snapshot) => {
  const table = element<HTMLTableElement>('district-table');
  const head = make('thead');
  const areaRow = make('tr');
  const dayRow = make('tr');
  const corner = make('th', 'corner');
  corner.rowSpan = 2;
  corner.append(bilingual('指标', 'indicator'));
  areaRow.append(corner);
  for (const column of columns) {
    const cell = make('th', column.area === 'city' ? 'area city' : 'area');
    cell.colSpan = 2;
    cell.dataset.area = column.area;
    cell.append(areaLabel(column));
    areaRow.append(cell);
    dayRow.append(
      make('th', 'day today', `今日 ${today.slice(5)}`),
      make('th', 'day yesterday', `昨日 ${yesterday.slice(5)}`),
    );
  }
  head.append(areaRow, dayRow);

  const body = make('tbody');
  for (const group of indicatorGroups) {
    const groupRow = make('tr', 'group');
    const groupCell = make('th', undefined, group.title);
    groupCell.colSpan = 1 + 2 * columns.length;
    groupCell.scope = 'rowgroup';
    groupRow.append(groupCell);
    body.append(groupRow);
    for (const name of group.names) {
      const info = infoOf.get(name);
      if (!info) continue;
      const row = make('tr');
      row.dataset.indicator = name;
      const header = make('th');
      header.scope = 'row';
      header.title = `${info.description} (${unitLabel(info.unit)})`;
      header.append(bilingual(info.chineseName, info.name));
      row.append(header);
      for (const column of columns) {
        for (const date of [today, yesterday]) {
          const value = valueAt(values, date, column.area, name);
          const cell = make(
            'td',
            date === today ? 'num today' : 'num yesterday',
            formatValue(value, info.unit),
          );
          cell.dataset.area = column.area;
          cell.dataset.date = date;
          cell.dataset.indicator = name;
          if (value === undefined) cell.classList.add('missing');
          row.append(cell);
        }
      }
      body.append(row);
    }
  }
  table.replaceChildren(head, body);
};

const fillIndicatorSelect = (id = 'compare-indicator', chosen = 'ticketClosureRate') => {
  const select = element<HTMLSelectElement>(id);
  if (select.options.length > 0) return;
  for (const group of indicatorGroups) {
    const optgroup = make('optgroup');
    optgroup.label = group.title;
    for (const name of group.names) {
      const info = infoOf.get(name);
      if (info) optgroup.append(new Option(`${info.chineseName} / ${info.name}`, name));
    }
    select.append(optgroup);
  }
  select.value = chosen;
};

/** Draws the map of the chosen day, indicator and level (the day defaults to today in the city). */
const showMap = async () => {
  fillIndicatorSelect('map-indicator', 'roadCleaningRate');
  const day = element<HTMLInputElement>('map-day');
  const today = localDate(Date.now(), timeZone);
  day.max = today;
  if (!day.value) day.value = today;
  const indicator = element<HTMLSelectElement>('map-indicator').value;
  const level = element<HTMLSelectElement>('map-level').value === 'street' ? 'street' : 'district';
  element('map-legend-title').textContent =
    `区域 Areas: ${infoOf.get(indicator)?.chineseName ?? ''} ${indicator}`;
  try {
    await loadMap(api, day.value, indicator, level, infoOf.get(indicator)?.unit ?? 'count');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn(`The hub refused the token: ${error.message}`);
    }
  }
};

const renderComparison = () => {
  if (!snapshot) return;
  const { columns, values, today, yesterday } = snapshot;
  const name = element<HTMLSelectElement>('compare-indicator').value;
  const date = element<HTMLSelectElement>('compare-day').value === 'yesterday' ? yesterday : today;
  const info = infoOf.get(name);
  if (!info) return;
  const ranked = rankDistricts(values, date, columns, name);
  const largest = Math.max(0, ...ranked.map(({ value }) => value ?? 0));
  const city = valueAt(values, date, 'city', name);
  element('compare-city').textContent = `全市 city ${date}: ${formatValue(city, info.unit)}`;
  const list = element('comparison');
  list.replaceChildren(
    ...ranked.map(({ column, value }, position) => {
      const row = make('li', 'bar-row');
      row.dataset.area = column.area;
      const track = make('span', 'bar-track');
      const bar = make('span', 'bar');
      bar.style.width = `${largest > 0 && value !== null ? (value / largest) * 100 : 0}%`;
      bar.style.backgroundColor = colorOf(columns, column.area);
      track.append(bar);
      row.append(
        make('span', 'rank', value === null ? '' : String(position + 1)),
        areaLabel(column),
        track,
        make('span', 'num', formatValue(value, info.unit)),
      );
      return row;
    }),
  );
};

const axisValues = (unit: Unit) => (_chart: uPlot, splits: number[]) =>
  splits.map((split) =>
    unit === 'fraction' ? `${split}%` : split >= 10_000 ? `${split / 1000}k` : String(split),
  );

const destroyCharts = () => {
  for (const { chart } of charts) chart.destroy();
  charts = [];
};

const renderCharts = ({ dates, columns, values }: Snapshot) => {
  destroyCharts();
  const container = element('charts');
  container.replaceChildren();
  const areas = columns.map((column) => column.area);
  for (const group of indicatorGroups) {
    for (const name of group.names) {
      const info = infoOf.get(name);
      if (!info) continue;
      const figure = make('figure', 'chart');
      figure.dataset.indicator = name;
      const caption = make('figcaption');
      caption.append(
        bilingual(info.chineseName, info.name),
        make('span', 'unit', ` (${unitLabel(info.unit)})`),
      );
      const holder = make('div', 'plot');
      figure.append(caption, holder);
      container.append(figure);
      const options: uPlot.Options = {
        width: Math.max(240, holder.clientWidth),
        height: CHART_HEIGHT,
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
        cursor: { sync: { key: 'trends' }, drag: { x: false, y: false } },
        legend: { live: true },
        scales: {
          x: { time: true },
          y: {
            range: (_chart, _min, max): uPlot.Range.MinMax =>
              info.unit === 'fraction' ? [0, 100] : [0, max !== null && max > 0 ? max * 1.1 : 1],
          },
        },
        axes: [
          {
            values: (_chart, splits) =>
              splits.map((split) => new Date(split * 1000).toISOString().slice(5, 10)),
          },
          { size: 56, values: axisValues(info.unit) },
        ],
        series: [
          {
            label: 'date',
            // Null while the cursor is off the chart.
            value: (_chart: uPlot, seconds: number | null) =>
              seconds === null ? '' : new Date(seconds * 1000).toISOString().slice(0, 10),
          },
          ...columns.map((column) => ({
            label: column.name,
            stroke: colorOf(columns, column.area),
            width: column.area === 'city' ? 2.5 : 1.5,
            points: { show: true, size: 5 },
            spanGaps: false,
            value: (_chart: uPlot, value: number | null) =>
              value === null
                ? '—'
                : info.unit === 'fraction'
                  ? `${value.toFixed(1)}%`
                  : formatValue(value, info.unit),
          })),
        ],
      };
      const chart = new uPlot(options, trendData(values, dates, areas, name, info.unit), holder);
      charts.push({ chart, holder });
    }
  }
};

const resizeCharts = () => {
  for (const { chart, holder } of charts) {
    const width = Math.max(240, holder.clientWidth);
    if (width !== chart.width) chart.setSize({ width, height: CHART_HEIGHT });
  }
};

const render = (shown: Snapshot) => {
  element('today').textContent = `${shown.today} (${timeZone})`;
  renderFeeds(shown.feeds);
  renderTable(shown);
  fillIndicatorSelect();
  renderComparison();
  renderCharts(shown);
  const missing = shown.columns.filter((column) => !shown.values.has(`${shown.today}|${column.area}`));
  const readAt = new Date(shown.readAt).toLocaleTimeString('sv-SE', { timeZone });
  setStatus(
    missing.length === 0
      ? `Updated ${readAt} (city time).`
      : `Updated ${readAt} (city time). No data yet today for: ${missing.map((column) => column.code).join(', ')}.`,
  );
};

const showSignIn = (message?: string) => {
  window.clearInterval(refreshTimer);
  refreshTimer = undefined;
  destroyCharts();
  removeMap();
  snapshot = undefined;
  element('dashboard').hidden = true;
  element('session').hidden = true;
  element('sign-in').hidden = false;
  const error = element('sign-in-error');
  error.textContent = message ?? '';
  error.hidden = !message;
  element<HTMLInputElement>('token').focus();
};

const refresh = async () => {
  if (refreshing) return;
  refreshing = true;
  element('dashboard').setAttribute('aria-busy', 'true');
  try {
    const now = Date.now();
    const today = localDate(now, timeZone);
    const from = addDays(today, -(TREND_DAYS - 1));
    const [items, areas, feeds] = await Promise.all([
      fetchIndicators(from, today),
      api('areas').then(async (response) => ((await response.json()) as { items: AreaJson[] }).items),
      api('feeds').then(async (response) => ((await response.json()) as { items: FeedJson[] }).items),
    ]);
    const read: Snapshot = {
      today,
      yesterday: addDays(today, -1),
      dates: dateRange(from, today),
      columns: areaColumns(areas, items),
      values: indexValues(items),
      feeds,
      readAt: now,
    };
    snapshot = read;
    render(read);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn(`The hub refused the token: ${error.message}`);
      return;
    }
    setStatus(`Could not refresh: ${(error as Error).message}`, 'error');
  } finally {
    refreshing = false;
    element('dashboard').removeAttribute('aria-busy');
  }
};

const showDashboard = async () => {
  element('sign-in').hidden = true;
  element('dashboard').hidden = false;
  element('session').hidden = false;
  setStatus('Loading…');
  void showMap();
  await refresh();
  window.clearInterval(refreshTimer);
  if (sessionStorage.getItem(TOKEN_KEY)) refreshTimer = window.setInterval(() => void refresh(), REFRESH_MS);
};

/** Downloads the trend range as CSV: every page of `format=csv`, joined, saved as a file. */
const downloadCsv = async () => {
  const button = element<HTMLButtonElement>('download');
  button.disabled = true;
  try {
    const to = localDate(Date.now(), timeZone);
    const from = addDays(to, -(TREND_DAYS - 1));
    const pages: string[] = [];
    let nextToken: string | null = null;
    do {
      const query = new URLSearchParams({
        from,
        to,
        format: 'csv',
        limit: '1000',
        ...(nextToken ? { nextToken } : {}),
      });
      const response = await api(`indicators?${query}`);
      pages.push(await response.text());
      nextToken = response.headers.get('x-next-token');
    } while (nextToken);
    const url = URL.createObjectURL(new Blob([joinCsvPages(pages)], { type: 'text/csv;charset=utf-8' }));
    const link = make('a');
    link.href = url;
    link.download = `cityhub-indicators-${from}-to-${to}.csv`;
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn(`The hub refused the token: ${error.message}`);
    } else setStatus(`Could not download the CSV: ${(error as Error).message}`, 'error');
  } finally {
    button.disabled = false;
  }
};

const start = () => {
  element<HTMLFormElement>('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = element<HTMLInputElement>('token').value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    element<HTMLInputElement>('token').value = '';
    void showDashboard();
  });
  element('refresh').addEventListener('click', () => void refresh());
  element('download').addEventListener('click', () => void downloadCsv());
  element('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn();
  });
  element('compare-indicator').addEventListener('change', renderComparison);
  element('compare-day').addEventListener('change', renderComparison);
  for (const id of ['map-day', 'map-indicator', 'map-level'])
    element(id).addEventListener('change', () => void showMap());
  let resizeTimer: number | undefined;
  window.addEventListener('resize', () => {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(resizeCharts, 150);
  });
  if (sessionStorage.getItem(TOKEN_KEY)) void showDashboard();
  else showSignIn();
};

start();
