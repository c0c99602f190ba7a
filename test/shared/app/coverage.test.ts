import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTrackMessages } from '#shared/app/coverage';
import { sanitationReferenceLoader } from '#shared/app/load-reference';
import { recordAcceptedEvents } from '#shared/events/record-accepted';
import { asRecordPoints, drive, type MetricPoint, testRoads } from '../../support/metric-city.ts';
import { RecordingPublisher } from '../../support/recording-publisher.ts';
import { createTestTables } from '../../support/tables.ts';

let db: Awaited<ReturnType<typeof createTestTables>>;
const zone = 'Asia/Shanghai';
const publisher = new RecordingPublisher();
let deps: Parameters<typeof processTrackMessages>[1];

beforeAll(async () => {
  db = await createTestTables();
  await db.reference.put('roads', testRoads, 1);
  await db.reference.put(
    'vehicles',
    ['sw1', 'sw2', 'sw3', 'sw4'].map((vehicleId) => ({ vehicleId, type: 'sweeper', district: 'east' })),
    1,
  );
  deps = { ...db, publisher, loadSanitation: sanitationReferenceLoader(db.reference), timeZone: zone };
});
afterAll(async () => db.drop());

/** SQS messages as the bus delivers an accepted batch (in parts of 1000 points). */
const messages = (vehicleId: string, eventId: string, points: readonly MetricPoint[]) =>
  recordAcceptedEvents('sanitation', '2026-03-02T01:00:00.000Z', {
    eventId,
    vehicleId,
    points: asRecordPoints(points),
  }).map((event) => ({
    id: randomUUID(),
    body: JSON.stringify({
      id: randomUUID(),
      source: 'cityhub.ingest',
      'detail-type': event.definition.detailType,
      time: '',
      detail: event.detail,
    }),
  }));

const nine = Date.parse('2026-03-02T09:00:00+08:00');
const mainRoadTrip = drive([-30, 0], [230, 0], 6, nine);

const stateOf = async (vehicleId: string, day = '2026-03-02') => ({
  summary: await db.sanitation.getSummary(day, vehicleId),
  coverage: (await db.sanitation.listCoverage(day, 'east')).map((segment) => [
    segment.segmentId,
    segment.vehicles[vehicleId],
  ]),
});

describe('the coverage consumer on DynamoDB Local', () => {
  it('stores a batch, covers its vehicle-day and reports the day changed', async () => {
    const outcome = await processTrackMessages(messages('sw1', 'b1', mainRoadTrip), deps);
    expect(outcome).toEqual({ changedDays: ['2026-03-02'], failedMessages: [], failures: [] });
    const { summary, coverage } = await stateOf('sw1');
    expect(summary?.workingMs).toBe((mainRoadTrip.length - 1) * 10_000);
    expect(coverage.map(([segmentId]) => segmentId)).toEqual(['main']);
  });

  it('changes nothing when the same batch arrives again', async () => {
    const before = await stateOf('sw1');
    const outcome = await processTrackMessages(messages('sw1', 'b1', mainRoadTrip), deps);
    expect(outcome.changedDays).toEqual([]);
    expect(await stateOf('sw1')).toEqual(before);
  });

  it('gives the same coverage whatever order the batches arrive in', async () => {
    const parts = [mainRoadTrip.slice(0, 9), mainRoadTrip.slice(9, 18), mainRoadTrip.slice(18)];
    for (const [index, part] of parts.entries())
      await processTrackMessages(messages('sw2', `p${index}`, part), deps);
    for (const index of [2, 0, 1])
      await processTrackMessages(messages('sw3', `p${index}`, parts[index] ?? []), deps);
    const inOrder = await stateOf('sw2');
    const shuffled = await stateOf('sw3');
    expect(shuffled.summary).toEqual({ ...inOrder.summary, vehicleId: 'sw3' });
    expect(shuffled.coverage.map(([, bitmap]) => bitmap)).toEqual(
      inOrder.coverage.map(([, bitmap]) => bitmap),
    );
    expect((await stateOf('sw1')).coverage).toEqual(inOrder.coverage.map(([id, bitmap]) => [id, bitmap]));
  });

  it('splits a batch across local midnight and gives each piece to the day it starts', async () => {
    const midnight = Date.parse('2026-03-03T00:00:00+08:00');
    const trip = drive([-30, 0], [230, 0], 6, midnight - 35_000);
    await processTrackMessages(messages('sw4', 'night', trip), deps);
    expect((await db.sanitation.getSummary('2026-03-02', 'sw4'))?.workingMs).toBe(40_000);
    expect((await db.sanitation.getSummary('2026-03-03', 'sw4'))?.workingMs).toBe((trip.length - 5) * 10_000);
  });

  it('carries a batch of 2500 points in three bus events and stores them all', async () => {
    const long = drive([-30, 0], [230, 0], 0.37, nine, 1).slice(0, 2500);
    const parts = messages('sw5', 'long', long);
    expect(parts).toHaveLength(3);
    await processTrackMessages(parts, deps);
    expect(await db.sanitation.points('sw5', '2026-03-02')).toHaveLength(2500);
  });

  it('leaves a vehicle-day another consumer is recomputing for a retry, and takes it once free', async () => {
    const now = Date.now();
    expect(await db.sanitation.lease('sw2', '2026-03-02', 'someone-else', now, 120)).toBe(true);
    const busy = await processTrackMessages(messages('sw2', 'late', mainRoadTrip), deps);
    expect(busy.failedMessages).toHaveLength(1);
    await db.sanitation.release('sw2', '2026-03-02', 'someone-else');
    const free = await processTrackMessages(messages('sw2', 'late', mainRoadTrip), deps);
    expect(free.failedMessages).toEqual([]);
  });

  it('reports an unreadable message as failed and keeps going', async () => {
    const outcome = await processTrackMessages(
      [{ id: 'bad', body: '{"detail": 1}' }, ...messages('sw1', 'b2', mainRoadTrip)],
      deps,
    );
    expect(outcome.failedMessages).toEqual(['bad']);
  });
});
