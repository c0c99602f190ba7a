/**
 * Ingest handler CPU per record, in process: the ingest Lambda's `handler` (functions/ingest/handler.ts,
 * middy, signature check, validation, dedupe, publishing, marks and answer) called with signed requests,
 * with the AWS clients answering success:
 * - mocked: aws-sdk-client-mock on DynamoDBDocumentClient and EventBridgeClient (no SDK work at all);
 * - SDK: the real clients with only the HTTP exchange replaced by canned answers, so the SDK's
 *   marshalling, JSON serialization, SigV4 signing and response parsing count too.
 * CPU = user + system time of the process (process.cpuUsage) over rounds of requests after a warm-up;
 * the figure is the median round.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  BatchExecuteStatementCommand,
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { Source } from '#shared/schemas/ingest';
import { functions } from '#shared/topology';
import { type Figure, median, progress, runSuite } from '../figures.ts';
import { benchContext, handlerEnv, signedIngestEvent } from '../lambda-env.ts';
import { byOccurrence, caseLifecycles, ticketLifecycles, trackerMinutes } from '../workload.ts';

const SUITE = 'ingest-cpu';
const DAY = '2026-03-02';
const HOTLINE_TARGET_US = 25;

Object.assign(process.env, handlerEnv(), {
  // As deployed: the Lambda runtime sets the function name, which turns on the EMF metric line.
  AWS_LAMBDA_FUNCTION_NAME: 'cityhub-bench-ingest',
  POWERTOOLS_SERVICE_NAME: 'cityhub-ingest',
});

type Handler = (
  event: APIGatewayProxyEventV2,
  context: unknown,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** One kind of request: how to build the i-th one and how many records and points it carries. */
interface Workload {
  readonly name: string;
  readonly source: Source;
  readonly request: (i: number) => unknown[];
  readonly warmup: number;
  readonly rounds: number;
  readonly requestsPerRound: number;
}

/** The i-th block of `size` records from an endless supply of lifecycles (seeded per block of 250 entities). */
const entityRecords = (make: (count: number, seed: number) => Record<string, unknown>[][], size: number) => {
  return (i: number) => {
    const records: unknown[] = [];
    for (let block = 0; records.length < size; block += 1) {
      records.push(...byOccurrence(make(250, 1 + i * 97 + block)));
    }
    return records.slice(0, size);
  };
};

const vehicleMinutes = new Map<number, Record<string, unknown>[]>();
const minutesOf = (vehicle: number) => {
  let minutes = vehicleMinutes.get(vehicle);
  if (!minutes) {
    minutes = trackerMinutes(vehicle, DAY);
    vehicleMinutes.clear();
    vehicleMinutes.set(vehicle, minutes);
  }
  return minutes;
};

/** Records of 1000 points: a vehicle's day cut into 1000-point batches (about 2 h 47 min each). */
const thousandPointRecords = (i: number, perRequest: number): unknown[] =>
  Array.from({ length: perRequest }, (_, k) => {
    const n = i * perRequest + k;
    const vehicle = Math.floor(n / 8);
    const points = minutesOf(vehicle).flatMap((minute) => minute.points as unknown[]);
    const part = n % 8;
    return {
      eventId: `v${vehicle}-${DAY}-k${part}`,
      vehicleId: `v${vehicle}`,
      points: points.slice(part * 1000, (part + 1) * 1000),
    };
  });

const workloads: Workload[] = [
  {
    name: 'hotline',
    source: 'hotline',
    request: entityRecords((count, seed) => ticketLifecycles(count, DAY, seed), 1000),
    warmup: 20,
    rounds: 5,
    requestsPerRound: 4,
  },
  {
    name: 'city-platform',
    source: 'city-platform',
    request: entityRecords((count, seed) => caseLifecycles(count, DAY, seed), 1000),
    warmup: 20,
    rounds: 5,
    requestsPerRound: 4,
  },
  {
    name: 'sanitation-tracker',
    source: 'sanitation',
    // One vehicle-minute per request, as a tracker sends it.
    request: (i) => [minutesOf(Math.floor(i / 1440))[i % 1440] ?? minutesOf(0)[0]],
    warmup: 400,
    rounds: 5,
    requestsPerRound: 200,
  },
  {
    name: 'sanitation-1000',
    source: 'sanitation',
    request: (i) => thousandPointRecords(i, 5),
    warmup: 10,
    rounds: 5,
    requestsPerRound: 4,
  },
];

const pointsOf = (records: readonly unknown[]) =>
  records.reduce<number>((sum, record) => sum + ((record as { points?: unknown[] }).points?.length ?? 0), 0);

/** Per-record and per-point CPU (µs) of each round of a workload. */
const measure = async (handler: Handler, workload: Workload, firstRequest: number) => {
  const context = benchContext('ingest', functions.ingest);
  const run = async (events: APIGatewayProxyEventV2[]) => {
    const answers: APIGatewayProxyStructuredResultV2[] = [];
    const before = process.cpuUsage();
    for (const event of events) answers.push(await handler(event, context));
    const used = process.cpuUsage(before);
    return { cpuUs: used.user + used.system, answers };
  };
  const build = (from: number, count: number) =>
    Array.from({ length: count }, (_, k) => workload.request(from + k)).map((records) => ({
      records,
      event: signedIngestEvent(workload.source, records),
    }));
  let next = firstRequest;
  const check = (answers: APIGatewayProxyStructuredResultV2[], requests: { records: unknown[] }[]) => {
    answers.forEach((answer, k) => {
      const expected = requests[k]?.records.length;
      const body = JSON.parse(String(answer.body)) as { accepted?: number };
      if (answer.statusCode !== 202 || body.accepted !== expected)
        throw new Error(
          `${workload.name}: expected 202 with ${expected} accepted, got ${answer.statusCode} ${String(answer.body).slice(0, 300)}`,
        );
    });
  };
  const warm = build(next, workload.warmup);
  next += workload.warmup;
  check((await run(warm.map((request) => request.event))).answers, warm);
  const rounds: { usPerRecord: number; usPerPoint: number; msPerRequest: number }[] = [];
  for (let round = 0; round < workload.rounds; round += 1) {
    const requests = build(next, workload.requestsPerRound);
    next += workload.requestsPerRound;
    const records = requests.reduce((sum, request) => sum + request.records.length, 0);
    const points = requests.reduce((sum, request) => sum + pointsOf(request.records), 0);
    const { cpuUs, answers } = await run(requests.map((request) => request.event));
    check(answers, requests);
    rounds.push({
      usPerRecord: cpuUs / records,
      usPerPoint: points > 0 ? cpuUs / points : Number.NaN,
      msPerRequest: cpuUs / 1000 / requests.length,
    });
  }
  return { rounds, next };
};

/** Replaces the HTTP exchange of every SDK client with canned success answers. */
const cannedHttp = () => {
  const probe = new DynamoDBClient({});
  const requestHandler = probe.config.requestHandler as unknown as object;
  const prototype = Object.getPrototypeOf(requestHandler) as {
    handle: (request: unknown) => Promise<unknown>;
  };
  probe.destroy();
  const answers: Record<string, string> = {
    'DynamoDB_20120810.BatchGetItem': '{"Responses":{},"UnprocessedKeys":{}}',
    'DynamoDB_20120810.BatchWriteItem': '{"UnprocessedItems":{}}',
    // The publisher only checks FailedEntryCount.
    'AWSEvents.PutEvents': '{"FailedEntryCount":0,"Entries":[]}',
  };
  const original = prototype.handle;
  prototype.handle = async (request: unknown) => {
    const { headers, body: sent } = request as { headers: Record<string, string>; body?: unknown };
    const target = headers['x-amz-target'] ?? '';
    // PartiQL batches are answered statement by statement: each took effect.
    const answer =
      target === 'DynamoDB_20120810.BatchExecuteStatement'
        ? JSON.stringify({
            Responses: (JSON.parse(String(sent)) as { Statements: unknown[] }).Statements.map(() => ({})),
          })
        : (answers[target] ?? '{}');
    const body = new TextEncoder().encode(answer);
    return {
      response: {
        statusCode: 200,
        reason: 'OK',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(body.length) },
        body,
      },
    };
  };
  return () => {
    prototype.handle = original;
  };
};

/** Replaces `send` of the document and EventBridge clients with plain stubs that record nothing. */
const bareStubs = () => {
  const documents = DynamoDBDocumentClient.prototype as unknown as { send: unknown };
  const bus = EventBridgeClient.prototype as unknown as { send: unknown };
  const originals = [documents.send, bus.send];
  documents.send = async (command: object) =>
    command instanceof BatchGetCommand
      ? { Responses: {}, UnprocessedKeys: {} }
      : command instanceof BatchExecuteStatementCommand
        ? { Responses: (command.input.Statements ?? []).map(() => ({})) }
        : {};
  bus.send = async () => ({ FailedEntryCount: 0, Entries: [] });
  return () => {
    [documents.send, bus.send] = originals;
  };
};

/** aws-sdk-client-mock on the document and EventBridge clients, answering success. */
const sdkClientMock = () => {
  const documents = mockClient(DynamoDBDocumentClient);
  documents.on(PutCommand).resolves({});
  documents.on(UpdateCommand).resolves({});
  documents.on(DeleteCommand).resolves({});
  documents.on(GetCommand).resolves({});
  documents.on(BatchGetCommand).resolves({ Responses: {}, UnprocessedKeys: {} });
  documents.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
  documents.on(BatchExecuteStatementCommand).callsFake((input: { Statements?: unknown[] }) => ({
    Responses: (input.Statements ?? []).map(() => ({})),
  }));
  const bus = mockClient(EventBridgeClient);
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  return () => {
    documents.restore();
    bus.restore();
  };
};

type Mode = 'mocked' | 'bare' | 'sdk';
const MODES: Record<Mode, { install: () => () => void; label: string; workloads: string[] }> = {
  mocked: {
    install: sdkClientMock,
    label: 'aws-sdk-client-mock on DynamoDBDocumentClient and EventBridgeClient',
    workloads: ['hotline', 'city-platform', 'sanitation-1000', 'sanitation-tracker'],
  },
  bare: { install: bareStubs, label: 'plain stubs for send (no call recording)', workloads: ['hotline'] },
  sdk: {
    install: cannedHttp,
    label: 'real SDK clients, HTTP replaced by canned answers',
    workloads: ['hotline', 'sanitation-tracker'],
  },
};

type Summary = { usPerRecord: number; usPerPoint: number; msPerRequest: number; usPerRecordRange: number[] };
const summarize = (rounds: { usPerRecord: number; usPerPoint: number; msPerRequest: number }[]): Summary => ({
  usPerRecord: median(rounds.map((round) => round.usPerRecord)),
  usPerPoint: median(rounds.map((round) => round.usPerPoint)),
  msPerRequest: median(rounds.map((round) => round.msPerRequest)),
  usPerRecordRange: [
    Math.min(...rounds.map((round) => round.usPerRecord)),
    Math.max(...rounds.map((round) => round.usPerRecord)),
  ],
});

runSuite(SUITE, async () => {
  const { handler } = (await import('#functions/ingest/handler')) as unknown as { handler: Handler };
  const results: Record<Mode, Record<string, Summary>> = { mocked: {}, bare: {}, sdk: {} };
  let next = 0;
  for (const [mode, { install, label, workloads: names }] of Object.entries(MODES) as [
    Mode,
    (typeof MODES)[Mode],
  ][]) {
    const uninstall = install();
    for (const name of names) {
      const workload = workloads.find((candidate) => candidate.name === name);
      if (!workload) throw new Error(`no workload ${name}`);
      progress(SUITE, `${name}: ${label}`);
      const measured = await measure(handler, workload, next);
      next = measured.next;
      results[mode][name] = summarize(measured.rounds);
    }
    uninstall();
  }

  const at = (mode: Mode, name: string) => {
    const value = results[mode][name];
    if (!value) throw new Error(`no result for ${mode} ${name}`);
    return value;
  };
  const how = (name: string, shape: string, mode: Mode) => {
    const workload = workloads.find((candidate) => candidate.name === name);
    return `${shape}; process.cpuUsage over ${workload?.rounds} rounds of ${workload?.requestsPerRound} requests after ${workload?.warmup} warm-up requests, median round; ${MODES[mode].label}`;
  };
  const figures: Figure[] = [
    {
      id: 'ingest.cpu.hotline',
      figure: 'ingest CPU per hotline record',
      value: at('mocked', 'hotline').usPerRecord,
      unit: 'µs',
      digits: 1,
      target: { op: '<=', value: HOTLINE_TARGET_US },
      how: how('hotline', 'requests of 1000 ticket events', 'mocked'),
      detail: at('mocked', 'hotline'),
    },
    {
      id: 'ingest.cpu.hotline.bare',
      figure: 'ingest CPU per hotline record, stubs without call recording',
      value: at('bare', 'hotline').usPerRecord,
      unit: 'µs',
      digits: 1,
      target: { op: '<=', value: HOTLINE_TARGET_US },
      how: how('hotline', "as above, without aws-sdk-client-mock's record of every call", 'bare'),
      detail: at('bare', 'hotline'),
    },
    {
      id: 'ingest.cpu.hotline.sdk',
      figure: 'ingest CPU per hotline record, AWS SDK work included',
      value: at('sdk', 'hotline').usPerRecord,
      unit: 'µs',
      digits: 1,
      target: { op: '<=', value: HOTLINE_TARGET_US },
      how: how('hotline', 'requests of 1000 ticket events', 'sdk'),
      detail: at('sdk', 'hotline'),
    },
    {
      id: 'ingest.cpu.city-platform',
      figure: 'ingest CPU per city-platform record',
      value: at('mocked', 'city-platform').usPerRecord,
      unit: 'µs',
      digits: 1,
      how: how('city-platform', 'requests of 1000 case events', 'mocked'),
      detail: at('mocked', 'city-platform'),
    },
    {
      id: 'ingest.cpu.sanitation.point',
      figure: 'ingest CPU per GPS point (1000-point records)',
      value: at('mocked', 'sanitation-1000').usPerPoint,
      unit: 'µs',
      digits: 2,
      how: how('sanitation-1000', 'requests of 5 records × 1000 points', 'mocked'),
      detail: at('mocked', 'sanitation-1000'),
    },
    {
      id: 'ingest.cpu.sanitation.tracker',
      figure: 'ingest CPU per tracker request (1 record of 1 minute, 6 points)',
      value: at('mocked', 'sanitation-tracker').usPerRecord,
      unit: 'µs',
      digits: 0,
      how: how('sanitation-tracker', 'one vehicle-minute per request', 'mocked'),
      detail: { mocked: at('mocked', 'sanitation-tracker'), sdk: at('sdk', 'sanitation-tracker') },
    },
  ];
  return { figures, data: results };
});
