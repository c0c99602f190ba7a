import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTrackMessages } from '#shared/app/coverage';
import { sanitationReferenceLoader } from '#shared/app/load-reference';
import { exactSanitationDay, loadSanitationDay } from '#shared/app/sanitation-day';
import { buildRoadNetwork } from '#shared/domain/sanitation/road-network';
import { GPS_SHARDS, shardOf } from '#shared/domain/sanitation/shards';
import { coverageContext, exactVehicleDay, toRow } from '#shared/domain/sanitation/vehicle-day';
import { recordAcceptedEvents } from '#shared/events/record-accepted';
import { asRecordPoints, drive, lat, lon, type MetricPoint, testRoads } from '../../support/metric-city.ts';
import { RecordingPublisher } from '../../support/recording-publisher.ts';
import { createTestTables } from '../../support/tables.ts';

let db: Awaited<ReturnType<typeof createTestTables>>;
const zone = 'Asia/Shanghai';
const publisher = new RecordingPublisher();
let deps: Parameters<typeof processTrackMessages>[1];
let dayDeps: Parameters<typeof loadSanitationDay>[1];

const sweepers = ['sw1', 'sw2', 'sw3', 'sw4', 'sw5', 'sw6', 'sw7', 'sw8', 'sw9'];
beforeAll(async () => {
  db = await createTestTables();
  await db.reference.put('roads', testRoads, 1);
  await db.reference.put(
    'vehicles',
    [
      ...sweepers.map((vehicleId) => ({ vehicleId, type: 'sweeper', district: 'east' })),
      { vehicleId: 'truck', type: 'garbage_truck', district: 'east' },
    ],
    1,
  );
  const loadSanitation = sanitationReferenceLoader(db.reference);
  deps = { ...db, publisher, loadSanitation, timeZone: zone };
  dayDeps = { ...db, loadSanitation, timeZone: zone, now: Date.now };
});
afterAll(async () => db.drop());

/** SQS messages as the bus delivers accepted records (packed, at most 60 KB of records each). */
const messages = (records: { vehicleId: string; eventId: string; points: readonly MetricPoint[] }[]) =>
  recordAcceptedEvents(
    'sanitation',
    '2026-03-02T01:00:00.000Z',
    records.map(({ vehicleId, eventId, points }) => ({ eventId, vehicleId, points: asRecordPoints(points) })),
  ).map((event) => ({
    id: randomUUID(),
    body: JSON.stringify({
      id: randomUUID(),
      source: 'cityhub.ingest',
      'detail-type': event.definition.detailType,
      time: '',
      detail: event.detail,
    }),
  }));
const one = (vehicleId: string, eventId: string, points: readonly MetricPoint[]) =>
  messages([{ vehicleId, eventId, points }]);

const nine = Date.parse('2026-03-02T09:00:00+08:00');
const mainRoadTrip = drive([-30, 0], [230, 0], 6, nine);

/** A vehicle's head and cells on a day, as the log holds them. */
const vehicleDay = async (vehicleId: string, day = '2026-03-02') => {
  const shard = shardOf(vehicleId);
  const head = (await db.gps.readHead(day, shard)).vehicles.get(vehicleId);
  const entries = await db.gps.readEntries(day, shard, 0);
  const cells: Record<string, number[]> = {};
  for (const change of entries.flatMap((entry) => entry.changes).filter((c) => c.vehicleId === vehicleId)) {
    if (change.replace) for (const key of Object.keys(cells)) delete cells[key];
    for (const [segmentId, ranges] of Object.entries(change.cells))
      cells[segmentId] = [...(cells[segmentId] ?? []), ...ranges];
  }
  return { head, segments: Object.keys(cells).sort() };
};

/** The day's sanitation facts as the recompute reads them, and as recomputed from the raw points. */
const bothWays = async (day: string) => {
  const incremental = await loadSanitationDay(day, dayDeps);
  const exact = (await exactSanitationDay(day, dayDeps)).facts;
  const plain = (facts: typeof incremental) => ({
    vehicles: [...(facts?.vehicles ?? new Map())].sort(),
    cleanedCells: [...(facts?.cleanedCells ?? new Map())].sort(),
  });
  return { incremental: plain(incremental), exact: plain(exact) };
};

describe('the coverage consumer on DynamoDB Local', () => {
  it('stores a batch, covers its vehicle-day and reports the day changed', async () => {
    const outcome = await processTrackMessages(one('sw1', 'b1', mainRoadTrip), deps);
    expect(outcome).toEqual({ changedDays: ['2026-03-02'], failedMessages: [], failures: [] });
    const { head, segments } = await vehicleDay('sw1');
    expect(head?.workingMs).toBe((mainRoadTrip.length - 1) * 10_000);
    expect(head?.points).toBe(mainRoadTrip.length);
    expect(segments).toEqual(['main']);
  });

  it('changes nothing when the same batch arrives again, and still announces the day', async () => {
    const before = await vehicleDay('sw1');
    publisher.published.splice(0);
    const outcome = await processTrackMessages(one('sw1', 'b1', mainRoadTrip), deps);
    expect(outcome.changedDays).toEqual([]);
    expect(await vehicleDay('sw1')).toEqual(before);
    expect(publisher.take('facts.changed')).toEqual([{ days: ['2026-03-02'], reason: 'coverage changed' }]);
  });

  it('gives the same coverage whatever order the batches arrive in', async () => {
    const parts = [mainRoadTrip.slice(0, 9), mainRoadTrip.slice(9, 18), mainRoadTrip.slice(18)];
    for (const [index, part] of parts.entries())
      await processTrackMessages(one('sw2', `p${index}`, part), deps);
    for (const index of [2, 0, 1])
      await processTrackMessages(one('sw3', `p${index}`, parts[index] ?? []), deps);
    const inOrder = await vehicleDay('sw2');
    const shuffled = await vehicleDay('sw3');
    expect(shuffled).toEqual(inOrder);
    expect(inOrder).toEqual(await vehicleDay('sw1'));
  });

  it('splits a batch across local midnight and gives each piece to the day it starts', async () => {
    const midnight = Date.parse('2026-03-03T00:00:00+08:00');
    const trip = drive([-30, 0], [230, 0], 6, midnight - 35_000);
    await processTrackMessages(one('sw4', 'night', trip), deps);
    expect((await vehicleDay('sw4', '2026-03-02')).head?.workingMs).toBe(40_000);
    expect((await vehicleDay('sw4', '2026-03-03')).head?.workingMs).toBe((trip.length - 5) * 10_000);
  });

  it('links the first point of a day to the day before when it comes in a later batch', async () => {
    const midnight = Date.parse('2026-03-03T00:00:00+08:00');
    const trip = drive([-30, 0], [230, 0], 6, midnight - 35_000);
    await processTrackMessages(one('sw5', 'evening', trip.slice(0, 4)), deps);
    expect((await vehicleDay('sw5', '2026-03-02')).head?.workingMs).toBe(30_000);
    await processTrackMessages(one('sw5', 'morning', trip.slice(4)), deps);
    expect(await vehicleDay('sw5', '2026-03-02')).toEqual(await vehicleDay('sw4', '2026-03-02'));
    expect((await vehicleDay('sw5', '2026-03-03')).head?.workingMs).toBe((trip.length - 5) * 10_000);
  });

  it('carries a batch of 2500 points in several bus events and stores them all', async () => {
    const long = drive([-30, 0], [230, 0], 0.37, nine, 1).slice(0, 2500);
    const parts = one('sw6', 'long', long);
    expect(parts.length).toBeGreaterThan(1);
    await processTrackMessages(parts, deps);
    expect((await vehicleDay('sw6')).head?.points).toBe(2500);
  });

  it('packs a minute of many vehicles into few messages and one log entry per shard', async () => {
    const fleet = Array.from({ length: 40 }, (_, index) => ({
      vehicleId: `fleet-${index}`,
      eventId: `fleet-${index}-m0`,
      points: drive([-30, 0], [230, 0], 6, nine + index * 1000).slice(0, 7),
    }));
    const packed = messages(fleet);
    expect(packed).toHaveLength(1);
    // The shards' heads are read in one call for the day, not one per shard.
    const reads: string[] = [];
    const gps = {
      ...db.gps,
      readHead: (day: string, shard: number) => {
        reads.push(`head ${day}#${shard}`);
        return db.gps.readHead(day, shard);
      },
      readHeads: (day: string, wanted?: readonly number[]) => {
        reads.push(`heads ${day} ${wanted?.length}`);
        return db.gps.readHeads(day, wanted);
      },
      readEntries: db.gps.readEntries.bind(db.gps),
      append: db.gps.append.bind(db.gps),
      writeHead: db.gps.writeHead.bind(db.gps),
    };
    await processTrackMessages(packed, { ...deps, gps });
    const shards = new Set(fleet.map(({ vehicleId }) => shardOf(vehicleId)));
    expect(reads).toEqual([`heads 2026-03-02 ${shards.size}`]);
    for (const shard of shards) {
      const entries = await db.gps.readEntries('2026-03-02', shard, 0);
      const fleetEntries = entries.filter((entry) =>
        entry.changes.some((change) => change.vehicleId.startsWith('fleet-')),
      );
      expect(fleetEntries).toHaveLength(1);
    }
    expect(shards.size).toBeLessThanOrEqual(GPS_SHARDS);
  });

  it('lets two consumers extend one shard at once: the later one retries from the stored state', async () => {
    const trips = ['sw7', 'sw8'].map((vehicleId) => ({ vehicleId, points: mainRoadTrip }));
    const outcomes = await Promise.all(
      trips.map(({ vehicleId, points }) => processTrackMessages(one(vehicleId, 'c1', points), deps)),
    );
    expect(outcomes.flatMap((outcome) => outcome.failedMessages)).toEqual([]);
    expect((await vehicleDay('sw7')).head).toEqual((await vehicleDay('sw1')).head);
    expect((await vehicleDay('sw8')).head).toEqual((await vehicleDay('sw1')).head);
  });

  it('keeps the points of a vehicle that does not clean roads, without coverage', async () => {
    await processTrackMessages(one('truck', 't1', mainRoadTrip), deps);
    const { head, segments } = await vehicleDay('truck');
    expect(head?.points).toBe(mainRoadTrip.length);
    expect(head?.operatingM).toBe(0);
    expect(segments).toEqual([]);
  });

  it('gives the recompute the same day as a recompute from the raw points', async () => {
    const { incremental, exact } = await bothWays('2026-03-02');
    expect(incremental).toEqual(exact);
    expect(incremental.cleanedCells.length).toBeGreaterThan(0);
  });

  it('reports an unreadable message as failed and keeps going', async () => {
    const outcome = await processTrackMessages(
      [{ id: 'bad', body: '{"detail": 1}' }, ...one('sw1', 'b2', mainRoadTrip)],
      deps,
    );
    expect(outcome.failedMessages).toEqual(['bad']);
  });
});

/** A deterministic pseudo-random sequence (mulberry32). */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

describe('incremental coverage equals the exact recompute', () => {
  it('for tracks sent in random batches, out of order, resent and across midnight', async () => {
    const day = '2026-03-05';
    const midnight = Date.parse('2026-03-06T00:00:00+08:00');
    let replaces = 0;
    for (let seed = 1; seed <= 6; seed += 1) {
      const next = random(seed);
      const vehicleId = sweepers[seed % sweepers.length] as string;
      // A wandering track around the test roads: some points too fast, some not working, gaps of up to 3 min.
      const start = seed % 2 === 0 ? midnight - 20 * 60_000 : Date.parse(`${day}T10:00:00+08:00`);
      const points: MetricPoint[] = [];
      let t = start;
      let x = 0;
      let y = 0;
      for (let i = 0; i < 160; i += 1) {
        t += 1000 * (5 + Math.floor(next() * (next() < 0.05 ? 180 : 25)));
        const axis = next() < 0.5;
        x = Math.max(-20, Math.min(220, x + (axis ? (next() - 0.3) * 80 : (next() - 0.5) * 6)));
        y = Math.max(-110, Math.min(110, y + (axis ? (next() - 0.5) * 6 : (next() - 0.5) * 60)));
        points.push({ t, x, y, ...(next() < 0.1 ? { working: false } : {}) });
      }
      // Batches of random size, delivered mostly in order with some late, some twice.
      const batches: MetricPoint[][] = [];
      for (let from = 0; from < points.length; ) {
        const size = 1 + Math.floor(next() * 12);
        batches.push(points.slice(from, from + size));
        from += size;
      }
      for (let i = 0; i < batches.length; i += 1)
        if (next() < 0.15 && i + 2 < batches.length) {
          const [late] = batches.splice(i, 1);
          batches.splice(i + 2, 0, late ?? []);
        }
      const deliveries = [...batches, ...batches.filter(() => next() < 0.1)];
      for (const [index, batch] of deliveries.entries())
        await processTrackMessages(one(vehicleId, `s${seed}-${index}`, batch), deps);
      const shard = shardOf(vehicleId);
      const logged = [day, '2026-03-06'].map(async (checked) => db.gps.readEntries(checked, shard, 0));
      replaces += (await Promise.all(logged))
        .flat()
        .flatMap((entry) => entry.changes)
        .filter((change) => change.vehicleId === vehicleId && change.replace).length;
      for (const checked of [day, '2026-03-06']) {
        const { incremental, exact } = await bothWays(checked);
        expect(incremental, `seed ${seed}, ${checked}`).toEqual(exact);
      }
    }
    // The late and resent batches went through the exact recompute, not only the extension.
    expect(replaces).toBeGreaterThan(5);
  }, 120_000);
});

describe('vehicle-days covered before the GPS log', () => {
  const day = '2026-03-09';
  const morning = drive([-30, 0], [230, 0], 6, Date.parse(`${day}T08:00:00+08:00`));
  const afternoon = drive([230, 0], [-30, 0], 6, Date.parse(`${day}T15:00:00+08:00`));
  const rowsOf = (points: readonly MetricPoint[]) =>
    asRecordPoints(points).map((point) =>
      toRow({ t: Date.parse(point.t), lat: point.lat, lon: point.lon, working: point.working }),
    );

  /** Stores a vehicle-day as the coverage engine before the GPS log left it: points, summary, bitmaps. */
  const storeLegacy = async (vehicleId: string, points: readonly MetricPoint[]) => {
    const network = buildRoadNetwork(testRoads);
    const exact = exactVehicleDay(day, rowsOf(points), undefined, true, coverageContext(network, zone));
    if (!exact) throw new Error('no points');
    const put = (item: Record<string, unknown>) =>
      db.documents.send(new PutCommand({ TableName: db.names.facts, Item: item }));
    await put({ pk: `track#${vehicleId}#${day}`, sk: 'old#0', data: JSON.stringify(rowsOf(points)) });
    await put({ pk: 'trackdays', sk: `${day}#${vehicleId}`, day, vehicleId });
    await put({
      pk: `vehicleday#${day}`,
      sk: vehicleId,
      vehicleId,
      day,
      operatingM: exact.head.operatingM,
      workingMs: exact.head.workingMs,
      digests: {},
    });
    for (const [segmentId, ranges] of Object.entries(exact.cells)) {
      const segment = network.segments[network.bySegmentId.get(segmentId) ?? -1];
      if (!segment) continue;
      const bitmap = new Uint8Array(Math.ceil(segment.cells / 8));
      for (let i = 0; i + 1 < ranges.length; i += 2)
        for (let cell = ranges[i] as number; cell <= (ranges[i + 1] as number); cell += 1)
          bitmap[cell >> 3] = (bitmap[cell >> 3] as number) | (1 << (cell & 7));
      await db.documents
        .send(
          new UpdateCommand({
            TableName: db.names.facts,
            Key: { pk: `coverage#${day}#${segment.district}`, sk: segmentId },
            UpdateExpression: 'SET vehicles.#v = :bitmap',
            ExpressionAttributeNames: { '#v': vehicleId },
            ExpressionAttributeValues: { ':bitmap': Buffer.from(bitmap).toString('base64') },
          }),
        )
        .catch(() =>
          put({
            pk: `coverage#${day}#${segment.district}`,
            sk: segmentId,
            segmentId,
            vehicles: { [vehicleId]: Buffer.from(bitmap).toString('base64') },
          }),
        );
    }
    return exact;
  };

  it('counts them as stored, moves a vehicle-day into the log with its next batch, and stays exact', async () => {
    const earlier = await storeLegacy('sw1', morning);
    const other = await storeLegacy('sw2', morning);
    const before = await loadSanitationDay(day, dayDeps);
    expect(before?.vehicles.get('sw1')?.operatingM).toBe(earlier.head.operatingM);

    // sw1 drives again after the upgrade: its morning joins the log with the afternoon.
    await processTrackMessages(one('sw1', 'after-upgrade', afternoon), deps);
    const head = (await db.gps.readHead(day, shardOf('sw1'))).vehicles.get('sw1');
    expect(head?.points).toBe(morning.length + afternoon.length);
    const whole = exactVehicleDay(
      day,
      rowsOf([...morning, ...afternoon]),
      undefined,
      true,
      coverageContext(buildRoadNetwork(testRoads), zone),
    );
    expect(head?.operatingM).toBe(whole?.head.operatingM);

    // sw2 sent nothing since: its summary and bitmaps still count beside the log.
    const after = await loadSanitationDay(day, dayDeps);
    expect(after?.vehicles.get('sw2')?.operatingM).toBe(other.head.operatingM);
    expect(after?.vehicles.get('sw1')?.operatingM).toBe(whole?.head.operatingM);
    const { incremental, exact } = await bothWays(day);
    expect(incremental).toEqual(exact);
    expect([...(after?.cleanedCells.values() ?? [])].reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);

    // A registry change reprocesses both, the one still before the log included.
    expect(await db.gps.listVehicleDays()).toEqual(
      expect.arrayContaining([
        { day, vehicleId: 'sw1' },
        { day, vehicleId: 'sw2' },
      ]),
    );
  });
});

describe('the coverage consumer after partial failures', () => {
  const day = '2026-03-12';
  const trip = drive([-30, 0], [230, 0], 6, Date.parse(`${day}T10:00:00+08:00`));

  it('writes a head that lags its log on the retry, even when the retry finds nothing new', async () => {
    const failing = {
      ...deps,
      gps: Object.assign(Object.create(db.gps), {
        writeHead: () => Promise.reject(new Error('throttled')),
      }) as typeof db.gps,
    };
    const batch = one('sw6', 'lag', trip);
    expect((await processTrackMessages(batch, failing)).failedMessages).toHaveLength(1);
    const shard = shardOf('sw6');
    expect((await db.gps.readHead(day, shard)).vehicles.get('sw6')).toBeUndefined();
    // The retry finds its points stored: nothing to append, but the head is brought up to the log.
    expect((await processTrackMessages(batch, deps)).failedMessages).toEqual([]);
    const entries = await db.gps.readEntries(day, shard, 0);
    const head = await db.gps.readHead(day, shard);
    expect(head.version).toBe(entries.at(-1)?.version);
    expect(head.vehicles.get('sw6')?.points).toBe(trip.length);
    expect(await db.gps.listVehicleDays()).toContainEqual({ day, vehicleId: 'sw6' });
    const { incremental, exact } = await bothWays(day);
    expect(incremental).toEqual(exact);
  });

  it('ends a day on the point it was linked to while the next day has no head yet', async () => {
    const midnight = Date.parse('2026-03-13T00:00:00+08:00');
    const evening = drive([-30, 0], [230, 0], 6, midnight - 60_000).filter((point) => point.t < midnight);
    await processTrackMessages(one('sw7', 'evening', evening.slice(0, 3)), deps);
    // A consumer linked the day to the next day's first point, then stopped before writing that day.
    const shard = shardOf('sw7');
    const stored = await db.gps.readHead('2026-03-12', shard);
    const dayHead = (await db.gps.readHead('2026-03-12', shard)).vehicles.get('sw7');
    if (!dayHead) throw new Error('no head');
    const first = toRow({ t: midnight + 10_000, lat: lat(0), lon: lon(200) });
    const linked = { ...dayHead, next: first };
    const version = await db.gps.append('2026-03-12', shard, stored.version, [
      { vehicleId: 'sw7', head: linked, points: [], cells: {} },
    ]);
    await db.gps.writeHead('2026-03-12', shard, {
      version: version ?? 0,
      vehicles: new Map([...stored.vehicles, ['sw7', linked]]),
    });
    // A late point of the day is recomputed with the link kept.
    await processTrackMessages(one('sw7', 'late', evening.slice(3)), deps);
    expect((await db.gps.readHead('2026-03-12', shard)).vehicles.get('sw7')?.next).toEqual(first);
  });

  it('folds the union again when its items expired before its head, and stores it again', async () => {
    // A log whose later replace takes back cells an earlier entry added: only a fold gets that right.
    const shard = shardOf('sw6');
    const stored = await db.gps.readHead(day, shard);
    const head = stored.vehicles.get('sw6');
    if (!head) throw new Error('no head for sw6');
    const version = await db.gps.append(day, shard, stored.version, [
      { vehicleId: 'sw6', head, points: [], cells: { north: [0, 199] } },
    ]);
    await db.gps.writeHead(day, shard, { version: version ?? 0, vehicles: stored.vehicles });
    await processTrackMessages(
      [
        {
          id: 'redo',
          body: JSON.stringify({
            id: 'e',
            source: 'cityhub.reference',
            'detail-type': 'coverage.reprocess-requested',
            time: '',
            detail: { vehicleDays: [{ vehicleId: 'sw6', day }], reason: 'test' },
          }),
        },
      ],
      deps,
    );
    await loadSanitationDay(day, dayDeps);
    const before = await db.coverageUnions.read(day);
    expect(before?.revision).toBeGreaterThan(0);
    const { Items = [] } = await db.documents.send(
      new QueryCommand({
        TableName: db.names.facts,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `covunion#${day}` },
      }),
    );
    for (const item of Items.filter((stored) => stored.sk !== 'head'))
      await db.documents.send(
        new DeleteCommand({ TableName: db.names.facts, Key: { pk: item.pk, sk: item.sk } }),
      );
    expect((await db.coverageUnions.read(day))?.incomplete).toBe(true);
    const { incremental, exact } = await bothWays(day);
    expect(incremental).toEqual(exact);
    const after = await db.coverageUnions.read(day);
    expect(after?.incomplete).toBeUndefined();
    expect(after?.revision).toBeGreaterThan(before?.revision ?? 0);
  });
});

describe('a GPS record announced again (its source resent it)', () => {
  it('is covered when its first announcement never arrived, and changes nothing when it did', async () => {
    const day = '2026-03-20';
    const trip = drive([-30, 0], [230, 0], 6, Date.parse(`${day}T09:00:00+08:00`));
    const announced = () => one('sw8', 'gps-resent', trip);
    // The first announcement dead-lettered: the resend's is the first the engine sees.
    expect(await vehicleDay('sw8', day)).toEqual({ head: undefined, segments: [] });
    expect((await processTrackMessages(announced(), deps)).failedMessages).toEqual([]);
    const covered = await vehicleDay('sw8', day);
    expect(covered.head?.points).toBe(trip.length);
    expect(covered.segments).not.toEqual([]);
    const entries = (await db.gps.readEntries(day, shardOf('sw8'), 0)).length;
    // A plain resend: the same points again append nothing and count once.
    const again = await processTrackMessages(announced(), deps);
    expect(again.failedMessages).toEqual([]);
    expect(again.changedDays).toEqual([]);
    expect((await db.gps.readEntries(day, shardOf('sw8'), 0)).length).toBe(entries);
    expect(await vehicleDay('sw8', day)).toEqual(covered);
  });
});
