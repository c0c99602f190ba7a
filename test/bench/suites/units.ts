/**
 * What one record costs on its whole path, against DynamoDB Local: DynamoDB read and write units
 * (ReturnConsumedCapacity on every call, test/bench/capacity.ts), EventBridge entries, SQS messages and
 * Lambda time, per accepted ticket event, case event and GPS record; and what one indicators recompute
 * costs per byte of facts it reads.
 *
 * The handler modules (functions/<name>/handler.ts) run in this process as the Lambdas do, with their own
 * clients: DynamoDB Local for the tables, the local bus (infra/local/bus.ts, the declared rules) for
 * PutEvents. Queues are driven here as SQS event source mappings would at the reference city's rates
 * (test/bench/cost-model.ts): the facts and fanout queues in the batches their windows gather at 3 entity
 * events a second. Hotline and city-platform send one record per request, as events happen.
 *
 * Phases: reference data (not counted); hotline tickets; city-platform cases; GPS as DESIGN's reference
 * sends it, a minute of the whole fleet (800 vehicles) per request, each coverage message consumed on
 * its own; GPS one request per vehicle-minute, coverage in the reference city's batches of 50; then one
 * recompute of a district-day of 2,500 tickets and 500 cases stored directly in the table, to measure a
 * recompute's units and time per byte read. The day's union of cleaned cells, which every recompute
 * run reads, is measured by covering the reference fleet's whole day on the reference roads.
 *
 * Supervision: the open-items index as the recompute keeps it (`indexOpenItems` with the facts the
 * facts consumer derives after each event, one event per run: at the reference rate an entity's events
 * never share a 40 s run); the supervise handler's minute sweep with nothing due and with items due
 * for each kind of notice, and the fanout of the notices; the notices of a reference day from the
 * workload's lifecycles under the hub's calendar and default thresholds.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, SQSEvent } from 'aws-lambda';
import { LocalBus } from '#infra/local/bus';
import { startDynamoDbLocal } from '#infra/local/dynamodb-local';
import { freePort } from '#infra/local/servers';
import { LocalStream } from '#infra/local/stream';
import { CohortLogStore } from '#shared/adapters/cohort-log-store';
import { createDocumentClient } from '#shared/adapters/dynamo';
import { ensureTable } from '#shared/adapters/table-definitions';
import { indexOpenItems } from '#shared/app/open-items';
import { refreshOpenOverdue } from '#shared/app/open-overdue';
import { createStorage, recomputeDepsOf, storageEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';
import { caseFacts, type EntityFacts, ticketFacts } from '#shared/domain/entity-facts';
import { buildRoadNetwork } from '#shared/domain/sanitation/road-network';
import { GPS_SHARDS } from '#shared/domain/sanitation/shards';
import { cleansRoads } from '#shared/domain/sanitation/track';
import { addCells, coverageContext, exactVehicleDay, toRow } from '#shared/domain/sanitation/vehicle-day';
import {
  isOpen,
  type NoticeMarks,
  nextNotice,
  noticeAt,
  type SupervisionContext,
  standingOf,
  supervisionView,
} from '#shared/domain/supervision';
import { HOUR_MS, toEpochMs } from '#shared/domain/time';
import { cityPlatformEventSchema, hotlineEventSchema, type Source } from '#shared/schemas/ingest';
import {
  type FunctionName,
  functions,
  type QueueName,
  queues,
  rules,
  streams,
  tables,
} from '#shared/topology';
import {
  CapacityMeter,
  instrumentDocumentClients,
  plainItemBytes,
  sumTallies,
  type TallyKey,
  type UnitTally,
} from '../capacity.ts';
import { averageBatch, type FeedPath, type RecomputePath, type SupervisionPath } from '../cost-model.ts';
import { type Figure, progress, runSuite } from '../figures.ts';
import {
  ADMIN_TOKEN,
  BENCH_BUS,
  BENCH_TABLES,
  benchContext,
  handlerEnv,
  httpEvent,
  signedIngestEvent,
} from '../lambda-env.ts';
import { referenceRoads, referenceVehicles } from '../reference-city.ts';
import {
  byOccurrence,
  caseLifecycles,
  cityTime,
  districtPlacement,
  REFERENCE_DAY,
  referenceAreas,
  ticketLifecycles,
  trackerMinutes,
} from '../workload.ts';

const SUITE = 'units';
const DAY = '2026-03-02';
/** The district-day whose recompute is measured, stored directly. */
const SEEDED_DAY = '2026-03-09';
/** Tickets of the seeded day stored after its first recompute, so the measured run changes every area. */
const SEEDED_LATER_TICKETS = 100;
const ZONE = 'Asia/Shanghai';
const TICKETS = Number(process.env.BENCH_UNITS_TICKETS ?? 100);
const CASES = Number(process.env.BENCH_UNITS_CASES ?? 40);
/** Vehicles and minutes of the GPS phases: the whole reference fleet, from 09:00. */
const FLEET = Number(process.env.BENCH_UNITS_FLEET ?? 800);
const FIRST_MINUTE = 9 * 60;
const FLEET_MINUTES = Number(process.env.BENCH_UNITS_FLEET_MINUTES ?? 10);
const VEHICLE_MINUTES = Number(process.env.BENCH_UNITS_VEHICLE_MINUTES ?? 2);
/** Requests the replies' stream gathers for one relay: 13.3 vehicle-minutes a second for its window. */
const VEHICLE_MINUTES_PER_RELAY = Math.round(
  (REFERENCE_DAY.vehicles / 60) * streams.replies.maxBatchingWindowSeconds,
);
/** Relayed events (one per relay) the coverage queue gathers in its 5 s window. */
const RELAYED_EVENTS_PER_COVERAGE_BATCH = Math.max(
  1,
  Math.floor(queues.coverage.maxBatchingWindowSeconds / streams.replies.maxBatchingWindowSeconds),
);
const RRU_PER_POINT_TARGET = 0.2;
const SEEDED_TICKETS = 2_500;
const SEEDED_CASES = 500;
const WRU_TARGET = 2;
const GB = 1024;

/** Entity events a day at the reference city (tickets and cases, ~4 events each). */
const ENTITY_EVENTS_PER_DAY = REFERENCE_DAY.eventsPerEntity * (REFERENCE_DAY.tickets + REFERENCE_DAY.cases);
const batchingOf = (queue: QueueName) => ({
  batchSize: queues[queue].batchSize,
  windowSeconds: queues[queue].maxBatchingWindowSeconds,
});
/** Batch sizes the facts and fanout queues see at the reference city's rate; coverage gets one vehicle-minute. */
const DRIVER_BATCH: Partial<Record<QueueName, number>> = {
  facts: Math.round(averageBatch(ENTITY_EVENTS_PER_DAY, batchingOf('facts'))),
  fanout: Math.round(averageBatch(ENTITY_EVENTS_PER_DAY, batchingOf('fanout'))),
  coverage: 1,
};
/** Days one recompute run covers at the reference city: today's cohort (half complete on average) and yesterday's. */
const DAYS_PER_RUN = 2;
const FULL_DAYS_READ_PER_RUN = 1.5;
/** Areas of the reference city: city, 8 districts, 64 streets. */
const REFERENCE_AREAS = 1 + 8 + 64;
/** The nightly job's messages: 31 days, 5 a message. */
const NIGHTLY_MESSAGES = Math.ceil(31 / 5);
/** Supervision: sweeps with nothing due, items due per measured sweep, one sweep a minute. */
const IDLE_SWEEPS = 10;
const DUE_PER_SWEEP = Number(process.env.BENCH_UNITS_DUE ?? 100);
const SWEEPS_PER_DAY = 1_440;

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/** Lambda time and invocations per function. */
type Timing = Record<string, { invocations: number; ms: number }>;

const chunksOf = (bytes: number) => Math.max(1, Math.ceil(bytes / 65_536));

runSuite(SUITE, async () => {
  const started = performance.now();
  const dynamo = await startDynamoDbLocal(await freePort());
  try {
    return await measureUnits(dynamo.endpoint, started);
  } finally {
    await dynamo.stop();
  }
});

const measureUnits = async (endpoint: string, started: number) => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const admin = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  await ensureTable(admin, tables.facts, BENCH_TABLES.facts);
  await ensureTable(admin, tables.indicators, BENCH_TABLES.indicators);
  await ensureTable(admin, tables.replies, BENCH_TABLES.replies);
  admin.destroy();

  const meter = new CapacityMeter();
  instrumentDocumentClients(meter, {
    tableRole: (table) =>
      table === BENCH_TABLES.facts
        ? 'facts'
        : table === BENCH_TABLES.indicators
          ? 'indicators'
          : table === BENCH_TABLES.replies
            ? 'replies'
            : table,
  });

  // The bus with the declared rules, delivering into in-memory queues drained below.
  const pending = Object.fromEntries(Object.keys(queues).map((name) => [name, [] as string[]])) as Record<
    QueueName,
    string[]
  >;
  const sent = Object.fromEntries(Object.keys(queues).map((name) => [name, 0])) as Record<QueueName, number>;
  const bus = new LocalBus(
    BENCH_BUS,
    rules.map((rule) => ({
      rule,
      target: (json: string) => {
        pending[rule.queue].push(json);
        sent[rule.queue] += chunksOf(Buffer.byteLength(json));
      },
    })),
  );
  const busEndpoint = await bus.start();
  Object.assign(process.env, handlerEnv({ dynamoDb: endpoint, eventBridge: busEndpoint }));

  const used: FunctionName[] = [
    'ingest',
    'relay',
    'facts',
    'coverage',
    'indicators',
    'fanout',
    'admin',
    'supervise',
  ];
  const handlers = new Map<FunctionName, Handler>();
  for (const name of used) {
    const module = (await import(`#functions/${name}/handler`)) as { handler: Handler };
    handlers.set(name, module.handler);
  }
  const timing: Timing = {};
  const invoke = async (name: FunctionName, event: unknown) => {
    const handler = handlers.get(name);
    if (!handler) throw new Error(`no handler ${name}`);
    const begun = performance.now();
    const result = await handler(event, benchContext(name, functions[name]));
    const entry = timing[name] ?? { invocations: 0, ms: 0 };
    entry.invocations += 1;
    entry.ms += performance.now() - begun;
    timing[name] = entry;
    return result;
  };

  const sqsEvent = (queue: QueueName, bodies: string[]): SQSEvent => ({
    Records: bodies.map((body) => ({
      messageId: randomUUID(),
      receiptHandle: randomUUID(),
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'cityhub-bench',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:cityhub-bench-${queue}`,
      awsRegion: 'us-east-1',
    })),
  });
  /** Hands a queue's messages to its consumer in batches; a reported failure stops the benchmark. */
  const consume = async (queue: QueueName, batchSize: number) => {
    while (pending[queue].length > 0) {
      const batch = pending[queue].splice(0, batchSize);
      const answer = (await invoke(queues[queue].consumer, sqsEvent(queue, batch))) as
        | { batchItemFailures?: unknown[] }
        | undefined;
      if (answer?.batchItemFailures?.length) {
        throw new Error(
          `${queues[queue].consumer} failed ${answer.batchItemFailures.length} of ${batch.length} messages`,
        );
      }
    }
  };
  /** Runs every queue but the recompute queue until they are empty. */
  const drain = async () => {
    const order: QueueName[] = ['facts', 'coverage', 'fanout', 'delivery'];
    while (order.some((queue) => pending[queue].length > 0)) {
      for (const queue of order) await consume(queue, DRIVER_BATCH[queue] ?? queues[queue].batchSize);
    }
  };
  const adminRequest = async (path: string, body: unknown) => {
    const answer = (await invoke(
      'admin',
      httpEvent('PUT', path, path, JSON.stringify(body), { authorization: `Bearer ${ADMIN_TOKEN}` }),
    )) as { statusCode: number; body: string };
    if (answer.statusCode !== 200) throw new Error(`PUT ${path}: ${answer.statusCode} ${answer.body}`);
  };
  const ingestOne = async (source: Source, record: unknown) => {
    const answer = (await invoke('ingest', signedIngestEvent(source, [record]))) as {
      statusCode: number;
      body: string;
    };
    const parsed = JSON.parse(answer.body) as { accepted?: number };
    if (answer.statusCode !== 202 || parsed.accepted !== 1)
      throw new Error(`ingest of a ${source} record: ${answer.statusCode} ${answer.body}`);
  };

  /** What the pipeline did between two snapshots. */
  const snapshot = () => ({
    units: meter.entries(),
    archived: bus.archive.length,
    sent: { ...sent },
    timing: structuredClone(timing),
  });
  type Snapshot = ReturnType<typeof snapshot>;
  const since = (before: Snapshot) => {
    const units = meter.since(before.units);
    const events = bus.archive.slice(before.archived);
    const entries: Record<string, { count: number; chunks: number }> = {};
    for (const event of events) {
      const bytes =
        Buffer.byteLength(event.source) +
        Buffer.byteLength(event['detail-type']) +
        Buffer.byteLength(JSON.stringify(event.detail));
      const entry = entries[event['detail-type']] ?? { count: 0, chunks: 0 };
      entry.count += 1;
      entry.chunks += chunksOf(bytes);
      entries[event['detail-type']] = entry;
    }
    const messages = Object.fromEntries(
      (Object.keys(queues) as QueueName[]).map((queue) => [queue, sent[queue] - before.sent[queue]]),
    );
    const lambda: Timing = {};
    for (const [name, entry] of Object.entries(timing)) {
      const earlier = before.timing[name] ?? { invocations: 0, ms: 0 };
      if (entry.invocations > earlier.invocations)
        lambda[name] = { invocations: entry.invocations - earlier.invocations, ms: entry.ms - earlier.ms };
    }
    return { units, entries, messages, lambda };
  };
  type Phase = ReturnType<typeof since>;

  // Reference data: the reference city's areas, roads and vehicles (not counted).
  progress(SUITE, 'reference city: areas, 20,200 road segments, 800 vehicles');
  await adminRequest('/reference/areas', referenceAreas());
  await adminRequest('/reference/roads', referenceRoads());
  await adminRequest('/reference/vehicles', referenceVehicles());
  await drain();
  pending.recompute.splice(0);

  /** Reference-city batch of each consumer queue, for per-invocation reads measured at other batch sizes. */
  const entityEventsPerDay = REFERENCE_DAY.eventsPerEntity * (REFERENCE_DAY.tickets + REFERENCE_DAY.cases);
  const gpsRecordsPerDay = REFERENCE_DAY.vehicles * 1440;
  const referenceBatch: Partial<Record<FunctionName, number>> = {
    facts: averageBatch(entityEventsPerDay, {
      batchSize: queues.facts.batchSize,
      windowSeconds: queues.facts.maxBatchingWindowSeconds,
    }),
    fanout: averageBatch(entityEventsPerDay, {
      batchSize: queues.fanout.batchSize,
      windowSeconds: queues.fanout.maxBatchingWindowSeconds,
    }),
    coverage: averageBatch(gpsRecordsPerDay, {
      batchSize: queues.coverage.batchSize,
      windowSeconds: queues.coverage.maxBatchingWindowSeconds,
    }),
  };
  const driverBatchOf: Partial<Record<FunctionName, number>> = {
    facts: DRIVER_BATCH.facts,
    fanout: DRIVER_BATCH.fanout,
    coverage: DRIVER_BATCH.coverage,
  };

  /**
   * A feed's per-record path from a phase. Reads of reference-set versions are made once per invocation;
   * they are rescaled from the batch sizes driven here to the reference city's.
   */
  const feedPath = (
    label: string,
    phase: Phase,
    records: number,
    recordsPerDay: number,
    logRun?: Phase,
    recordsPerRequest = 1,
  ): FeedPath => {
    const own = (entry: TallyKey) => entry.owner !== 'bench' && entry.owner !== 'indicators';
    const total = sumTallies(phase.units, own);
    // The recompute run after the phase writes the records' facts to the cohort logs: theirs too.
    const logWrites = logRun
      ? sumTallies(logRun.units, (entry) => entry.kind === 'cohortlog' && entry.operation !== 'Query')
      : undefined;
    let wru = total.wru + (logWrites?.wru ?? 0);
    let rru = total.rru;
    for (const [owner, referenceSize] of Object.entries(referenceBatch)) {
      const perInvocation = sumTallies(
        phase.units,
        (entry) => entry.owner === owner && entry.kind === 'reference',
      );
      const scale = (driverBatchOf[owner as FunctionName] ?? 1) / (referenceSize ?? 1);
      wru += perInvocation.wru * (scale - 1);
      rru += perInvocation.rru * (scale - 1);
    }
    const lambdaGbSeconds = Object.entries(phase.lambda)
      .filter(([name]) => name !== 'indicators')
      .reduce(
        (sum, [name, entry]) => sum + (entry.ms / 1000) * (functions[name as FunctionName].memoryMb / GB),
        0,
      );
    const busChunks = Object.values(phase.entries).reduce((sum, entry) => sum + entry.chunks, 0);
    return {
      label,
      recordsPerDay,
      recordsPerRequest,
      wru: wru / records,
      rru: rru / records,
      busEntries: busChunks / records,
      queueMessages: Object.fromEntries(
        Object.entries(phase.messages)
          .filter(([, count]) => count > 0)
          .map(([queue, count]) => [queue, count / records]),
      ),
      lambdaGbSeconds: lambdaGbSeconds / records,
    };
  };
  /** Runs the recompute queue's messages in one run, then the fanout of what it announced. */
  const recomputeQueued = async () => {
    const before = snapshot();
    // All of it in one run: one recompute of each day, as a run at the reference city's rate does.
    await consume('recompute', Number.MAX_SAFE_INTEGER);
    const recompute = since(before);
    const fanoutBefore = snapshot();
    await drain();
    return { recompute, fanout: since(fanoutBefore) };
  };

  // Hotline tickets: each event its own signed request, facts and fanout in batches of 3.
  const ticketEvents = byOccurrence(ticketLifecycles(TICKETS, DAY, 21));
  progress(SUITE, `hotline: ${TICKETS} tickets, ${ticketEvents.length} events, one per request`);
  let before = snapshot();
  for (const [index, record] of ticketEvents.entries()) {
    await ingestOne('hotline', record);
    if (index % 30 === 29) await drain();
  }
  await drain();
  const hotlinePhase = since(before);
  const hotlineRecompute = await recomputeQueued();

  // City-platform cases.
  const caseEvents = byOccurrence(caseLifecycles(CASES, DAY, 22));
  progress(SUITE, `city-platform: ${CASES} cases, ${caseEvents.length} events, one per request`);
  before = snapshot();
  for (const [index, record] of caseEvents.entries()) {
    await ingestOne('city-platform', record);
    if (index % 30 === 29) await drain();
  }
  await drain();
  const casesPhase = since(before);
  const casesRecompute = await recomputeQueued();

  // GPS as a sanitation platform forwards it (DESIGN's reference): a minute of the whole fleet per
  // request, its packed events' coverage messages each consumed on its own (the queue's rate is low).
  progress(
    SUITE,
    `sanitation: ${FLEET} vehicles' tracks, minutes ${FIRST_MINUTE}–${FIRST_MINUTE + FLEET_MINUTES + VEHICLE_MINUTES - 1}`,
  );
  const minutesOf = new Map<number, Record<string, unknown>[]>();
  for (let vehicle = 0; vehicle < FLEET; vehicle += 1)
    for (const record of trackerMinutes(vehicle, DAY)) {
      const minute = Number(String(record.eventId).split('-').at(-1));
      if (minute < FIRST_MINUTE || minute >= FIRST_MINUTE + FLEET_MINUTES + VEHICLE_MINUTES) continue;
      minutesOf.set(minute, [...(minutesOf.get(minute) ?? []), record]);
    }
  const pointsIn = (records: readonly Record<string, unknown>[]) =>
    records.reduce((sum, record) => sum + (record.points as unknown[]).length, 0);
  const ingestMany = async (records: readonly unknown[]) => {
    const answer = (await invoke('ingest', signedIngestEvent('sanitation', records))) as {
      statusCode: number;
      body: string;
    };
    const parsed = JSON.parse(answer.body) as { accepted?: number };
    if (answer.statusCode !== 202 || parsed.accepted !== records.length)
      throw new Error(
        `ingest of ${records.length} GPS records: ${answer.statusCode} ${answer.body.slice(0, 300)}`,
      );
  };
  const fleetMinutes = Array.from({ length: FLEET_MINUTES }, (_, n) => minutesOf.get(FIRST_MINUTE + n) ?? []);
  const fleetRecords = fleetMinutes.reduce((sum, records) => sum + records.length, 0);
  const fleetPoints = fleetMinutes.reduce((sum, records) => sum + pointsIn(records), 0);
  progress(
    SUITE,
    `sanitation: ${FLEET_MINUTES} fleet minutes, ${fleetRecords} records (${fleetPoints} points), one request a minute`,
  );
  before = snapshot();
  for (const records of fleetMinutes) {
    await ingestMany(records);
    await consume('coverage', 1);
  }
  await drain();
  const fleetPhase = since(before);
  const logBytes = await gpsLogBytes(endpoint, DAY);
  const fleetRecompute = await recomputeQueued();

  // The harsher case: every vehicle-minute its own request; coverage gets the reference city's batches.
  const vehicleMinutes = Array.from(
    { length: VEHICLE_MINUTES },
    (_, n) => minutesOf.get(FIRST_MINUTE + FLEET_MINUTES + n) ?? [],
  ).flat();
  const vehicleMinutePoints = pointsIn(vehicleMinutes);
  progress(SUITE, `sanitation: ${vehicleMinutes.length} vehicle-minutes, one request each`);
  // Each request's records travel with its answer; the replies' stream hands a batching window's
  // requests to the relay function at once, and the coverage queue gathers the relayed events.
  const relayStream = new LocalStream('replies', streams.replies, {
    endpoint,
    tableName: BENCH_TABLES.replies,
    consume: (event) => invoke('relay', event) as Promise<DynamoDBBatchResponse>,
    retryDelayMs: 100,
    batchingWindowMs: 0,
    log: (line) => progress(SUITE, line),
  });
  await relayStream.catchUp();
  before = snapshot();
  for (const [index, record] of vehicleMinutes.entries()) {
    await ingestOne('sanitation', record);
    if (index % VEHICLE_MINUTES_PER_RELAY === VEHICLE_MINUTES_PER_RELAY - 1) await relayStream.catchUp();
    if (pending.coverage.length >= RELAYED_EVENTS_PER_COVERAGE_BATCH)
      await consume('coverage', RELAYED_EVENTS_PER_COVERAGE_BATCH);
    if (index % 500 === 499) progress(SUITE, `  … ${index + 1} of ${vehicleMinutes.length}`);
  }
  await relayStream.catchUp();
  await drain();
  const vehicleMinutePhase = since(before);
  await relayStream.stop();
  const logBytesAfter = await gpsLogBytes(endpoint, DAY);
  const vehicleMinuteRecompute = await recomputeQueued();
  const heads = await gpsHeadBytes(endpoint, DAY);
  progress(SUITE, `sanitation: the reference day's union of cleaned cells (${FLEET} vehicles, whole day)`);
  const unionBytes = referenceUnionBytes(FLEET);

  // A recompute of a stored district-day of 10,000 tickets and 2,000 cases.
  progress(SUITE, `recompute: storing a district-day of ${SEEDED_TICKETS} tickets and ${SEEDED_CASES} cases`);
  const seeded = await seedDistrictDay(endpoint);
  // The day has ended: its first recompute since computed its end-of-day figures, and every later
  // run (the one measured) reads them.
  const endedDayDeps = recomputeDepsOf(createStorage(loadEnv(storageEnvSchema)), ZONE);
  await refreshOpenOverdue(SEEDED_DAY, endedDayDeps, await endedDayDeps.loadReference());
  const factsChanged = () =>
    pending.recompute.push(
      JSON.stringify({
        version: '0',
        id: randomUUID(),
        'detail-type': 'facts.changed',
        source: 'cityhub.facts',
        account: '000000000000',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: { days: [SEEDED_DAY], reason: 'benchmark' },
      }),
    );
  // A run as most of the day's are: the day's items exist (the first run of the day created them),
  // and new tickets across the district change every area's values.
  progress(SUITE, `recompute: ${SEEDED_DAY} (district d00), a first run, then more tickets`);
  factsChanged();
  await recomputeQueued();
  await seeded.topUp();
  const archivedBeforeSeededRun = bus.archive.length;
  const seededRun = await (async () => {
    factsChanged();
    progress(SUITE, `recompute: ${SEEDED_DAY} (district d00)`);
    return recomputeQueued();
  })();

  // Supervision, 1: the open-items index on the recompute path, event by event as the facts consumer
  // derives each entity's facts (their own tickets and cases, so the index holds none of them yet).
  const supervisionDeps = recomputeDepsOf(createStorage(loadEnv(storageEnvSchema)), ZONE);
  const deriveTicket = (id: string, events: readonly Record<string, unknown>[]) =>
    ticketFacts(
      id,
      events.map((event) => hotlineEventSchema.parse(event)),
      ZONE,
    );
  const deriveCase = (id: string, events: readonly Record<string, unknown>[]) =>
    caseFacts(
      id,
      events.map((event) => cityPlatformEventSchema.parse(event)),
      ZONE,
    );
  const indexPhase = async (
    lifecycles: Record<string, unknown>[][],
    derive: (id: string, events: readonly Record<string, unknown>[]) => EntityFacts,
  ) => {
    const steps = lifecycles
      .flatMap((events) => {
        const id = String(events[0]?.ticketId ?? events[0]?.caseId);
        return events.map((event, k) => ({
          at: Date.parse(String(event.occurredAt)),
          facts: () => derive(id, events.slice(0, k + 1)),
        }));
      })
      .sort((a, b) => a.at - b.at);
    const begun = meter.entries();
    for (const step of steps) await indexOpenItems([step.facts()], supervisionDeps);
    const units = meter.since(begun).filter((entry) => entry.kind === 'openitem');
    const total = sumTallies(units);
    return {
      events: steps.length,
      wru: total.wru / steps.length,
      rru: total.rru / steps.length,
      byOperation: Object.fromEntries(
        units.map((entry) => [
          entry.operation,
          { calls: entry.calls / steps.length, wru: entry.wru / steps.length, rru: entry.rru / steps.length },
        ]),
      ),
    };
  };
  progress(SUITE, `supervision: open-items index, ${TICKETS} tickets and ${CASES} cases event by event`);
  const ticketIndex = await indexPhase(ticketLifecycles(TICKETS, DAY, 41, undefined, 'sv'), deriveTicket);
  const caseIndex = await indexPhase(caseLifecycles(CASES, DAY, 42, undefined, 'sw'), deriveCase);

  // Supervision, 2: the minute sweep with nothing due (its fixed part), then with items due.
  const reference = await supervisionDeps.loadSupervision();
  const context: SupervisionContext = {
    calendar: reference.calendar,
    timeZone: ZONE,
    thresholds: reference.thresholds,
  };
  const sweep = async () => {
    const outcome = (await invoke('supervise', { job: 'supervision-sweep' })) as {
      notices: { due: number; announced: number } | null;
    };
    if (!outcome.notices) throw new Error('the supervision sweep failed its deadlines step');
    return outcome.notices;
  };
  progress(SUITE, `supervision: ${IDLE_SWEEPS} sweeps with nothing due`);
  // The first sweep of an instance checks every due time; the minute's sweeps after it do not.
  await sweep();
  await drain();
  const idleBefore = snapshot();
  for (let k = 0; k < IDLE_SWEEPS; k += 1) {
    const { due } = await sweep();
    if (due !== 0) throw new Error(`a sweep with nothing due found ${due} items due`);
  }
  const idle = since(idleBefore);
  const sweepOwner = (phase: Phase) => sumTallies(phase.units, (entry) => entry.owner === 'supervise');
  const idleUnits = sweepOwner(idle);
  const idleMs = (idle.lambda.supervise?.ms ?? 0) / IDLE_SWEEPS;
  /**
   * Items due for a notice: tickets received and dispatched, 20 h (approaching: yellow at 18 h of a
   * minor ticket's day) or 25 h ago (overdue, announced approaching before), indexed as the recompute
   * leaves them; one sweep gives their notices, the fanout turns them into webhook events.
   */
  const noticeSweep = async (notice: 'approaching' | 'overdue') => {
    const now = Date.now();
    const hoursAgo = notice === 'approaching' ? 20 : 25;
    const store = supervisionDeps.openItems;
    for (let n = 0; n < DUE_PER_SWEEP; n += 1) {
      const ticketId = `due-${notice}-${n}`;
      const receivedAt = now - hoursAgo * HOUR_MS;
      const facts = deriveTicket(ticketId, [
        {
          eventId: `${ticketId}-1`,
          ticketId,
          type: 'received',
          occurredAt: cityTime(receivedAt),
          category: 'environment.garbage',
          severity: 'minor',
          district: 'd00',
          street: 'd00-z00',
          channel: 'phone',
        },
        {
          eventId: `${ticketId}-2`,
          ticketId,
          type: 'dispatched',
          occurredAt: cityTime(receivedAt + 30 * 60_000),
          category: 'environment.garbage',
        },
      ]);
      const view = supervisionView(facts);
      await store.put(facts, view, now - 60_000);
      if (notice === 'overdue')
        await store.mark('ticket', ticketId, view, { approachingFor: facts.state.deadline }, now - 60_000);
    }
    const before = snapshot();
    const outcome = await sweep();
    await drain();
    if (outcome.announced !== DUE_PER_SWEEP)
      throw new Error(`a sweep of ${DUE_PER_SWEEP} items due announced ${outcome.announced}`);
    const phase = since(before);
    const own = sweepOwner(phase);
    const fanout = sumTallies(phase.units, (entry) => entry.owner === 'fanout');
    const gbS = (name: FunctionName, ms: number) => (ms / 1000) * (functions[name].memoryMb / GB);
    const busChunks = Object.values(phase.entries).reduce((sum, entry) => sum + entry.chunks, 0);
    return {
      phase,
      wru: (own.wru - idleUnits.wru / IDLE_SWEEPS) / DUE_PER_SWEEP,
      rru: (own.rru - idleUnits.rru / IDLE_SWEEPS) / DUE_PER_SWEEP,
      busEntries: busChunks / DUE_PER_SWEEP,
      lambdaGbSeconds: gbS('supervise', (phase.lambda.supervise?.ms ?? 0) - idleMs) / DUE_PER_SWEEP,
      queueMessages: Object.fromEntries(
        Object.entries(phase.messages)
          .filter(([, count]) => count > 0)
          .map(([queue, count]) => [queue, count / DUE_PER_SWEEP]),
      ),
      fanout: {
        wru: fanout.wru / DUE_PER_SWEEP,
        rru: fanout.rru / DUE_PER_SWEEP,
        lambdaGbSeconds: gbS('fanout', phase.lambda.fanout?.ms ?? 0) / DUE_PER_SWEEP,
      },
    };
  };
  progress(SUITE, `supervision: sweeps of ${DUE_PER_SWEEP} items due, approaching and overdue`);
  const approaching = await noticeSweep('approaching');
  const overdue = await noticeSweep('overdue');

  // Supervision, 3: the notices of the reference day's tickets and cases.
  progress(SUITE, 'supervision: notices of the reference day (workload lifecycles)');
  const ticketNotices = referenceNotices(
    ticketLifecycles(REFERENCE_DAY.tickets, DAY, 21),
    deriveTicket,
    context,
  );
  const caseNotices = referenceNotices(caseLifecycles(REFERENCE_DAY.cases, DAY, 22), deriveCase, context);
  const noticesOfDay = {
    approaching: ticketNotices.approaching + caseNotices.approaching,
    overdue: ticketNotices.overdue + caseNotices.overdue,
  };
  const approachingShare =
    noticesOfDay.approaching / Math.max(1, noticesOfDay.approaching + noticesOfDay.overdue);
  const mix = (of: (measured: typeof approaching) => number) =>
    approachingShare * of(approaching) + (1 - approachingShare) * of(overdue);
  const queuesOfNotices = [
    ...new Set([...Object.keys(approaching.queueMessages), ...Object.keys(overdue.queueMessages)]),
  ];
  // Supervision, 4: the end-of-day figures' passes. Each reads the whole open-items index (measured per
  // item listed, over what the phases above left in it) and the cohort logs of the days after the one
  // it computes: the first recompute of yesterday reads today's (half a day on average), the nightly
  // reconciliation of each of the last 31 days the logs of the days after it.
  progress(SUITE, 'supervision: the end-of-day figures, one read of the open-items index');
  const listBegun = meter.entries();
  const listed = (await supervisionDeps.openItems.list()).length;
  const listUnits = sumTallies(meter.since(listBegun).filter((entry) => entry.kind === 'openitem'));
  const rruPerListedItem = listUnits.rru / Math.max(1, listed);
  const openShare = <Facts extends EntityFacts>(
    lifecycles: Record<string, unknown>[][],
    derive: (id: string, events: readonly Record<string, unknown>[]) => Facts,
  ) =>
    // Open at the end of the day by each lifecycle's status then (most close on a later day).
    lifecycles.filter((events) => {
      const facts = derive(String(events[0]?.ticketId ?? events[0]?.caseId), events);
      return facts.ends?.findLast((end) => end.day <= DAY)?.open !== undefined;
    }).length / Math.max(1, lifecycles.length);
  const openAtDayEnd =
    openShare(ticketLifecycles(REFERENCE_DAY.tickets, DAY, 21), deriveTicket) * REFERENCE_DAY.tickets +
    openShare(caseLifecycles(REFERENCE_DAY.cases, DAY, 22), deriveCase) * REFERENCE_DAY.cases;
  // Two passes a day: yesterday's first recompute (today's logs so far, half a day on average), and
  // the night's, which computes the 31 days it reconciles at once (the logs of the 31 days after the
  // oldest; the other days' reconciliations find their figures computed within the hour).
  const NIGHTLY_DAYS = 31;
  const logDaysPerDay = 0.5 + NIGHTLY_DAYS;
  const endOfDayPasses = 2;
  const supervisionPath: SupervisionPath = {
    sweepsPerDay: SWEEPS_PER_DAY,
    perSweep: {
      wru: idleUnits.wru / IDLE_SWEEPS,
      rru: idleUnits.rru / IDLE_SWEEPS,
      lambdaGbSeconds: (idleMs / 1000) * (functions.supervise.memoryMb / GB),
    },
    perNotice: {
      wru: mix((m) => m.wru),
      rru: mix((m) => m.rru),
      busEntries: mix((m) => m.busEntries),
      lambdaGbSeconds: mix((m) => m.lambdaGbSeconds),
      queueMessages: Object.fromEntries(
        queuesOfNotices.map((queue) => [queue, mix((m) => m.queueMessages[queue] ?? 0)]),
      ),
      fanout: {
        wru: mix((m) => m.fanout.wru),
        rru: mix((m) => m.fanout.rru),
        lambdaGbSeconds: mix((m) => m.fanout.lambdaGbSeconds),
      },
    },
  };
  const supervisionOf = (index: { wru: number; rru: number }, notices: number, records: number) => ({
    indexWru: index.wru,
    indexRru: index.rru,
    noticesPerRecord: notices / records,
  });

  // Per record of each feed.
  const hotlinePerDay = REFERENCE_DAY.tickets * REFERENCE_DAY.eventsPerEntity;
  const hotline: FeedPath = {
    ...feedPath(
      'hotline events',
      hotlinePhase,
      ticketEvents.length,
      hotlinePerDay,
      hotlineRecompute.recompute,
    ),
    supervision: supervisionOf(ticketIndex, ticketNotices.approaching + ticketNotices.overdue, hotlinePerDay),
  };
  const casesPerDay = REFERENCE_DAY.cases * REFERENCE_DAY.eventsPerEntity;
  const cases: FeedPath = {
    ...feedPath('city-platform events', casesPhase, caseEvents.length, casesPerDay, casesRecompute.recompute),
    supervision: supervisionOf(caseIndex, caseNotices.approaching + caseNotices.overdue, casesPerDay),
  };
  const gpsPerDay = gpsRecordsPerDay;
  const fleet = feedPath(
    'GPS records (fleet minutes)',
    fleetPhase,
    fleetRecords,
    gpsPerDay,
    undefined,
    fleetRecords / FLEET_MINUTES,
  );
  const vehicleMinute = feedPath(
    'GPS records (1 vehicle-minute)',
    vehicleMinutePhase,
    vehicleMinutes.length,
    gpsPerDay,
  );
  // One recompute run: reads per byte of facts, writes per (day, area) item, time per byte.
  const run = seededRun.recompute;
  const runUnits = (where: (entry: TallyKey) => boolean) =>
    sumTallies(run.units, (entry) => entry.owner === 'indicators' && where(entry));
  const cohortReads = runUnits((entry) => entry.kind === 'cohortlog');
  // The published items: the day as stored (its keys, its items, what was announced), then the writes.
  const indicatorWrites = runUnits((entry) => entry.kind === 'indicators');
  const indicatorReads = indicatorWrites;
  const otherReads = runUnits((entry) => entry.kind !== 'indicators' && entry.kind !== 'cohortlog');
  const announced = bus.archive
    .slice(archivedBeforeSeededRun)
    .filter((event) => event['detail-type'] === 'indicators.day-updated');
  const areasWritten = announced.reduce(
    (sum, event) => sum + (event.detail as { items: unknown[] }).items.length,
    0,
  );
  const bytesPerAnnouncedArea =
    announced.reduce((sum, event) => sum + Buffer.byteLength(JSON.stringify(event.detail)), 0) / areasWritten;
  if (areasWritten === 0) throw new Error('the measured recompute wrote no indicators');
  if (cohortReads.bytesRead === 0) throw new Error('the measured recompute read no cohort');
  const indicatorsMs = run.lambda.indicators?.ms ?? 0;
  // Sanitation facts a run reads in full: the shard heads (every vehicle's totals) and the day's union
  // of cleaned cells; the log entries appended since the last run are read once, per GPS record.
  const sanitationBytesPerFullDay = heads.bytes * (REFERENCE_DAY.vehicles / FLEET) + unionBytes;
  const bytesPerFullDay =
    REFERENCE_DAY.tickets * seeded.bytesPerTicket +
    REFERENCE_DAY.cases * seeded.bytesPerCase +
    sanitationBytesPerFullDay;
  const fanoutOfUpdates = seededRun.fanout;
  const fanoutUnits = sumTallies(fanoutOfUpdates.units, (entry) => entry.owner === 'fanout');
  const fanoutMs = fanoutOfUpdates.lambda.fanout?.ms ?? 0;
  const recompute: RecomputePath = {
    bytesPerFullDay,
    fullDaysPerRun: FULL_DAYS_READ_PER_RUN,
    areaWritesPerRun: DAYS_PER_RUN * REFERENCE_AREAS,
    // Each day's areas in events of at most 60 KB of items.
    updateEntriesPerRun: DAYS_PER_RUN * Math.ceil((REFERENCE_AREAS * bytesPerAnnouncedArea) / 60_000),
    rruPerByteRead: cohortReads.rru / cohortReads.bytesRead,
    rruPerRun:
      DAYS_PER_RUN * otherReads.rru + (indicatorReads.rru / areasWritten) * DAYS_PER_RUN * REFERENCE_AREAS,
    wruPerAreaWrite: indicatorWrites.wru / areasWritten,
    // Data quality of both days; today's union, half the day's size on average, rewritten by each run.
    wruPerRun:
      DAYS_PER_RUN * runUnits((entry) => entry.kind !== 'indicators').wru + (0.5 * unionBytes) / 1024,
    lambdaGbSecondsPerByteRead:
      ((indicatorsMs / 1000) * (functions.indicators.memoryMb / GB)) / cohortReads.bytesRead,
    lambdaGbSecondsPerRun: 0,
    fanoutPerAreaWrite: {
      wru: fanoutUnits.wru / areasWritten,
      rru: fanoutUnits.rru / areasWritten,
      lambdaGbSeconds: ((fanoutMs / 1000) * (functions.fanout.memoryMb / GB)) / areasWritten,
    },
    nightlyMessages: NIGHTLY_MESSAGES,
  };
  const endOfDay = {
    passesPerDay: endOfDayPasses,
    rruPerDay:
      endOfDayPasses * openAtDayEnd * rruPerListedItem +
      logDaysPerDay *
        (REFERENCE_DAY.tickets * seeded.bytesPerTicket + REFERENCE_DAY.cases * seeded.bytesPerCase) *
        recompute.rruPerByteRead,
  };

  // The recompute reads each GPS record's log entry once, in the run after it.
  const withLogReads = (feed: FeedPath, bytesPerRecord: number): FeedPath => ({
    ...feed,
    rru: feed.rru + bytesPerRecord * recompute.rruPerByteRead,
  });
  const gpsFleet = withLogReads(fleet, logBytes.bytes / fleetRecords);
  const gpsVehicleMinute = withLogReads(
    vehicleMinute,
    (logBytesAfter.bytes - logBytes.bytes) / vehicleMinutes.length,
  );
  const wholePipelineNote = 'units per record; whole pipeline at the reference city-day in the cost section';
  const perEvent = (path: FeedPath) => ({ wru: path.wru, rru: path.rru, busEntries: path.busEntries });
  const breakdown = (phase: Phase, records: number) => {
    const rows: Record<string, { wru: number; rru: number }> = {};
    for (const entry of phase.units.filter((unit) => unit.owner !== 'bench')) {
      const key = `${entry.owner} ${entry.kind} ${entry.operation}`;
      const row = rows[key] ?? { wru: 0, rru: 0 };
      row.wru += entry.wru / records;
      row.rru += entry.rru / records;
      rows[key] = row;
    }
    return rows;
  };
  const figures: Figure[] = [
    {
      id: 'units.hotline.wru',
      figure: 'DynamoDB write units per ticket event (ingest, facts, fanout, cohort log)',
      value: hotline.wru,
      unit: 'WRU',
      digits: 2,
      target: { op: '<=', value: WRU_TARGET },
      how: `${ticketEvents.length} events of ${TICKETS} tickets, one per request, against DynamoDB Local; ReturnConsumedCapacity summed`,
      detail: { ...perEvent(hotline), byCall: breakdown(hotlinePhase, ticketEvents.length) },
    },
    {
      id: 'units.hotline.rru',
      figure: 'DynamoDB read units per ticket event (ingest, facts, fanout)',
      value: hotline.rru,
      unit: 'RRU',
      digits: 2,
      how: wholePipelineNote,
    },
    {
      id: 'units.city-platform.wru',
      figure: 'DynamoDB write units per case event (ingest, facts, fanout, cohort log)',
      value: cases.wru,
      unit: 'WRU',
      digits: 2,
      target: { op: '<=', value: WRU_TARGET },
      how: `${caseEvents.length} events of ${CASES} cases, one per request, as above`,
      detail: { ...perEvent(cases), byCall: breakdown(casesPhase, caseEvents.length) },
    },
    {
      id: 'units.city-platform.rru',
      figure: 'DynamoDB read units per case event (ingest, facts, fanout)',
      value: cases.rru,
      unit: 'RRU',
      digits: 2,
      how: wholePipelineNote,
    },
    {
      id: 'units.sanitation.wru',
      figure: 'DynamoDB write units per GPS point, fleet minutes (ingest, coverage)',
      value: gpsFleet.wru / (fleetPoints / fleetRecords),
      unit: 'WRU',
      digits: 3,
      how: `${FLEET_MINUTES} minutes of ${FLEET} vehicles, one request a minute (${fleetRecords} records, ${fleetPoints} points); per record ${gpsFleet.wru.toFixed(3)} WRU`,
      detail: {
        perRecord: perEvent(gpsFleet),
        points: fleetPoints,
        byCall: breakdown(fleetPhase, fleetRecords),
      },
    },
    {
      id: 'units.sanitation.rru',
      figure: 'DynamoDB read units per GPS point, fleet minutes (ingest, coverage, recompute)',
      value: gpsFleet.rru / (fleetPoints / fleetRecords),
      unit: 'RRU',
      digits: 3,
      target: { op: '<=', value: RRU_PER_POINT_TARGET },
      how: `per record ${gpsFleet.rru.toFixed(3)} RRU: the shard heads a batch extends, the dedupe buckets, and the recompute's one read of the new log entries (${(logBytes.bytes / fleetRecords).toFixed(0)} bytes a record)`,
    },
    {
      id: 'units.sanitation-vehicle-minute.wru',
      figure: 'DynamoDB write units per GPS point, one request per vehicle-minute',
      value: gpsVehicleMinute.wru / (vehicleMinutePoints / vehicleMinutes.length),
      unit: 'WRU',
      digits: 3,
      how: `${vehicleMinutes.length} vehicle-minutes of the same fleet and day, one request each, relayed from the replies' stream ${VEHICLE_MINUTES_PER_RELAY} requests at a time, coverage in batches of ${RELAYED_EVENTS_PER_COVERAGE_BATCH} relayed events; per record ${gpsVehicleMinute.wru.toFixed(3)} WRU`,
      detail: {
        perRecord: perEvent(gpsVehicleMinute),
        points: vehicleMinutePoints,
        byCall: breakdown(vehicleMinutePhase, vehicleMinutes.length),
      },
    },
    {
      id: 'units.sanitation-vehicle-minute.rru',
      figure: 'DynamoDB read units per GPS point, one request per vehicle-minute',
      value: gpsVehicleMinute.rru / (vehicleMinutePoints / vehicleMinutes.length),
      unit: 'RRU',
      digits: 3,
      target: { op: '<=', value: RRU_PER_POINT_TARGET },
      how: `per record ${gpsVehicleMinute.rru.toFixed(3)} RRU`,
    },
    {
      id: 'units.hotline.bus',
      figure: 'EventBridge entries per ticket event',
      value: hotline.busEntries,
      unit: 'entries',
      digits: 2,
      how: `entries (64 KB chunks) the local bus took during the phase: ${describeEntries(hotlinePhase)}`,
      detail: { entries: hotlinePhase.entries },
    },
    {
      id: 'units.city-platform.bus',
      figure: 'EventBridge entries per case event',
      value: cases.busEntries,
      unit: 'entries',
      digits: 2,
      how: describeEntries(casesPhase),
      detail: { entries: casesPhase.entries },
    },
    {
      id: 'units.sanitation.bus',
      figure: 'EventBridge entries per GPS record: fleet minutes; one request per vehicle-minute',
      value: gpsFleet.busEntries,
      unit: 'entries',
      digits: 3,
      how: `${describeEntries(fleetPhase)}; one request per vehicle-minute: ${gpsVehicleMinute.busEntries.toFixed(2)} (${describeEntries(vehicleMinutePhase)})`,
      detail: { entries: fleetPhase.entries, vehicleMinute: vehicleMinutePhase.entries },
    },
    {
      id: 'units.recompute.read',
      figure: 'recompute: read units per MB of facts read',
      value: recompute.rruPerByteRead * 1_000_000,
      unit: 'RRU',
      digits: 1,
      how: `recompute of a stored district-day (${SEEDED_TICKETS} tickets, ${SEEDED_CASES} cases, ${(cohortReads.bytesRead / 1e6).toFixed(1)} MB) through the indicators handler`,
      detail: {
        cohortBytes: cohortReads.bytesRead,
        cohortRru: cohortReads.rru,
        bytesPerTicket: seeded.bytesPerTicket,
        bytesPerCase: seeded.bytesPerCase,
        sanitationBytesPerFullDay,
        gpsHeadBytes: heads.bytes,
        unionBytes,
        bytesPerReferenceDay: bytesPerFullDay,
        areasWritten,
        wruPerAreaWrite: recompute.wruPerAreaWrite,
        lambdaMs: indicatorsMs,
      },
    },
    {
      id: 'units.recompute.time',
      figure: 'recompute time per MB of facts read, against DynamoDB Local',
      value: indicatorsMs / (cohortReads.bytesRead / 1e6),
      unit: 'ms',
      digits: 0,
      how: `indicators handler with one facts.changed message for that day: ${indicatorsMs.toFixed(0)} ms for ${(cohortReads.bytesRead / 1e6).toFixed(1)} MB, mostly waiting for DynamoDB Local's Query pages`,
      detail: {
        handlerMs: indicatorsMs,
        cohortQueriesMsSummed: cohortReads.ms,
        cohortMb: cohortReads.bytesRead / 1e6,
      },
    },
    {
      id: 'units.supervision.index',
      figure: 'open-items index per ticket / case event: WRU; RRU',
      value: ticketIndex.wru,
      unit: 'WRU',
      digits: 2,
      how: `indexOpenItems on the facts after each event (${ticketIndex.events} ticket, ${caseIndex.events} case events), one event a run: ${ticketIndex.wru.toFixed(2)} / ${caseIndex.wru.toFixed(2)} WRU (byDue writes included), ${ticketIndex.rru.toFixed(2)} / ${caseIndex.rru.toFixed(2)} RRU`,
      detail: { ticket: ticketIndex, case: caseIndex },
    },
    {
      id: 'units.supervision.sweep',
      figure: 'supervision sweep with nothing due: RRU; WRU; Lambda time',
      value: supervisionPath.perSweep.rru,
      unit: 'RRU',
      digits: 2,
      how: `supervise handler, ${IDLE_SWEEPS} warm sweeps: ${supervisionPath.perSweep.wru.toFixed(2)} WRU, ${idleMs.toFixed(1)} ms against DynamoDB Local`,
      detail: { perSweep: supervisionPath.perSweep, ms: idleMs, byCall: breakdown(idle, IDLE_SWEEPS) },
    },
    {
      id: 'units.supervision.notice',
      figure: 'per deadline notice, sweep and its webhook event: WRU; RRU; entries',
      value: supervisionPath.perNotice.wru + supervisionPath.perNotice.fanout.wru,
      unit: 'WRU',
      digits: 2,
      how: `sweeps of ${DUE_PER_SWEEP} items due (approaching: ${approaching.wru.toFixed(2)} WRU, ${approaching.rru.toFixed(2)} RRU; overdue: ${overdue.wru.toFixed(2)}, ${overdue.rru.toFixed(2)}; fanout ${approaching.fanout.wru.toFixed(2)} WRU), mixed as the reference day's notices: ${(supervisionPath.perNotice.rru + supervisionPath.perNotice.fanout.rru).toFixed(2)} RRU, ${supervisionPath.perNotice.busEntries.toFixed(2)} bus entries`,
      detail: {
        perNotice: supervisionPath.perNotice,
        approaching: { ...approaching, phase: summarizePhase(approaching.phase, DUE_PER_SWEEP) },
        overdue: { ...overdue, phase: summarizePhase(overdue.phase, DUE_PER_SWEEP) },
      },
    },
    {
      id: 'units.supervision.end-of-day',
      figure: 'end-of-day open-overdue passes: RRU a day',
      value: endOfDay.rruPerDay,
      unit: 'RRU',
      digits: 0,
      how: `${endOfDayPasses} passes a day (yesterday's, and the nightly reconciliation's of 31 days), each reading the open-items index at ${rruPerListedItem.toFixed(3)} RRU an item listed (${listed} listed) for the ${Math.round(openAtDayEnd)} items the reference day leaves open, and ${logDaysPerDay} days of cohort logs a day; Lambda time not measured`,
      detail: { openAtDayEnd, rruPerListedItem, listed, logDaysPerDay },
    },
    {
      id: 'units.supervision.notices',
      figure: 'deadline notices of the reference day (approaching + overdue)',
      value: noticesOfDay.approaching + noticesOfDay.overdue,
      unit: 'notices',
      digits: 0,
      how: `workload lifecycles, default thresholds and deadlines: ${ticketNotices.noticed} of ${ticketNotices.entities} tickets and ${caseNotices.noticed} of ${caseNotices.entities} cases noticed; ${noticesOfDay.approaching} approaching, ${noticesOfDay.overdue} overdue`,
      detail: { tickets: ticketNotices, cases: caseNotices },
    },
  ];
  progress(SUITE, `done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  await bus.stop();
  return {
    figures,
    data: {
      feeds: [hotline, cases, gpsFleet],
      perVehicleMinute: gpsVehicleMinute,
      recompute,
      supervision: { ...supervisionPath, endOfDay },
      pointsPerGpsRecord: fleetPoints / fleetRecords,
      phases: {
        hotline: summarizePhase(hotlinePhase, ticketEvents.length),
        cityPlatform: summarizePhase(casesPhase, caseEvents.length),
        gpsFleet: summarizePhase(fleetPhase, fleetRecords),
        gpsVehicleMinute: summarizePhase(vehicleMinutePhase, vehicleMinutes.length),
        gpsFleetRecompute: summarizePhase(fleetRecompute.recompute, 1),
        gpsVehicleMinuteRecompute: summarizePhase(vehicleMinuteRecompute.recompute, 1),
        hotlineRecompute: summarizePhase(hotlineRecompute.recompute, 1),
        seededRecompute: summarizePhase(run, 1),
        seededFanout: summarizePhase(fanoutOfUpdates, areasWritten),
      },
    },
  };
};

/**
 * The deadline notices a day's lifecycles give, as the minute sweep gives them: while an entity is
 * open (between its events, under the facts derived from the events so far) each notice comes when
 * it is due; an entity that closes leaves the index with its marks, and one reopened starts afresh.
 */
const referenceNotices = (
  lifecycles: readonly Record<string, unknown>[][],
  derive: (id: string, events: readonly Record<string, unknown>[]) => EntityFacts,
  context: SupervisionContext,
) => {
  const counted = { entities: lifecycles.length, approaching: 0, overdue: 0, noticed: 0 };
  for (const events of lifecycles) {
    const id = String(events[0]?.ticketId ?? events[0]?.caseId);
    const times = events.map((event) => Date.parse(String(event.occurredAt)));
    let marks: NoticeMarks = {};
    let noticed = false;
    for (let k = 0; k < events.length; k += 1) {
      const facts = derive(id, events.slice(0, k + 1));
      if (!isOpen(facts)) {
        marks = {};
        continue;
      }
      const until = times[k + 1] ?? Number.POSITIVE_INFINITY;
      let at = times[k] as number;
      for (;;) {
        const standing = standingOf(facts, at, context);
        const next = standing ? nextNotice(standing, marks) : undefined;
        if (!next || next.at >= until) break;
        at = Math.max(at, next.at);
        const then = standingOf(facts, at, context);
        const given = then ? noticeAt(then, marks, at) : undefined;
        if (!given) break;
        counted[given.notice === 'overdue' ? 'overdue' : 'approaching'] += 1;
        marks = given.marks;
        noticed = true;
      }
    }
    if (noticed) counted.noticed += 1;
  }
  return counted;
};

const describeEntries = (phase: { entries: Record<string, { count: number }> }) =>
  Object.entries(phase.entries)
    .map(([type, { count }]) => `${count} ${type}`)
    .join(', ');

/** A phase's totals per record, for the JSON output. */
const summarizePhase = (
  phase: {
    units: (TallyKey & UnitTally)[];
    entries: Record<string, { count: number; chunks: number }>;
    messages: Record<string, number>;
    lambda: Timing;
  },
  records: number,
) => ({
  records,
  byOwner: Object.fromEntries(
    [...new Set(phase.units.map((entry) => entry.owner))].map((owner) => {
      const tally = sumTallies(phase.units, (entry) => entry.owner === owner);
      return [owner, { wru: tally.wru / records, rru: tally.rru / records, calls: tally.calls / records }];
    }),
  ),
  computedUnits: sumTallies(phase.units).computed / records,
  entries: phase.entries,
  messages: phase.messages,
  lambda: phase.lambda,
});

/**
 * Stores the cohort logs of a district-day of tickets and cases as the recompute leaves them once
 * compacted (each entity's latest facts, gzipped; checked against a log item the pipeline wrote),
 * straight into the table; returns the bytes per entity the recompute reads.
 */
const seedDistrictDay = async (endpoint: string) => {
  const documents = createDocumentClient(endpoint);
  const sample = await documents.send(
    new QueryCommand({
      TableName: BENCH_TABLES.facts,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `cohortlog#ticket#${DAY}` },
      Limit: 1,
    }),
  );
  const [stored] = sample.Items ?? [];
  if (!stored) throw new Error('no stored cohort log to compare the stored district-day with');
  const placement = districtPlacement('d00');
  const logs = new CohortLogStore(documents, BENCH_TABLES.facts);
  const tickets = ticketLifecycles(SEEDED_TICKETS, SEEDED_DAY, 31, placement, 'st').map((events) =>
    ticketFacts(
      String(events[0]?.ticketId),
      events.map((event) => hotlineEventSchema.parse(event)),
      ZONE,
    ),
  );
  const cases = caseLifecycles(SEEDED_CASES, SEEDED_DAY, 32, placement, 'sc').map((events) =>
    caseFacts(
      String(events[0]?.caseId),
      events.map((event) => cityPlatformEventSchema.parse(event)),
      ZONE,
    ),
  );
  // The last tickets come after a first recompute of the day (`topUp`).
  const later = tickets.splice(tickets.length - SEEDED_LATER_TICKETS);
  await logs.append('ticket', SEEDED_DAY, tickets, Date.now());
  await logs.append('case', SEEDED_DAY, cases, Date.now());
  const bytesOf = async (kind: 'ticket' | 'case') => {
    const { Items = [] } = await documents.send(
      new QueryCommand({
        TableName: BENCH_TABLES.facts,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `cohortlog#${kind}#${SEEDED_DAY}` },
      }),
    );
    const expected = Object.keys(stored).sort().join(',');
    for (const item of Items) {
      const actual = Object.keys(item).sort().join(',');
      if (expected !== actual)
        throw new Error(`stored cohort logs have attributes ${expected}; the benchmark stored ${actual}`);
    }
    return Items.reduce((sum, item) => sum + plainItemBytes(item), 0);
  };
  const bytesPerTicket = (await bytesOf('ticket')) / tickets.length;
  const bytesPerCase = (await bytesOf('case')) / cases.length;
  const topUp = async () => {
    await logs.append('ticket', SEEDED_DAY, later, Date.now());
    documents.destroy();
  };
  return { bytesPerTicket, bytesPerCase, topUp };
};

/** Bytes (as DynamoDB counts them) of the items of some partitions of the facts table. */
const partitionBytes = async (endpoint: string, partitions: readonly string[]) => {
  const documents = createDocumentClient(endpoint);
  let bytes = 0;
  let items = 0;
  for (const pk of partitions) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new QueryCommand({
          TableName: BENCH_TABLES.facts,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) bytes += plainItemBytes(item);
      items += page.Items?.length ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  documents.destroy();
  return { bytes, items };
};

const shards = Array.from({ length: GPS_SHARDS }, (_, shard) => shard);
/** The GPS log entries of a day, over all shards. */
const gpsLogBytes = (endpoint: string, day: string) =>
  partitionBytes(
    endpoint,
    shards.map((shard) => `gpslog#${day}#${shard}`),
  );
/** The shard heads of a day. */
const gpsHeadBytes = (endpoint: string, day: string) =>
  partitionBytes(
    endpoint,
    shards.map((shard) => `gpshead#${day}#${shard}`),
  );

/**
 * Bytes of the union of cleaned cells the recompute keeps for a whole reference day, as the union
 * store writes it (gzipped JSON): every vehicle's day covered on the reference roads.
 */
const referenceUnionBytes = (vehicles: number): number => {
  const network = buildRoadNetwork(referenceRoads());
  const context = coverageContext(network, ZONE);
  const registry = new Map(referenceVehicles().map((vehicle) => [vehicle.vehicleId, vehicle]));
  const cells = new Map<string, readonly number[]>();
  for (let vehicle = 0; vehicle < vehicles; vehicle += 1) {
    const rows = trackerMinutes(vehicle, DAY).flatMap((record) =>
      (record.points as { t: string; lat: number; lon: number; working?: boolean }[]).map((point) =>
        toRow({ t: toEpochMs(point.t), lat: point.lat, lon: point.lon, working: point.working }),
      ),
    );
    const cleans = cleansRoads(registry.get(`v${vehicle}`)?.type);
    const exact = exactVehicleDay(DAY, rows, undefined, cleans, context);
    if (exact) addCells(cells, exact.cells);
  }
  const applied = Object.fromEntries(shards.map((shard) => [shard, 1440]));
  return gzipSync(JSON.stringify({ applied, cells: [...cells] })).length;
};
