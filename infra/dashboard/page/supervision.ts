/**
 * The supervision panel (督办): open tickets and cases by deadline light (`GET /open-items`), counted
 * per district, with the overdue (red) items longest overdue first and the approaching (yellow) ones.
 * It reads every 30 s while the browser tab is visible, never while it is hidden, and says as of when
 * (the hub's `now`, in city time). Rendered with textContent only.
 */
import { element, make } from '#infra/dashboard/page/dom';
import type { ApiReader } from '#infra/dashboard/page/map';
import {
  approachingItems,
  cityTime,
  formatHoursMinutes,
  kindLabels,
  LIGHTS,
  type LightCountRow,
  lightCountsOf,
  lightLabels,
  minutesLeft,
  type OpenItemJson,
  type OpenItemsPageJson,
  overdueItems,
  SUPERVISION_REFRESH_MS,
  shouldRefresh,
} from '#infra/dashboard/page/supervision-view';
import type { AreaJson } from '#infra/dashboard/page/view';

/** Rows the lists show at most; the rest are counted under them. */
const RED_ROWS = 50;
const YELLOW_ROWS = 20;
/** Reads one page of the open items of a light, the most urgent first, with the counts of every light. */
const readLight = async (
  api: ApiReader,
  light: 'red' | 'yellow',
  limit: number,
): Promise<OpenItemsPageJson> =>
  (await (
    await api(`open-items?${new URLSearchParams({ light, limit: String(limit) })}`)
  ).json()) as OpenItemsPageJson;

const countRow = (row: LightCountRow, total = false): HTMLTableRowElement => {
  const tr = make('tr', total ? 'total' : undefined);
  tr.dataset.area = row.area;
  const name = make('th');
  name.scope = 'row';
  const label = make('span', 'area-label');
  label.append(make('span', 'zh', row.name));
  if (row.code !== row.name) label.append(make('span', 'en', row.code));
  name.append(label);
  tr.append(name);
  for (const light of LIGHTS) {
    const count = row.counts[light];
    const cell = make('td', `num light-${light}${count === 0 ? ' zero' : ''}`, String(count));
    cell.dataset.light = light;
    tr.append(cell);
  }
  const sum = make('td', 'num sum', String(row.total));
  sum.dataset.light = 'total';
  tr.append(sum);
  return tr;
};

const renderCounts = (counts: OpenItemsPageJson['counts'], areas: readonly AreaJson[]) => {
  const { rows, city } = lightCountsOf(counts, areas);
  const head = make('tr');
  head.append(make('th', 'corner', '区 District'));
  for (const light of LIGHTS) {
    const cell = make('th', `light-${light}`);
    cell.append(
      make('span', `light-dot ${light}`),
      make('span', 'zh', lightLabels[light].zh),
      make('span', 'en', lightLabels[light].en),
    );
    head.append(cell);
  }
  const sum = make('th');
  sum.append(make('span', 'zh', '合计'), make('span', 'en', 'total'));
  head.append(sum);
  const thead = make('thead');
  thead.append(head);
  const body = make('tbody');
  body.append(...rows.map((row) => countRow(row)));
  const foot = make('tfoot');
  foot.append(countRow(city, true));
  element<HTMLTableElement>('supervision-counts').replaceChildren(thead, body, foot);
};

/**
 * A list of items as a table: the time column given first (it is what the list is about, and stays in
 * view on a phone), then kind, id, area, deadline in city time and category.
 */
const renderList = (
  id: string,
  items: readonly OpenItemJson[],
  total: number,
  timeHead: string,
  timeOf: (item: OpenItemJson) => string,
  timeZone: string,
) => {
  const head = make('tr');
  for (const title of [timeHead, '类型 kind', '编号 id', '区域 area', '期限 deadline', '类别 category'])
    head.append(make('th', undefined, title));
  const thead = make('thead');
  thead.append(head);
  const body = make('tbody');
  for (const item of items) {
    const row = make('tr', `item ${item.kind}`);
    row.dataset.kind = item.kind;
    row.dataset.id = item.id;
    row.dataset.overdueMinutes = String(item.overdueMinutes);
    const deadline = make('td', 'deadline', cityTime(item.deadline, timeZone));
    deadline.title = item.deadline;
    row.append(
      make('td', 'num time', timeOf(item)),
      make('td', 'kind', kindLabels[item.kind]),
      make('td', 'id', item.id),
      make('td', 'area', item.areaName),
      deadline,
      make('td', 'category', item.category ?? '—'),
    );
    body.append(row);
  }
  if (items.length === 0) {
    const empty = make('td', 'empty', '无 none');
    empty.colSpan = 6;
    const row = make('tr');
    row.append(empty);
    body.append(row);
  }
  element<HTMLTableElement>(id).replaceChildren(thead, body);
  element(`${id}-more`).textContent =
    total > items.length ? `前 ${items.length} 项 · first ${items.length} of ${total} shown` : '';
};

let lastReadAt: number | undefined;
let reading: Promise<void> | undefined;
let timer: number | undefined;
let onVisibility: (() => void) | undefined;

/**
 * Reads the open items and the areas and draws the panel; `#supervision-card` then carries
 * `data-state="ready"` and `data-now` (the hub's time of the answer). A failure is said in the panel
 * and thrown, so the page can sign in again on a 401.
 */
export const loadSupervision = (api: ApiReader, timeZone: string): Promise<void> => {
  reading ??= (async () => {
    const card = element('supervision-card');
    const status = element('supervision-as-of');
    lastReadAt = Date.now();
    card.dataset.state = 'loading';
    try {
      // Two pages and the areas, however many items are open: the counts come with the answers.
      const [redPage, yellowPage, areas] = await Promise.all([
        readLight(api, 'red', RED_ROWS),
        readLight(api, 'yellow', YELLOW_ROWS),
        api('areas').then(async (answer) => ((await answer.json()) as { items: AreaJson[] }).items),
      ]);
      const { now, counts } = redPage;
      renderCounts(counts, areas);
      const city = lightCountsOf(counts, areas).city;
      const red = overdueItems(redPage.items);
      const yellow = approachingItems(yellowPage.items);
      renderList(
        'supervision-red',
        red,
        city.counts.red,
        '超期 overdue by',
        (item) => formatHoursMinutes(item.overdueMinutes),
        timeZone,
      );
      renderList(
        'supervision-yellow',
        yellow,
        city.counts.yellow,
        '剩余 time left',
        (item) => formatHoursMinutes(minutesLeft(item.deadline, now)),
        timeZone,
      );
      element('supervision-red-count').textContent = String(city.counts.red);
      element('supervision-yellow-count').textContent = String(city.counts.yellow);
      status.textContent = `截至 as of ${cityTime(now, timeZone, true)} (city time) · ${city.total} open items · refreshed every ${SUPERVISION_REFRESH_MS / 1000} s while shown`;
      status.className = 'as-of';
      card.dataset.now = now;
      card.dataset.state = 'ready';
    } catch (error) {
      card.dataset.state = 'error';
      status.textContent = `Could not read the open items: ${(error as Error).message}`;
      status.className = 'as-of error';
      throw error;
    }
  })().finally(() => {
    reading = undefined;
  });
  return reading;
};

/**
 * Reads the panel now and then every {@link SUPERVISION_REFRESH_MS} while the tab is visible; a tab
 * shown again after a longer absence reads at once. `failed` gets each read's error.
 */
export const startSupervision = (api: ApiReader, timeZone: string, failed: (error: unknown) => void) => {
  stopSupervision();
  const read = () => loadSupervision(api, timeZone).catch(failed);
  const tick = () => {
    if (shouldRefresh(document.visibilityState, lastReadAt, Date.now())) void read();
  };
  onVisibility = tick;
  document.addEventListener('visibilitychange', onVisibility);
  timer = window.setInterval(tick, SUPERVISION_REFRESH_MS);
  void read();
};

/** Stops reading (signing out). */
export const stopSupervision = () => {
  window.clearInterval(timer);
  timer = undefined;
  if (onVisibility) document.removeEventListener('visibilitychange', onVisibility);
  onVisibility = undefined;
  lastReadAt = undefined;
};
