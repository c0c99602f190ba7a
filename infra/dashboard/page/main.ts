/**
 * The analyst dashboard in the browser: signs the analyst in at the hub's OpenID provider when the
 * served page names one (infra/dashboard/page/sign-in.ts), else asks for the analyst token once (kept
 * in sessionStorage); then reads `GET /indicators`, `GET /areas` and `GET /feeds` with the token and
 * draws the page, the map of a day from `GET /map/*` (infra/dashboard/page/map.ts) and the
 * supervision panel from `GET /open-items` (infra/dashboard/page/supervision.ts). Bundled with
 * uPlot and MapLibre GL JS into the page by infra/dashboard/build.ts; nothing is fetched from anywhere
 * but the hub and, to sign in, the provider's discovery document and token endpoint.
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import uPlot from 'uplot';
import { element, make } from '#infra/dashboard/page/dom';
import { loadMap, removeMap } from '#infra/dashboard/page/map';
import {
  beginSignIn,
  finishSignIn,
  forgetToken,
  SignInError,
  signedInAs,
  signedInRecently,
  signInSettings,
  TOKEN_KEY,
  tokenExpired,
} from '#infra/dashboard/page/sign-in';
import { loadSupervision, startSupervision, stopSupervision } from '#infra/dashboard/page/supervision';
import { cityTime } from '#infra/dashboard/page/supervision-view';
import {
  type AreaColumn,
  type AreaJson,
  areaColumns,
  betterOf,
  DEFAULT_RANGE_DAYS,
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
  resolveRange,
  splitPartialDay,
  streetColumns,
  trendData,
  type Unit,
  unitLabel,
  type ValueIndex,
  valueAt,
} from '#infra/dashboard/page/view';
import { type IndicatorInfo, indicatorCatalogue } from '#shared/domain/indicators/catalogue';
import { addDays, dateRange, localDate } from '#shared/domain/time';

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
/** Where analysts sign in; none when the hub takes a pasted token (the local default). */
const signIn = signInSettings();
const infoOf = new Map<string, IndicatorInfo>(indicatorCatalogue.map((info) => [info.name, info]));

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

/**
 * Calls an analyst route with the stored token; a non-2xx answer becomes an ApiError with the hub's
 * message. A signed-in token past its expiry is not sent: it is a 401 here, which signs in again.
 */
const api = async (path: string): Promise<Response> => {
  if (signIn && tokenExpired()) throw new ApiError(401, 'the sign-in has expired');
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
    // A 403 is a valid token without the role: signing in again would give the same one.
    const hint =
      response.status === 403 && signIn ? ' (ask an admin to put your account in the analyst group)' : '';
    throw new ApiError(response.status, `${path.split('?')[0]}: ${message}${hint}`);
  }
  return response;
};

/** The `area` parameters of a query: none for the default (city and every district). */
const areaQuery = (areas: readonly string[]): [string, string][] => areas.map((area) => ['area', area]);

/** Every item of a range, following `nextToken`: of `areas`, or of the city and districts when none. */
const fetchIndicators = async (
  from: string,
  to: string,
  areas: readonly string[] = [],
): Promise<IndicatorItemJson[]> => {
  const items: IndicatorItemJson[] = [];
  let nextToken: string | undefined;
  do {
    const query = new URLSearchParams([
      ['from', from],
      ['to', to],
      ...areaQuery(areas),
      ['limit', '1000'],
      ...(nextToken ? [['nextToken', nextToken] as [string, string]] : []),
    ]);
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
  /** The range of the trends and the CSV download. */
  readonly from: string;
  readonly to: string;
  readonly dates: string[];
  /** `city` (the city and its districts) or the district key drilled into (it and its streets). */
  readonly scope: string;
  /** The area keys asked for: none for the default (city and districts). */
  readonly areaKeys: string[];
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
  // The first column is the whole (the city, or the district drilled into).
  return position <= 0
    ? CITY_COLOR
    : (DISTRICT_COLORS[(position - 1) % DISTRICT_COLORS.length] ?? CITY_COLOR);
};

const setStatus = (text: string, kind: 'info' | 'error' = 'info') => {
  const status = element('status');
  status.textContent = text;
  status.className = kind;
};

const renderFeeds = (feeds: readonly FeedJson[]) => {
  const list = element('feed-list');
  list.replaceChildren(
    ...feeds.map((feed) => {
      const item = make('li', `feed ${feedState(feed)}`);
      item.dataset.source = feed.source;
      const age = make('span', 'age', formatAge(feed.ageSeconds));
      const at = make('span', 'at', feed.lastAcceptedAt ? cityTime(feed.lastAcceptedAt, timeZone) : '');
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
    const cell = make('th', column === columns[0] ? 'area city' : 'area');
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
    if (error instanceof ApiError && error.status === 401) tokenRefused(error.message);
  }
};

const renderComparison = () => {
  if (!snapshot) return;
  const { columns, values, today, yesterday, scope } = snapshot;
  const name = element<HTMLSelectElement>('compare-indicator').value;
  const date = element<HTMLSelectElement>('compare-day').value === 'yesterday' ? yesterday : today;
  const info = infoOf.get(name);
  const whole = columns[0];
  if (!info || !whole) return;
  const ranked = rankDistricts(values, date, columns, name);
  const largest = Math.max(0, ...ranked.map(({ value }) => value ?? 0));
  const city = valueAt(values, date, whole.area, name);
  element('compare-city').textContent =
    `${whole.name} ${whole.code} ${date}: ${formatValue(city, info.unit)}`;
  const better = betterOf(name);
  const order = element('compare-order');
  order.textContent =
    better === 'lower'
      ? '越低越好 lower is better: lowest first'
      : '越高越好 higher is better: highest first';
  order.dataset.better = better;
  const list = element('comparison');
  list.dataset.better = better;
  list.replaceChildren(
    ...ranked.map(({ column, value }, position) => {
      const row = make('li', 'bar-row');
      row.dataset.area = column.area;
      row.dataset.value = value === null ? '' : String(value);
      // In the city view a district opens its streets.
      const label =
        scope === 'city' && column.area.startsWith('district:') ? drillButton(column) : areaLabel(column);
      const track = make('span', 'bar-track');
      const bar = make('span', 'bar');
      bar.style.width = `${largest > 0 && value !== null ? (value / largest) * 100 : 0}%`;
      bar.style.backgroundColor = colorOf(columns, column.area);
      track.append(bar);
      row.append(
        make('span', 'rank', value === null ? '' : String(position + 1)),
        label,
        track,
        make('span', 'num', formatValue(value, info.unit)),
      );
      return row;
    }),
  );
};

/** A district's name as a button that drills down into its streets. */
const drillButton = (column: AreaColumn): HTMLButtonElement => {
  const button = make('button', 'drill');
  button.type = 'button';
  button.dataset.area = column.area;
  button.title = `${column.name}: 街道 streets`;
  button.append(areaLabel(column), make('span', 'drill-mark', ' ›'));
  button.addEventListener('click', () => setScope(column.area));
  return button;
};

/** Shows a district and its streets (or, for `city`, the city and its districts). */
const setScope = (scope: string) => {
  element<HTMLSelectElement>('scope').value = scope;
  void refresh();
};

/** Fills the scope select with the city and each registered district. */
const fillScopeSelect = (areas: readonly AreaJson[]) => {
  const select = element<HTMLSelectElement>('scope');
  const chosen = select.value || 'city';
  const options = [
    new Option('全市 city · 各区 districts', 'city'),
    ...areas
      .filter((area) => area.level === 'district')
      .map((area) => new Option(`${area.name} ${area.code} · 街道 streets`, area.area)),
  ];
  select.replaceChildren(...options);
  select.value = options.some((option) => option.value === chosen) ? chosen : 'city';
};

const axisValues = (unit: Unit) => (_chart: uPlot, splits: number[]) =>
  splits.map((split) =>
    unit === 'fraction' ? `${split}%` : split >= 10_000 ? `${split / 1000}k` : String(split),
  );

const destroyCharts = () => {
  for (const { chart } of charts) chart.destroy();
  charts = [];
};

/** The dash of the "so far" segment and the shade of today's band on the trend charts. */
const PARTIAL_DASH = [5, 4];
const PARTIAL_BAND = 'rgba(245, 158, 11, 0.14)';
const PARTIAL_INK = '#b45309';

/**
 * Draws today's values apart: a shaded band labelled 今日 so far over today, and per series a dashed
 * segment from yesterday to a hollow point, so a day not over does not read as a drop.
 */
const drawPartial = (
  chart: uPlot,
  position: number,
  partial: readonly (number | null)[],
  colors: readonly string[],
  figure: HTMLElement,
) => {
  const xs = chart.data[0];
  const x = xs[position];
  if (x === undefined) return;
  const { ctx } = chart;
  const ratio = window.devicePixelRatio || 1;
  const left = chart.bbox.left;
  const top = chart.bbox.top;
  const right = left + chart.bbox.width;
  const bottom = top + chart.bbox.height;
  const here = chart.valToPos(x, 'x', true);
  const before = xs[position - 1];
  const there = before === undefined ? here : chart.valToPos(before, 'x', true);
  const bandFrom = Math.max(left, before === undefined ? here - 8 * ratio : (here + there) / 2);
  ctx.save();
  ctx.fillStyle = PARTIAL_BAND;
  ctx.fillRect(bandFrom, top, right - bandFrom, bottom - top);
  ctx.fillStyle = PARTIAL_INK;
  ctx.font = `${11 * ratio}px system-ui, sans-serif`;
  ctx.textAlign = 'right';
  ctx.fillText('今日 so far', right - 2 * ratio, top + 12 * ratio);
  let drawn = 0;
  partial.forEach((value, index) => {
    const series = chart.series[index + 1];
    if (value === null || !series?.show) return;
    const color = colors[index] ?? CITY_COLOR;
    const y = chart.valToPos(value, 'y', true);
    const previous = chart.data[index + 1]?.[position - 1];
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5 * ratio;
    if (previous !== null && previous !== undefined && before !== undefined) {
      ctx.setLineDash(PARTIAL_DASH.map((length) => length * ratio));
      ctx.beginPath();
      ctx.moveTo(there, chart.valToPos(previous, 'y', true));
      ctx.lineTo(here, y);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.fillStyle = '#ffffff';
    ctx.beginPath();
    ctx.arc(here, y, 3.5 * ratio, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
    drawn += 1;
  });
  ctx.restore();
  figure.dataset.partialDrawn = String(drawn);
};

const renderCharts = ({ dates, columns, values, today }: Snapshot) => {
  destroyCharts();
  const container = element('charts');
  container.replaceChildren();
  const areas = columns.map((column) => column.area);
  const colors = areas.map((area) => colorOf(columns, area));
  // Today is not over: its values are drawn apart, as "so far".
  const partialAt = dates.indexOf(today);
  const showPoints = dates.length <= 62;
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
      const { complete, partial } = splitPartialDay(
        trendData(values, dates, areas, name, info.unit),
        partialAt,
      );
      // For tests and tools: the days drawn and how many of them have a value of the first area.
      figure.dataset.days = String(dates.length);
      figure.dataset.valued = String(
        (complete[1] ?? []).filter((value) => value !== null).length + (partial[0] === null ? 0 : 1),
      );
      if (partialAt >= 0) {
        figure.dataset.partialDate = today;
        caption.append(make('span', 'partial-note', '今日截至目前 today so far ┄'));
      }
      const partialMax = Math.max(0, ...partial.map((value) => value ?? 0));
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
              info.unit === 'fraction'
                ? [0, 100]
                : [0, Math.max(max ?? 0, partialMax) > 0 ? Math.max(max ?? 0, partialMax) * 1.1 : 1],
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
            points: { show: showPoints, size: 5 },
            spanGaps: false,
            value: (_chart: uPlot, raw: number | null, seriesIndex: number, at: number | null) => {
              const soFar = at === partialAt;
              const value = soFar ? (partial[seriesIndex - 1] ?? null) : raw;
              const shown =
                value === null
                  ? '—'
                  : info.unit === 'fraction'
                    ? `${value.toFixed(1)}%`
                    : formatValue(value, info.unit);
              return soFar && value !== null ? `${shown} so far` : shown;
            },
          })),
        ],
        hooks:
          partialAt >= 0 ? { draw: [(chart) => drawPartial(chart, partialAt, partial, colors, figure)] } : {},
      };
      const chart = new uPlot(options, complete, holder);
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

/** The titles that say what is shown: which areas, which range. */
const renderTitles = ({ columns, scope, from, to, dates }: Snapshot) => {
  const whole = columns[0];
  const drilled = scope !== 'city' && whole !== undefined;
  element('table-title').textContent = drilled
    ? `街道指标 · Today and yesterday: ${whole.name} ${whole.code} and its streets`
    : '分区指标 · Today and yesterday by district';
  element('compare-title').textContent = drilled
    ? `街道对比 · Street comparison: ${whole.name} ${whole.code}`
    : '分区对比 · District comparison (a district opens its streets)';
  element('trend-title').textContent =
    `趋势 · Trends ${from} – ${to} (${dates.length} days)${drilled ? `: ${whole.name} and its streets` : ''}`;
  element('scope-up').hidden = !drilled;
  element('download').textContent = `下载 CSV (${dates.length} days)`;
};

const render = (shown: Snapshot) => {
  element('today').textContent = `${shown.today} (${timeZone})`;
  renderTitles(shown);
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
  stopSupervision();
  destroyCharts();
  removeMap();
  snapshot = undefined;
  element('dashboard').hidden = true;
  element('session').hidden = true;
  element('sign-in').hidden = false;
  element('sign-in-provider').hidden = !signIn;
  element('sign-in-token').hidden = Boolean(signIn);
  const error = element('sign-in-error');
  error.textContent = message ?? '';
  error.hidden = !message;
  element(signIn ? 'sign-in-button' : 'token').focus();
};

/** Leaves for the provider's sign-in; if it cannot be reached, says so on the sign-in card. */
const startSignIn = async () => {
  if (!signIn) return;
  try {
    await beginSignIn(signIn);
  } catch (error) {
    showSignIn(`Could not reach the sign-in at ${signIn.issuer}: ${(error as Error).message}`);
  }
};

/**
 * The hub refused the token (or a signed-in one expired): it is forgotten, and with a provider the page
 * signs in again, which is quick while the provider still knows the browser. Refused right after a
 * sign-in, the page shows why instead of going round again.
 */
const tokenRefused = (message: string) => {
  forgetToken();
  if (signIn && !signedInRecently()) void startSignIn();
  else showSignIn(`The hub refused the token: ${message}`);
};

/** The range picked: a preset up to today, or the custom dates (inputs shown only for custom). */
const pickedRange = (today: string) => {
  const choice = element<HTMLSelectElement>('range').value;
  const from = element<HTMLInputElement>('range-from');
  const to = element<HTMLInputElement>('range-to');
  const custom = choice === 'custom';
  element('range-custom').hidden = !custom;
  from.max = today;
  to.max = today;
  if (custom && !to.value) to.value = today;
  if (custom && !from.value) from.value = addDays(to.value || today, -(DEFAULT_RANGE_DAYS - 1));
  return resolveRange(choice, today, { from: from.value, to: to.value });
};

/** Set when a refresh was asked for while one was running: it runs again with the new choices. */
let refreshAgain = false;

const refresh = async () => {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  element('dashboard').setAttribute('aria-busy', 'true');
  try {
    const now = Date.now();
    const today = localDate(now, timeZone);
    const yesterday = addDays(today, -1);
    const range = pickedRange(today);
    if ('error' in range) {
      setStatus(`Range: ${range.error}.`, 'error');
      return;
    }
    const { from, to } = range;
    const [areas, feeds] = await Promise.all([
      api('areas').then(async (response) => ((await response.json()) as { items: AreaJson[] }).items),
      api('feeds').then(async (response) => ((await response.json()) as { items: FeedJson[] }).items),
    ]);
    fillScopeSelect(areas);
    const scope = element<HTMLSelectElement>('scope').value || 'city';
    const drillColumns = scope === 'city' ? [] : streetColumns(areas, scope);
    const areaKeys = drillColumns.map((column) => column.area);
    // The table always shows today and yesterday, whatever the range.
    const covered = from <= yesterday && to >= today;
    const [items, recent] = await Promise.all([
      fetchIndicators(from, to, areaKeys),
      covered ? Promise.resolve([]) : fetchIndicators(yesterday, today, areaKeys),
    ]);
    const all = [...items, ...recent.filter((item) => item.date < from || item.date > to)];
    const read: Snapshot = {
      today,
      yesterday,
      from,
      to,
      dates: dateRange(from, to),
      scope,
      areaKeys,
      columns: scope === 'city' ? areaColumns(areas, all) : drillColumns,
      values: indexValues(all),
      feeds,
      readAt: now,
    };
    snapshot = read;
    render(read);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      tokenRefused(error.message);
      return;
    }
    setStatus(`Could not refresh: ${(error as Error).message}`, 'error');
  } finally {
    refreshing = false;
    element('dashboard').removeAttribute('aria-busy');
    if (refreshAgain) {
      refreshAgain = false;
      void refresh();
    }
  }
};

/** A supervision read the hub refused signs in again; other failures the panel shows itself. */
const supervisionFailed = (error: unknown) => {
  if (error instanceof ApiError && error.status === 401) tokenRefused(error.message);
};

const showDashboard = async () => {
  const who = signIn ? signedInAs() : undefined;
  element('who').textContent = who ? `已登录 signed in: ${who}` : '';
  element('who').hidden = !who;
  element('sign-in').hidden = true;
  element('dashboard').hidden = false;
  element('session').hidden = false;
  setStatus('Loading…');
  void showMap();
  startSupervision(api, timeZone, supervisionFailed);
  await refresh();
  window.clearInterval(refreshTimer);
  if (sessionStorage.getItem(TOKEN_KEY)) refreshTimer = window.setInterval(() => void refresh(), REFRESH_MS);
};

/** Downloads the range and areas shown as CSV: every page of `format=csv`, joined, saved as a file. */
const downloadCsv = async () => {
  const button = element<HTMLButtonElement>('download');
  button.disabled = true;
  try {
    const today = localDate(Date.now(), timeZone);
    const range = snapshot ?? { from: addDays(today, -(DEFAULT_RANGE_DAYS - 1)), to: today, areaKeys: [] };
    const { from, to } = range;
    const pages: string[] = [];
    let nextToken: string | null = null;
    do {
      const query = new URLSearchParams([
        ['from', from],
        ['to', to],
        ...areaQuery(range.areaKeys),
        ['format', 'csv'],
        ['limit', '1000'],
        ...(nextToken ? [['nextToken', nextToken] as [string, string]] : []),
      ]);
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
    if (error instanceof ApiError && error.status === 401) tokenRefused(error.message);
    else setStatus(`Could not download the CSV: ${(error as Error).message}`, 'error');
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
  element('refresh').addEventListener('click', () => {
    void refresh();
    void loadSupervision(api, timeZone).catch(supervisionFailed);
  });
  element('download').addEventListener('click', () => void downloadCsv());
  element('sign-out').addEventListener('click', () => {
    forgetToken();
    showSignIn();
  });
  if (signIn) {
    element('sign-out').textContent = '退出 Sign out';
    element('sign-in-button').addEventListener('click', () => void startSignIn());
  }
  element('compare-indicator').addEventListener('change', renderComparison);
  for (const id of ['range', 'range-from', 'range-to', 'scope'])
    element(id).addEventListener('change', () => void refresh());
  element('scope-up').addEventListener('click', () => setScope('city'));
  element('compare-day').addEventListener('change', renderComparison);
  for (const id of ['map-day', 'map-indicator', 'map-level'])
    element(id).addEventListener('change', () => void showMap());
  let resizeTimer: number | undefined;
  window.addEventListener('resize', () => {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(resizeCharts, 150);
  });
  if (!signIn) {
    if (sessionStorage.getItem(TOKEN_KEY)) void showDashboard();
    else showSignIn();
    return;
  }
  finishSignIn(signIn).then(
    () => {
      if (!sessionStorage.getItem(TOKEN_KEY)) showSignIn();
      else if (tokenExpired()) tokenRefused('the sign-in has expired');
      else void showDashboard();
    },
    (error: unknown) => {
      forgetToken();
      showSignIn(
        error instanceof SignInError
          ? `The sign-in was not completed: ${error.message}`
          : `Could not finish the sign-in at ${signIn.issuer}: ${(error as Error).message}`,
      );
    },
  );
};

start();
