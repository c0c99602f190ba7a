import { randomUUID } from 'node:crypto';
import { addDays, HOUR_MS, localDate, zonedTime } from '#shared/domain/time';
import { signHeaders } from '#shared/http/signature';
import type { CityPlatformRecord, HotlineRecord, Source } from '#shared/schemas/ingest';
import type { Areas } from '#shared/schemas/reference';

/** The demo city: districts and their streets (codes as a city registry would give them). */
export const demoCity: Readonly<Record<string, readonly string[]>> = {
  dongcheng: ['donghuamen', 'jingshan', 'jianguomen'],
  xicheng: ['xichanganjie', 'jinrongjie', 'shichahai'],
  chaoyang: ['jianwai', 'sanlitun', 'wangjing'],
  haidian: ['zhongguancun', 'haidianjie', 'xueyuanlu'],
};
const districtNames: Record<string, string> = {
  dongcheng: '东城区',
  xicheng: '西城区',
  chaoyang: '朝阳区',
  haidian: '海淀区',
};

/** South-west corner and size (degrees) of the demo city: a 2 × 2 grid of districts, 3 street strips each. */
const CITY_ORIGIN = { lon: 116.3, lat: 39.85 };
const DISTRICT_SIZE = 0.1;

const rectangle = (minLon: number, minLat: number, maxLon: number, maxLat: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [minLon, minLat],
      [maxLon, minLat],
      [maxLon, maxLat],
      [minLon, maxLat],
      [minLon, minLat],
    ],
  ],
});

/** The demo city's districts and streets as `PUT /reference/areas` takes them. */
export const demoAreas = (): Areas => ({
  type: 'FeatureCollection',
  features: Object.entries(demoCity).flatMap(([district, streets], index) => {
    const minLon = CITY_ORIGIN.lon + (index % 2) * DISTRICT_SIZE;
    const minLat = CITY_ORIGIN.lat + Math.floor(index / 2) * DISTRICT_SIZE;
    const strip = DISTRICT_SIZE / streets.length;
    return [
      {
        type: 'Feature' as const,
        geometry: rectangle(minLon, minLat, minLon + DISTRICT_SIZE, minLat + DISTRICT_SIZE),
        properties: { code: district, name: districtNames[district] ?? district, level: 'district' as const },
      },
      ...streets.map((street, position) => ({
        type: 'Feature' as const,
        geometry: rectangle(
          minLon + position * strip,
          minLat,
          minLon + (position + 1) * strip,
          minLat + DISTRICT_SIZE,
        ),
        properties: { code: street, name: street, level: 'street' as const, parent: district },
      })),
    ];
  }),
});

const ticketCategories = [
  'city.road-damage',
  'city.illegal-parking',
  'city.garbage',
  'noise',
  'water-supply',
  'heating',
];
const caseCategories = [
  'road-damage',
  'illegal-advertising',
  'garbage-overflow',
  'street-vendor',
  'broken-manhole',
];

/** A small deterministic generator (mulberry32), so the same day always gives the same demo. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
const at = (ms: number) => new Date(ms).toISOString();

/** Where a demo record says it is: 80 % by street, 10 % by district, 10 % by location only. */
const demoPlace = (next: () => number) => {
  const districts = Object.keys(demoCity);
  const district = pick(next, districts);
  const choice = next();
  if (choice < 0.8) return { district, street: pick(next, demoCity[district] ?? []) };
  if (choice < 0.9) return { district };
  return {
    location: {
      lat: CITY_ORIGIN.lat + next() * 2 * DISTRICT_SIZE,
      lon: CITY_ORIGIN.lon + next() * 2 * DISTRICT_SIZE,
    },
  };
};

/**
 * Simulated 12345 hotline lifecycle events of `date` (tickets received that day, with their later
 * dispatch, closure, reopening and callback), cut at `now` so nothing lies in the future.
 */
export const demoTickets = (date: string, timeZone: string, now: number, perDay = 400): HotlineRecord[] => {
  const next = random(Number(date.replaceAll('-', '')));
  const dayStart = zonedTime(date, 0, timeZone);
  const records: HotlineRecord[] = [];
  for (let n = 0; n < perDay; n += 1) {
    const ticketId = `demo-${date}-${String(n).padStart(4, '0')}`;
    const where = demoPlace(next);
    const category = pick(next, ticketCategories);
    const severity = pick(next, ['minor', 'minor', 'minor', 'major', 'difficult'] as const);
    const receivedAt = dayStart + Math.floor(next() * 24 * HOUR_MS);
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

/**
 * Simulated city-platform cases of `date`: inspectors report during working hours; most are filed and
 * dispatched, some handled and closed (a few after rework), some suspended or cancelled. Cut at `now`.
 */
export const demoCases = (
  date: string,
  timeZone: string,
  now: number,
  perDay = 150,
): CityPlatformRecord[] => {
  const next = random(Number(date.replaceAll('-', '')) + 7);
  const records: CityPlatformRecord[] = [];
  for (let n = 0; n < perDay; n += 1) {
    const caseId = `demo-case-${date}-${String(n).padStart(4, '0')}`;
    const category = pick(next, caseCategories);
    const reportedAt = zonedTime(date, 8 * 60 + Math.floor(next() * 10 * 60), timeZone);
    const event = (type: CityPlatformRecord['type'], time: number, extra: Partial<CityPlatformRecord> = {}) =>
      records.push({
        eventId: `${caseId}-${type}-${records.length}`,
        caseId,
        type,
        occurredAt: at(time),
        category,
        ...extra,
      });
    event('reported', reportedAt, {
      kind: pick(next, ['component', 'event'] as const),
      origin: pick(next, ['inspector', 'inspector', 'video', 'public'] as const),
      ...demoPlace(next),
    });
    if (next() > 0.9) continue;
    const filedAt = reportedAt + next() * 0.5 * HOUR_MS;
    event('filed', filedAt, { urgent: next() < 0.05 });
    const outcome = next();
    if (outcome < 0.02) {
      event('cancelled', filedAt + HOUR_MS);
      continue;
    }
    event('dispatched', filedAt + 0.25 * HOUR_MS);
    if (outcome < 0.05) {
      event('suspended', filedAt + 2 * HOUR_MS);
      continue;
    }
    if (outcome > 0.85) continue;
    const handledAt = filedAt + (1 + next() * 30) * HOUR_MS;
    event('handled', handledAt);
    if (next() < 0.06) {
      event('rework', handledAt + HOUR_MS);
      event('closed', handledAt + 6 * HOUR_MS);
    } else {
      event('closed', handledAt + 0.5 * HOUR_MS);
    }
  }
  return records.filter((record) => Date.parse(record.occurredAt) <= now);
};

/** What the demo sent. */
export interface DemoSummary {
  readonly days: string[];
  readonly records: Readonly<Record<'hotline' | 'city-platform', number>>;
}

interface DemoTarget {
  readonly url: string;
  readonly adminToken: string;
  readonly sourceSecrets: Readonly<Record<Source, string>>;
}

const send = async (
  target: DemoTarget,
  source: Source,
  records: readonly unknown[],
  log: (line: string) => void,
) => {
  for (let start = 0; start < records.length; start += 500) {
    const body = JSON.stringify({ records: records.slice(start, start + 500) });
    const response = await fetch(`${target.url}/ingest/${source}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signHeaders(target.sourceSecrets[source], `demo-${randomUUID()}`, body),
      },
      body,
    });
    if (!response.ok) throw new Error(`demo ingest answered ${response.status}: ${await response.text()}`);
  }
  log(`cityhub: demo: sent ${records.length} ${source} events`);
};

/**
 * Loads the demo: registers the demo city's areas, then replays yesterday's and today's simulated
 * hotline and city-platform events (up to now) through the signed ingest API, as real sources would.
 */
export const loadDemo = async (
  target: DemoTarget,
  timeZone: string,
  now: number,
  log: (line: string) => void,
): Promise<DemoSummary> => {
  const areas = await fetch(`${target.url}/reference/areas`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${target.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(demoAreas()),
  });
  if (!areas.ok) throw new Error(`demo areas answered ${areas.status}: ${await areas.text()}`);
  const today = localDate(now, timeZone);
  const days = [addDays(today, -1), today];
  const tickets = days.flatMap((date) => demoTickets(date, timeZone, now));
  const cases = days.flatMap((date) => demoCases(date, timeZone, now));
  await send(target, 'hotline', tickets, log);
  await send(target, 'city-platform', cases, log);
  return { days, records: { hotline: tickets.length, 'city-platform': cases.length } };
};
