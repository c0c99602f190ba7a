import { describe, expect, it } from 'vitest';
import {
  DEMO_DAYS,
  demoAreas,
  demoCases,
  demoFeeds,
  demoRoads,
  demoTickets,
  demoTracks,
  dirtyFeed,
  HISTORY_REPORT_EVERY_S,
  recordTime,
  TICKETS_PER_DAY,
} from '#infra/local/demo';
import { DISTRICT_SIZE, demoCity, demoDistricts, demoVehicles, districtOrigin } from '#infra/local/demo-city';
import { demoInvalidRecords } from '#infra/local/demo-feeds';
import { HOUR_MS, zonedTime } from '#shared/domain/time';
import { recordSchemas } from '#shared/schemas/ingest';
import { areasSchema, roadsSchema, vehiclesSchema } from '#shared/schemas/reference';

const DAY = '2026-03-02';
const ZONE = 'Asia/Shanghai';
const END = Date.parse('2026-03-10T00:00:00Z');

describe('the demo city', () => {
  it('registers valid areas, roads and vehicles for every district', () => {
    const areas = areasSchema.parse(demoAreas());
    expect(
      areas.features.filter((f) => f.properties.level === 'district').map((f) => f.properties.code),
    ).toEqual(demoDistricts.map((d) => d.code));
    const roads = roadsSchema.parse(demoRoads());
    expect(roads.features).toHaveLength(4 * 10 * 11 * 2);
    // Every road lies in its district's street, and alleys (level 4) are not planned.
    for (const road of roads.features) {
      expect(demoCity[road.properties.district]).toContain(road.properties.street);
      expect(road.properties.planned).toBe(road.properties.level !== 4);
    }
    const vehicles = vehiclesSchema.parse(demoVehicles());
    expect(vehicles).toHaveLength(44);
    expect(new Set(vehicles.map((v) => v.type))).toEqual(
      new Set(['sweeper', 'washer', 'sprinkler', 'garbage_truck']),
    );
  });

  it('simulates the same valid day every time, cut at now', () => {
    const tickets = demoTickets(DAY, ZONE, END);
    const cases = demoCases(DAY, ZONE, END);
    const tracks = demoTracks(DAY, ZONE, END);
    expect(demoTickets(DAY, ZONE, END)).toEqual(tickets);
    expect(demoTracks(DAY, ZONE, END)).toEqual(tracks);
    for (const record of tickets) expect(recordSchemas.hotline.safeParse(record).success).toBe(true);
    for (const record of cases) expect(recordSchemas['city-platform'].safeParse(record).success).toBe(true);
    for (const record of tracks) expect(recordSchemas.sanitation.safeParse(record).success).toBe(true);
    expect(new Set(tickets.map((t) => t.ticketId)).size).toBe(400);
    expect(new Set(cases.map((c) => c.caseId)).size).toBe(150);

    const noon = zonedTime(DAY, 12 * 60, ZONE);
    expect(demoTickets(DAY, ZONE, noon).every((t) => Date.parse(t.occurredAt) <= noon)).toBe(true);
    const morningTracks = demoTracks(DAY, ZONE, noon);
    expect(morningTracks.length).toBeGreaterThan(0);
    expect(morningTracks.every((r) => r.points.every((p) => Date.parse(p.t) <= noon))).toBe(true);
  });

  it('gives the hotline a daily rhythm: office hours busier than the night', () => {
    const dayStart = zonedTime(DAY, 0, ZONE);
    const received = demoTickets(DAY, ZONE, END).filter((t) => t.type === 'received');
    const inHours = (from: number, to: number) =>
      received.filter((t) => {
        const hour = (Date.parse(t.occurredAt) - dayStart) / HOUR_MS;
        return hour >= from && hour < to;
      }).length;
    expect(inHours(9, 11)).toBeGreaterThan(4 * inHours(1, 3));
  });

  it('drives sweepers and washers on shift, working, inside their district', () => {
    const tracks = demoTracks(DAY, ZONE, END);
    const types = new Map(demoVehicles().map((v) => [v.vehicleId, v]));
    const dayStart = zonedTime(DAY, 0, ZONE);
    const cleaners = tracks.filter((r) => ['sweeper', 'washer'].includes(types.get(r.vehicleId)?.type ?? ''));
    const points = cleaners.flatMap((r) => r.points);
    const working = points.filter((p) => p.working);
    expect(working.length).toBeGreaterThan(0.7 * points.length);
    for (const point of working) {
      const hour = (Date.parse(point.t) - dayStart) / HOUR_MS;
      expect((hour >= 5 && hour < 9) || (hour >= 14 && hour < 18)).toBe(true);
      expect(point.speedKmh).toBeLessThanOrEqual(8 * 1.1);
    }
    // Every point of a vehicle lies in its district (depots are at the south-west corners), give or take the GPS noise.
    for (const record of tracks) {
      const index = demoDistricts.findIndex((d) => d.code === types.get(record.vehicleId)?.district);
      const origin = districtOrigin(index);
      for (const point of record.points) {
        expect(point.lon).toBeGreaterThan(origin.lon - 0.0001);
        expect(point.lon).toBeLessThan(origin.lon + DISTRICT_SIZE + 0.0001);
        expect(point.lat).toBeGreaterThan(origin.lat - 0.0001);
        expect(point.lat).toBeLessThan(origin.lat + DISTRICT_SIZE + 0.0001);
      }
    }
    // Some of the 32 sweepers and washers miss a day, most come.
    const present = new Set(cleaners.map((r) => r.vehicleId)).size;
    expect(present).toBeGreaterThan(24);
    expect(present).toBeLessThanOrEqual(32);
    // Records of a vehicle never overlap and are within one local hour.
    for (const record of tracks) {
      const times = record.points.map((p) => Date.parse(p.t));
      expect(Math.floor((Math.max(...times) - dayStart) / HOUR_MS)).toBe(
        Math.floor((Math.min(...times) - dayStart) / HOUR_MS),
      );
    }
  });

  it('sends a dirty feed: every record, some late, some twice, the invalid ones mixed in', () => {
    const records = demoTickets(DAY, ZONE, END);
    const invalid = demoInvalidRecords(DAY).hotline;
    const feed = dirtyFeed(records, invalid, 1);
    expect(new Set(feed)).toEqual(new Set([...records, ...invalid]));
    const repeats = feed.length - records.length - invalid.length;
    expect(repeats).toBeGreaterThan(records.length / 60);
    expect(repeats).toBeLessThan(records.length / 15);
    let outOfOrder = 0;
    for (let i = 1; i < feed.length; i += 1)
      if (recordTime(feed[i]) < recordTime(feed[i - 1])) outOfOrder += 1;
    expect(outOfOrder).toBeGreaterThan(records.length / 40);
    for (const record of invalid) expect(recordSchemas.hotline.safeParse(record).success).toBe(false);
  });

  it('sends 30 days of history, the same volume every day, older GPS sparser but still joined', () => {
    const now = zonedTime(DAY, 15 * 60, ZONE);
    const { days, feeds } = demoFeeds(ZONE, now);
    expect(days).toHaveLength(DEMO_DAYS);
    expect(days.at(-1)).toBe(DAY);
    expect(demoFeeds(ZONE, now)).toEqual({ days, feeds });
    const tickets = feeds.hotline.filter((record) => recordSchemas.hotline.safeParse(record).success) as {
      ticketId: string;
      type: string;
    }[];
    const ticketDays = new Map<string, number>();
    for (const ticket of new Set(tickets.map((t) => t.ticketId)))
      ticketDays.set(ticket.slice(5, 15), (ticketDays.get(ticket.slice(5, 15)) ?? 0) + 1);
    expect([...ticketDays.keys()].sort()).toEqual(days);
    // Every finished day has the same number of tickets; today has those received up to now.
    for (const day of days.slice(0, -1)) expect(ticketDays.get(day)).toBe(TICKETS_PER_DAY);
    const gps = feeds.sanitation.filter((record) => recordSchemas.sanitation.safeParse(record).success) as {
      vehicleId: string;
      points: { t: string; working?: boolean }[];
    }[];
    const oldest = gps.filter((record) => record.points[0]?.t.startsWith(days[0] as string));
    const recent = gps.filter((record) => (record.points[0]?.t ?? '') >= `${days.at(-2)}`);
    expect(oldest.length).toBeGreaterThan(0);
    // Older days: one record per vehicle and half day, points 110 s apart (working pieces join up to 120 s).
    const step = HISTORY_REPORT_EVERY_S * 1000;
    expect(step).toBeLessThanOrEqual(120_000);
    for (const record of oldest) {
      const times = record.points.map((p) => Date.parse(p.t));
      for (let i = 1; i < times.length; i += 1)
        expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(step);
      expect(Math.min(...times.slice(1).map((t, i) => t - (times[i] as number)))).toBe(step);
    }
    expect(oldest.length).toBeLessThan(recent.length);
  });
});
