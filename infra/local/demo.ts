import { randomUUID } from 'node:crypto';
import { addDays, HOUR_MS, localDate, zonedTime } from '#shared/domain/time';
import { signHeaders } from '#shared/http/signature';
import type { HotlineRecord } from '#shared/schemas/ingest';

/** The demo city: districts and their streets (codes as a city registry would give them). */
export const demoCity: Readonly<Record<string, readonly string[]>> = {
  dongcheng: ['donghuamen', 'jingshan', 'jianguomen'],
  xicheng: ['xichanganjie', 'jinrongjie', 'shichahai'],
  chaoyang: ['jianwai', 'sanlitun', 'wangjing'],
  haidian: ['zhongguancun', 'haidianjie', 'xueyuanlu'],
};

const categories = [
  'city.road-damage',
  'city.illegal-parking',
  'city.garbage',
  'noise',
  'water-supply',
  'heating',
];

/** A small deterministic generator (mulberry32), so the same day always gives the same demo. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

/**
 * Simulated 12345 hotline lifecycle events of `date` (tickets received that day, with their later
 * dispatch, closure, reopening and callback), cut at `now` so nothing lies in the future.
 */
export const demoTickets = (date: string, timeZone: string, now: number, perDay = 400): HotlineRecord[] => {
  const next = random(Number(date.replaceAll('-', '')));
  const dayStart = zonedTime(date, 0, timeZone);
  const records: HotlineRecord[] = [];
  const districts = Object.keys(demoCity);
  for (let n = 0; n < perDay; n += 1) {
    const ticketId = `demo-${date}-${String(n).padStart(4, '0')}`;
    const district = pick(next, districts);
    const placement = next();
    const where =
      placement < 0.8
        ? { district, street: pick(next, demoCity[district] ?? []) }
        : placement < 0.9
          ? { district }
          : {};
    const category = pick(next, categories);
    const severity = pick(next, ['minor', 'minor', 'minor', 'major', 'difficult'] as const);
    const receivedAt = dayStart + Math.floor(next() * 24 * HOUR_MS);
    const at = (ms: number) => new Date(ms).toISOString();
    const event = (
      type: HotlineRecord['type'],
      time: number,
      extra: Partial<HotlineRecord> = {},
    ): HotlineRecord => ({
      eventId: `${ticketId}-${type}-${records.length}`,
      ticketId,
      type,
      occurredAt: at(time),
      category,
      ...extra,
    });
    records.push(
      event('received', receivedAt, { severity, channel: pick(next, ['phone', 'app', 'web']), ...where }),
    );
    records.push(event('dispatched', receivedAt + 0.5 * HOUR_MS));
    const closedAt = receivedAt + (1 + next() * 60) * HOUR_MS;
    if (next() < 0.85) {
      records.push(event('closed', closedAt));
      if (next() < 0.05) {
        records.push(event('reopened', closedAt + 2 * HOUR_MS));
        records.push(event('closed', closedAt + 8 * HOUR_MS));
      }
      if (next() < 0.7) {
        const satisfaction = pick(next, [
          'satisfied',
          'satisfied',
          'satisfied',
          'satisfied',
          'neutral',
          'dissatisfied',
        ] as const);
        records.push(event('callback', closedAt + 10 * HOUR_MS, { satisfaction }));
      }
    }
  }
  return records.filter((record) => Date.parse(record.occurredAt) <= now);
};

/** What the demo sent. */
export interface DemoSummary {
  readonly days: string[];
  readonly records: number;
}

/**
 * Loads the demo: replays yesterday's and today's simulated hotline events (up to now) through the
 * signed ingest API, as a real source would send them.
 */
export const loadDemo = async (
  url: string,
  hotlineSecret: string,
  timeZone: string,
  now: number,
  log: (line: string) => void,
): Promise<DemoSummary> => {
  const today = localDate(now, timeZone);
  const days = [addDays(today, -1), today];
  const records = days.flatMap((date) => demoTickets(date, timeZone, now));
  for (let start = 0; start < records.length; start += 500) {
    const body = JSON.stringify({ records: records.slice(start, start + 500) });
    const response = await fetch(`${url}/ingest/hotline`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signHeaders(hotlineSecret, `demo-${randomUUID()}`, body),
      },
      body,
    });
    if (!response.ok) throw new Error(`demo ingest answered ${response.status}: ${await response.text()}`);
    log(`cityhub: demo: sent ${Math.min(start + 500, records.length)} of ${records.length} hotline events`);
  }
  return { days, records: records.length };
};
