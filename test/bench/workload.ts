/**
 * Records of the reference city-day (DESIGN "Where the numbers come from") as the three feeds send them:
 * 12345 tickets and city-platform cases with their lifecycle events (about 4 each), and a vehicle's GPS
 * points in one-minute records. Deterministic: the same seed gives the same records.
 */
import type { Areas } from '#shared/schemas/reference';
import { GRID, generateTrack, latOf, lonOf, random, SPACING_M } from './reference-city.ts';

/** The reference city-day's volumes (DESIGN "Where the numbers come from"). */
export const REFERENCE_DAY = {
  tickets: 60_000,
  cases: 7_000,
  eventsPerEntity: 4,
  vehicles: 800,
  reportEveryS: 10,
} as const;

const CITY_OFFSET_MS = 8 * 3_600_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** An instant as a city-time RFC 3339 string (`+08:00`), as Beijing's systems send it. */
export const cityTime = (epochMs: number): string =>
  `${new Date(Math.round(epochMs / 1000) * 1000 + CITY_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;

/** Start of a city-time (UTC+8) day in epoch ms. */
export const cityDayStart = (date: string): number => Date.parse(`${date}T00:00:00Z`) - CITY_OFFSET_MS;

// The reference grid is cut into 8 × 8 street cells; a district is 2 × 4 cells (test/bench/reference-city.ts).
const CELLS = 8;
const cellStart = (cell: number) => Math.ceil((cell * GRID) / CELLS);
const districtCode = (ci: number, cj: number) => `d${Math.floor(ci / 2)}${Math.floor(cj / 4)}`;
const streetCode = (ci: number, cj: number) => `${districtCode(ci, cj)}-z${ci % 2}${cj % 4}`;

/** A street of the reference city: its code, its district and its rectangle in metres. */
export interface ReferenceStreet {
  readonly code: string;
  readonly district: string;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** The 64 streets (8 per district) whose codes the reference roads carry. */
export const referenceStreets = (): ReferenceStreet[] => {
  const edge = (cell: number) => (cellStart(cell) - 0.5) * SPACING_M;
  const streets: ReferenceStreet[] = [];
  for (let ci = 0; ci < CELLS; ci += 1) {
    for (let cj = 0; cj < CELLS; cj += 1) {
      streets.push({
        code: streetCode(ci, cj),
        district: districtCode(ci, cj),
        x0: edge(ci),
        y0: edge(cj),
        x1: edge(ci + 1),
        y1: edge(cj + 1),
      });
    }
  }
  return streets;
};

const rectangle = (x0: number, y0: number, x1: number, y1: number): number[][][] => [
  [
    [lonOf(x0), latOf(y0)],
    [lonOf(x1), latOf(y0)],
    [lonOf(x1), latOf(y1)],
    [lonOf(x0), latOf(y1)],
    [lonOf(x0), latOf(y0)],
  ],
];

/** The reference city's areas for `PUT /reference/areas`: 8 district and 64 street rectangles. */
export const referenceAreas = (): Areas => {
  const streets = referenceStreets();
  const districts = new Map<string, ReferenceStreet[]>();
  for (const street of streets)
    districts.set(street.district, [...(districts.get(street.district) ?? []), street]);
  return {
    type: 'FeatureCollection',
    features: [
      ...[...districts].map(([code, parts]) => ({
        type: 'Feature' as const,
        geometry: {
          type: 'Polygon' as const,
          coordinates: rectangle(
            Math.min(...parts.map((part) => part.x0)),
            Math.min(...parts.map((part) => part.y0)),
            Math.max(...parts.map((part) => part.x1)),
            Math.max(...parts.map((part) => part.y1)),
          ),
        },
        properties: { code, name: `District ${code}`, level: 'district' as const },
      })),
      ...streets.map((street) => ({
        type: 'Feature' as const,
        geometry: {
          type: 'Polygon' as const,
          coordinates: rectangle(street.x0, street.y0, street.x1, street.y1),
        },
        properties: {
          code: street.code,
          name: `Street ${street.code}`,
          level: 'street' as const,
          parent: street.district,
        },
      })),
    ],
  };
};

type Json = Record<string, unknown>;

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
const round6 = (value: number) => Math.round(value * 1e6) / 1e6;
const locationIn = (next: () => number, street: ReferenceStreet) => ({
  lat: round6(latOf(street.y0 + next() * (street.y1 - street.y0))),
  lon: round6(lonOf(street.x0 + next() * (street.x1 - street.x0))),
});

const TICKET_CATEGORIES = [
  'city.road-damage',
  'city.street-lighting',
  'environment.noise',
  'environment.garbage',
  'traffic.parking',
  'housing.heating',
  'water.supply',
  'market.food-safety',
];
const CASE_CATEGORIES = ['facility', 'environment', 'street-order', 'construction', 'landscaping'];

/** Where the entities of a workload are: any street of the city, or the streets of one district. */
export interface Placement {
  readonly streets: readonly ReferenceStreet[];
}

const cityWide = (): Placement => ({ streets: referenceStreets() });

/** The streets of one district of the reference city. */
export const districtPlacement = (district: string): Placement => {
  const streets = referenceStreets().filter((street) => street.district === district);
  if (streets.length === 0) throw new Error(`no district ${district} in the reference city`);
  return { streets };
};

/**
 * 12345 ticket lifecycles received on `date` (city time): received, dispatched, closed and a callback,
 * in that order per ticket. Most tickets name their district and street; one in five only a location.
 */
export const ticketLifecycles = (
  count: number,
  date: string,
  seed: number,
  placement: Placement = cityWide(),
  prefix = 't',
): Json[][] => {
  const next = random(seed);
  const dayStart = cityDayStart(date);
  return Array.from({ length: count }, (_, n) => {
    const ticketId = `${prefix}${seed}-${n}`;
    const street = pick(next, placement.streets);
    const receivedAt = dayStart + Math.floor(next() * 24 * HOUR_MS);
    const roll = next();
    const severity = roll < 0.7 ? 'minor' : roll < 0.95 ? 'major' : 'difficult';
    const where =
      next() < 0.8
        ? { district: street.district, street: street.code }
        : { location: locationIn(next, street) };
    const category = pick(next, TICKET_CATEGORIES);
    const dispatchedAt = receivedAt + (10 + next() * 50) * MINUTE_MS;
    const closedAt = dispatchedAt + (2 + next() * 46) * HOUR_MS;
    const satisfaction = next() < 0.8 ? 'satisfied' : next() < 0.75 ? 'neutral' : 'dissatisfied';
    const event = (k: number, type: string, at: number, extra: Json = {}) => ({
      eventId: `${ticketId}-${k}`,
      ticketId,
      type,
      occurredAt: cityTime(at),
      category,
      ...extra,
    });
    return [
      event(1, 'received', receivedAt, {
        severity,
        ...where,
        channel: pick(next, ['phone', 'wechat', 'web']),
      }),
      event(2, 'dispatched', dispatchedAt),
      event(3, 'closed', closedAt),
      event(4, 'callback', closedAt + (1 + next() * 3) * HOUR_MS, { satisfaction }),
    ];
  });
};

/**
 * City-platform case lifecycles reported on `date`: reported, filed, dispatched and closed (about 4
 * events a case); one in ten is never filed, one in ten filed cases is reworked and closed again.
 */
export const caseLifecycles = (
  count: number,
  date: string,
  seed: number,
  placement: Placement = cityWide(),
  prefix = 'c',
): Json[][] => {
  const next = random(seed);
  const dayStart = cityDayStart(date);
  return Array.from({ length: count }, (_, n) => {
    const caseId = `${prefix}${seed}-${n}`;
    const street = pick(next, placement.streets);
    const reportedAt = dayStart + Math.floor(next() * 24 * HOUR_MS);
    const category = pick(next, CASE_CATEGORIES);
    const event = (k: number, type: string, at: number, extra: Json = {}) => ({
      eventId: `${caseId}-${k}`,
      caseId,
      type,
      occurredAt: cityTime(at),
      category,
      ...extra,
    });
    const reported = event(1, 'reported', reportedAt, {
      kind: next() < 0.6 ? 'event' : 'component',
      subcategory: `${category}-${1 + Math.floor(next() * 9)}`,
      district: street.district,
      street: street.code,
      grid: `g${Math.floor(next() * 4000)}`,
      location: locationIn(next, street),
      origin: pick(next, ['inspector', 'inspector', 'video', 'public', 'hotline']),
      ...(next() < 0.05 ? { urgent: true } : {}),
    });
    if (next() < 0.1) return [reported];
    const filedAt = reportedAt + (5 + next() * 25) * MINUTE_MS;
    const dispatchedAt = filedAt + (5 + next() * 25) * MINUTE_MS;
    const closedAt = dispatchedAt + (1 + next() * 20) * HOUR_MS;
    const events = [
      reported,
      event(2, 'filed', filedAt),
      event(3, 'dispatched', dispatchedAt),
      event(4, 'closed', closedAt),
    ];
    if (next() < 0.1) {
      events.push(event(5, 'rework', closedAt + HOUR_MS), event(6, 'closed', closedAt + 5 * HOUR_MS));
    }
    return events;
  });
};

/** Events of lifecycles in the order they happen. */
export const byOccurrence = (lifecycles: readonly Json[][]): Json[] =>
  lifecycles
    .flat()
    .map((event) => ({ event, at: Date.parse(String(event.occurredAt)) }))
    .sort((a, b) => a.at - b.at)
    .map(({ event }) => event);

/**
 * One vehicle's day (test/bench/reference-city.ts) as its tracker sends it: one record per minute with
 * that minute's points (every 10 s, so up to 6), coordinates to 6 decimals as GPS units report them.
 */
export const trackerMinutes = (vehicle: number, date: string): Json[] => {
  const dayStart = cityDayStart(date);
  const track = generateTrack(vehicle, dayStart);
  const minutes = new Map<number, Json[]>();
  for (let k = 0; k < track.t.length; k += 1) {
    const t = track.t[k] as number;
    const minute = Math.floor((t - dayStart) / MINUTE_MS);
    const points = minutes.get(minute) ?? [];
    points.push({
      t: cityTime(t),
      lat: round6(track.lat[k] as number),
      lon: round6(track.lon[k] as number),
      working: track.working[k] === 1,
    });
    minutes.set(minute, points);
  }
  return [...minutes].map(([minute, points]) => ({
    eventId: `v${vehicle}-${date}-${minute}`,
    vehicleId: `v${vehicle}`,
    points,
  }));
};
