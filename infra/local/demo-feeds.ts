import {
  DISTRICT_SIZE,
  demoCity,
  demoDistricts,
  demoVehicles,
  districtOrigin,
  METRES_PER_DEGREE_LAT,
  METRES_PER_DEGREE_LON,
  pick,
  ROAD_LINES,
  random,
  roadLevel,
  roadOffset,
} from '#infra/local/demo-city';
import { HOUR_MS, zonedTime } from '#shared/domain/time';
import type { CityPlatformRecord, HotlineRecord, SanitationRecord } from '#shared/schemas/ingest';

/** Simulated feeds of the demo city: what the three subsystems would send about one day. */

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

/** How calls to 12345 spread over the day (relative weight per local hour): quiet nights, busy office hours. */
const CALLS_PER_HOUR = [1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 10, 8, 9, 11, 11, 10, 9, 8, 7, 6, 4, 3, 2];
const CALLS_TOTAL = CALLS_PER_HOUR.reduce((sum, weight) => sum + weight, 0);

const seedOf = (date: string) => Number(date.replaceAll('-', ''));
const at = (ms: number) => new Date(ms).toISOString();

/** A time of `date` drawn from the hotline's daily rhythm. */
const callTime = (next: () => number, dayStart: number) => {
  let draw = next() * CALLS_TOTAL;
  let hour = 0;
  while (hour < 23 && draw >= (CALLS_PER_HOUR[hour] as number)) {
    draw -= CALLS_PER_HOUR[hour] as number;
    hour += 1;
  }
  return dayStart + (hour + next()) * HOUR_MS;
};

/** Where a record says it is: 80 % by street, 10 % by district, 10 % by location only. */
const demoPlace = (next: () => number) => {
  const district = pick(next, demoDistricts).code;
  const choice = next();
  if (choice < 0.8) return { district, street: pick(next, demoCity[district] ?? []) };
  if (choice < 0.9) return { district };
  const index = Math.floor(next() * demoDistricts.length);
  const origin = districtOrigin(index);
  return {
    location: { lat: origin.lat + next() * DISTRICT_SIZE, lon: origin.lon + next() * DISTRICT_SIZE },
  };
};

/**
 * Simulated 12345 hotline events of tickets received on `date` (with a daily rhythm and severities),
 * with their later dispatch, closure, reopening and callback, cut at `now` so nothing lies in the future.
 */
export const demoTickets = (date: string, timeZone: string, now: number, perDay = 400): HotlineRecord[] => {
  const next = random(seedOf(date));
  const dayStart = zonedTime(date, 0, timeZone);
  const records: HotlineRecord[] = [];
  for (let n = 0; n < perDay; n += 1) {
    const ticketId = `demo-${date}-${String(n).padStart(4, '0')}`;
    const where = demoPlace(next);
    const category = pick(next, ticketCategories);
    const severity = pick(next, ['minor', 'minor', 'minor', 'major', 'difficult'] as const);
    const receivedAt = callTime(next, dayStart);
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
    records.push(event('dispatched', receivedAt + (0.2 + next()) * HOUR_MS));
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
 * Simulated city-platform cases reported on `date`: inspectors report during working hours; most are
 * filed and dispatched, some handled and closed late or after rework, some suspended or cancelled. Cut at `now`.
 */
export const demoCases = (
  date: string,
  timeZone: string,
  now: number,
  perDay = 150,
): CityPlatformRecord[] => {
  const next = random(seedOf(date) + 7);
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

/** Seconds between two GPS reports of a demo tracker (older demo days report less often). */
export const REPORT_EVERY_S = 30;
const TRANSIT_KMH = 25;

type Position = readonly [lon: number, lat: number];
type Point = SanitationRecord['points'][number];

/**
 * Points every 30 s of a vehicle driving through `waypoints` at `kmh` from `start` for at most
 * `durationMs` (or to the last waypoint), with the working flag its tracker reports, ±3 m of noise and
 * one report in a hundred lost.
 */
const driveRoute = (
  next: () => number,
  waypoints: readonly Position[],
  kmh: number,
  start: number,
  working: boolean,
  durationMs = Number.POSITIVE_INFINITY,
  everyS = REPORT_EVERY_S,
): { points: Point[]; end: number; at: Position } => {
  const points: Point[] = [];
  const metresPerStep = (kmh / 3.6) * everyS;
  let leg = 0;
  let along = 0;
  let t = start;
  let here = waypoints[0] as Position;
  for (;;) {
    const from = waypoints[leg] as Position;
    const to = waypoints[leg + 1];
    if (!to || t - start > durationMs) break;
    const dx = (to[0] - from[0]) * METRES_PER_DEGREE_LON;
    const dy = (to[1] - from[1]) * METRES_PER_DEGREE_LAT;
    const length = Math.hypot(dx, dy);
    if (along > length) {
      along -= length;
      leg += 1;
      continue;
    }
    const f = length === 0 ? 0 : along / length;
    here = [from[0] + f * (to[0] - from[0]), from[1] + f * (to[1] - from[1])];
    if (next() >= 0.01) {
      points.push({
        t: at(t),
        lon: here[0] + ((next() - 0.5) * 6) / METRES_PER_DEGREE_LON,
        lat: here[1] + ((next() - 0.5) * 6) / METRES_PER_DEGREE_LAT,
        speedKmh: Math.round(kmh * (0.9 + next() * 0.2) * 10) / 10,
        working,
      });
    }
    along += metresPerStep;
    t += everyS * 1000;
  }
  return { points, end: t, at: here };
};

/** A road line of a district, end to end: north–south or west–east line `k`. */
const roadLine = (index: number, k: number, northSouth: boolean): [Position, Position] => {
  const origin = districtOrigin(index);
  const offset = roadOffset(k);
  return northSouth
    ? [
        [origin.lon + offset, origin.lat],
        [origin.lon + offset, origin.lat + DISTRICT_SIZE],
      ]
    : [
        [origin.lon, origin.lat + offset],
        [origin.lon + DISTRICT_SIZE, origin.lat + offset],
      ];
};

/** Back and forth along a line, enough times to fill any shift. */
const backAndForth = ([a, b]: [Position, Position]): Position[] =>
  Array.from({ length: 12 }, (_, n) => (n % 2 === 0 ? a : b));

/**
 * One shift: from the depot (the district's south-west corner) to the start of its route in transit
 * (working off, 25 km/h), along the route working for `hours`, and back to the depot.
 */
const shift = (
  next: () => number,
  depot: Position,
  route: readonly Position[],
  kmh: number,
  start: number,
  hours: number,
  working: boolean,
  everyS: number,
): Point[] => {
  const out = driveRoute(next, [depot, route[0] as Position], TRANSIT_KMH, start, false, undefined, everyS);
  const work = driveRoute(next, route, kmh, out.end, working, hours * HOUR_MS, everyS);
  const back = driveRoute(next, [work.at, depot], TRANSIT_KMH, work.end, false, undefined, everyS);
  return [...out.points, ...work.points, ...back.points];
};

/**
 * Simulated GPS of the demo fleet on `date`, as the trackers' gateway would send it: one record per
 * vehicle and hour (by default). Sweepers and washers sweep a north–south road before dawn and a west–east road in
 * the afternoon (5–8 km/h, working), a few miss a day; sprinklers spray the trunk roads at noon;
 * garbage trucks drive their morning round (not cleaning). Cut at `now`. Trackers report every
 * `everyS` seconds (at most 120, so consecutive working points still join into working pieces), and
 * each record holds `hoursPerRecord` local hours of one vehicle's points.
 */
export const demoTracks = (
  date: string,
  timeZone: string,
  now: number,
  everyS = REPORT_EVERY_S,
  hoursPerRecord = 1,
): SanitationRecord[] => {
  const next = random(seedOf(date) + 13);
  const dayStart = zonedTime(date, 0, timeZone);
  const rotation = seedOf(date) % ROAD_LINES;
  const records: SanitationRecord[] = [];
  for (const vehicle of demoVehicles()) {
    const index = demoDistricts.findIndex((district) => district.code === vehicle.district);
    const origin = districtOrigin(index);
    const depot: Position = [origin.lon, origin.lat];
    const number = Number(vehicle.vehicleId.split('-').at(-1)) - 1;
    const points: Point[] = [];
    if (vehicle.type === 'sweeper' || vehicle.type === 'washer') {
      if (next() < 0.08) continue; // off today
      const lane = (number + (vehicle.type === 'washer' ? 5 : 0) + rotation + index) % ROAD_LINES;
      const kmh = 5 + next() * 3;
      points.push(
        ...shift(
          next,
          depot,
          backAndForth(roadLine(index, lane, true)),
          kmh,
          dayStart + (5 + next() * 0.5) * HOUR_MS,
          2 + next(),
          true,
          everyS,
        ),
        ...shift(
          next,
          depot,
          backAndForth(roadLine(index, (lane + 3) % ROAD_LINES, false)),
          kmh,
          dayStart + (14 + next() * 0.5) * HOUR_MS,
          1.5 + next() * 1.5,
          true,
          everyS,
        ),
      );
    } else if (vehicle.type === 'sprinkler') {
      const trunk = number % 2 === 0 ? 0 : 5;
      points.push(
        ...shift(
          next,
          depot,
          backAndForth(roadLine(index, trunk, number < 1)),
          15,
          dayStart + 11 * HOUR_MS,
          2,
          true,
          everyS,
        ),
      );
    } else {
      const round = [0, 5].filter((k) => roadLevel(k) === 1);
      points.push(
        ...shift(
          next,
          depot,
          round.flatMap((k) => roadLine(index, k, true)),
          20,
          dayStart + 6 * HOUR_MS,
          2,
          false,
          everyS,
        ),
      );
    }
    const byHour = new Map<number, Point[]>();
    for (const point of points) {
      const time = Date.parse(point.t);
      if (time > now) break;
      const hour = Math.floor((time - dayStart) / HOUR_MS / hoursPerRecord) * hoursPerRecord;
      const batch = byHour.get(hour);
      if (batch) batch.push(point);
      else byHour.set(hour, [point]);
    }
    for (const [hour, batch] of byHour) {
      records.push({
        eventId: `demo-gps-${vehicle.vehicleId}-${date}-${String(hour).padStart(2, '0')}-${batch.length}`,
        vehicleId: vehicle.vehicleId,
        points: batch,
      });
    }
  }
  return records;
};

/** What a real feed also brings: records that are malformed, to be rejected and quarantined. */
export const demoInvalidRecords = (date: string) => ({
  hotline: [
    { eventId: `demo-bad-${date}-1`, ticketId: 'demo-bad-1', type: 'received', category: 'noise' },
    {
      eventId: `demo-bad-${date}-2`,
      ticketId: 'demo-bad-2',
      type: 'exploded',
      occurredAt: `${date}T10:00:00+08:00`,
      category: 'noise',
    },
    {
      eventId: `demo-bad-${date}-3`,
      ticketId: 'demo-bad-3',
      type: 'received',
      occurredAt: `${date}T25:61:00+08:00`,
      category: 'noise',
    },
  ],
  'city-platform': [
    { eventId: `demo-bad-${date}-4`, type: 'reported', occurredAt: `${date}T09:00:00+08:00`, category: 'x' },
    {
      eventId: `demo-bad-${date}-5`,
      caseId: 'demo-bad-5',
      type: 'reported',
      occurredAt: `${date}T09:00:00+08:00`,
      category: 'road-damage',
      district: 'Not A Code!',
    },
  ],
  sanitation: [
    {
      eventId: `demo-bad-${date}-6`,
      vehicleId: 'dongcheng-sweeper-1',
      points: [{ t: `${date}T05:00:00+08:00`, lat: 123.4, lon: 116.35 }],
    },
  ],
});
