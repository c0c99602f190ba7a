import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  Context,
  DynamoDBBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { writeDashboardPage } from '#infra/dashboard/build';
import { LocalBus } from '#infra/local/bus';
import { Chaos, type ChaosOptions, describeServiceFaults } from '#infra/local/chaos';
import { startDynamoDbLocal } from '#infra/local/dynamodb-local';
import { FrontDoor } from '#infra/local/front-door';
import { LocalHttpApi } from '#infra/local/http-api';
import { lambdaContext } from '#infra/local/lambda-context';
import { type DeadLetter, LocalQueue } from '#infra/local/queue';
import { QueueJournal } from '#infra/local/queue-journal';
import { LocalScheduler } from '#infra/local/scheduler';
import { freePort } from '#infra/local/servers';
import { LocalSqs, localDeadLetterArn, localQueueArn } from '#infra/local/sqs';
import { LocalStream } from '#infra/local/stream';
import { sourceEnvSuffix } from '#shared/adapters/source-secrets';
import { ensureTable } from '#shared/adapters/table-definitions';
import { UnknownResourceError } from '#shared/domain/errors';
import { parseRetrySchedule } from '#shared/domain/webhooks/retry';
import type { Source } from '#shared/schemas/ingest';
import {
  busName,
  type FunctionDecl,
  type FunctionName,
  functions,
  type QueueName,
  queues,
  routes,
  rules,
  type StreamDecl,
  type StreamName,
  schedules,
  streams,
  tables,
} from '#shared/topology';

/** Settings of one local hub. */
export interface HubOptions {
  /** HTTP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Persist DynamoDB Local and the queues' messages here; in memory when absent. */
  readonly dataDir?: string;
  readonly timeZone: string;
  readonly adminToken: string;
  readonly analystToken: string;
  /**
   * OIDC mode: analyst and admin routes also take JWT access tokens of this issuer and audience,
   * checked against its JWKS and mapped to a role by group or scope as deployed (shared/http/auth.ts).
   *
   * @default - the hub's own bearer tokens only
   */
  readonly oidc?: { readonly issuer: string; readonly audience: string; readonly dashboardClientId: string };
  readonly sourceSecrets: Readonly<Record<Source, string>>;
  /** Progress and problems, one line each. */
  readonly log: (line: string) => void;
  /**
   * Inject delivery faults (duplicates, reordering, failing batches) and, when set, faults of the
   * services the functions call (DynamoDB throttling, timeouts, slow answers; refused PutEvents
   * entries); see {@link Chaos}.
   */
  readonly chaos?: ChaosOptions;
  /**
   * `manual`: the declared schedules run only through {@link Hub.runSchedule}, never on their timers
   * (tests that set the clock themselves).
   *
   * @default 'timers'
   */
  readonly schedules?: 'timers' | 'manual';
}

/** A running local hub. */
export interface Hub {
  readonly url: string;
  /** Names the local runtime gives the declared tables. */
  readonly tableNames: Readonly<Record<keyof typeof tables, string>>;
  readonly dynamoDbEndpoint: string;
  /** DynamoDB Local's Java process. */
  readonly dynamoDbPid: number | undefined;
  readonly bus: LocalBus;
  readonly queues: ReadonlyMap<QueueName, LocalQueue>;
  /** Resolves once every queue is empty and idle (work that creates more work included). */
  drain(): Promise<void>;
  /**
   * Runs a declared schedule now, as its timer would (for tests on a controlled clock: set the clock,
   * run the sweep, see what it announced).
   */
  runSchedule(id: string): Promise<unknown>;
  /** Stops everything the hub started, DynamoDB Local's Java process included. */
  stop(): Promise<void>;
}

/** Local queues gather batches for at most this long (the declared windows are for AWS). */
const LOCAL_BATCHING_WINDOW_MS = 250;
/** Longest a consumer batch waits for a moment without HTTP requests in flight (see FrontDoor). */
const LOCAL_GIVE_WAY_MS = 1000;
const LOCAL_RETRY_DELAY_MS = 500;
/** Delivery batches in flight at once, as Lambda would run several invocations. */
const LOCAL_DELIVERY_CONCURRENCY = 4;

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * Starts the whole hub on this machine from the topology declaration: DynamoDB Local with the declared
 * tables, the bus with the declared rules, a queue per declared queue, the HTTP API with the declared
 * routes, and the declared schedules, each calling the same handler modules the Lambdas run.
 * Handlers read their configuration from `process.env` when first imported, so one process runs one hub.
 */
export const startHub = async (options: HubOptions): Promise<Hub> => {
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        options.log(`cityhub: while stopping: ${(error as Error).message}`);
      }
    }
  };
  // Lambda runs a current Node.js; the SDK's notice about older local Node versions is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    const dynamo = await startDynamoDbLocal(await freePort(), options.dataDir);
    stops.push(() => dynamo.stop());
    options.log(
      `cityhub: DynamoDB Local on ${dynamo.endpoint}${options.dataDir ? ` (data in ${options.dataDir})` : ' (in memory)'}`,
    );

    const tableNames = {
      facts: `cityhub-local-${tables.facts.id.toLowerCase()}`,
      indicators: `cityhub-local-${tables.indicators.id.toLowerCase()}`,
      secrets: `cityhub-local-${tables.secrets.id.toLowerCase()}`,
      replies: `cityhub-local-${tables.replies.id.toLowerCase()}`,
    };
    const ddb = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    for (const [name, decl] of Object.entries(tables)) {
      await ensureTable(ddb, decl, tableNames[name as keyof typeof tables]);
    }
    ddb.destroy();

    const queueMap = new Map<QueueName, LocalQueue>();
    const frontDoor = new FrontDoor();
    const chaos = options.chaos ? new Chaos(options.chaos, options.log) : undefined;
    if (options.chaos)
      options.log(
        `cityhub: chaos: every event delivered 1 to ${options.chaos.maxCopies} times out of order, ${options.chaos.failureRate * 100} % of batches fail (seed ${options.chaos.seed})${describeServiceFaults(options.chaos)}`,
      );
    // Under chaos the functions reach DynamoDB Local through a proxy that throttles, cuts off or slows requests.
    const dynamoProxy = chaos?.dynamoDbProxy(dynamo.endpoint);
    const functionsDynamoEndpoint = dynamoProxy ? await dynamoProxy.start() : dynamo.endpoint;
    if (dynamoProxy) stops.push(() => dynamoProxy.stop());
    const journals: QueueJournal[] = [];
    const bus = new LocalBus(
      busName('local'),
      rules.map((rule) => {
        const target = (json: string, delayMs = 0) => queueMap.get(rule.queue)?.send(json, delayMs);
        return { rule, target: chaos ? chaos.target(target) : target };
      }),
      {
        // PutEvents is answered once its events are on stable storage in their queues' journals.
        beforeAnswer: async () => {
          await Promise.all(journals.map((journal) => journal.durable()));
        },
        ...(chaos ? { refuseEntry: () => chaos.refuseEntry() } : {}),
      },
    );
    const busEndpoint = await bus.start();
    stops.push(() => bus.stop());

    const retrySchedule = parseRetrySchedule(process.env.CITYHUB_RETRY_SCHEDULE);
    const sqs = new LocalSqs(queueMap);
    const sqsEndpoint = await sqs.start();
    stops.push(() => sqs.stop());

    // The dashboard page (GET /) is built from its sources, as the CDK bundling builds it for AWS.
    const dashboardDirectory = mkdtempSync(join(tmpdir(), 'cityhub-dashboard-'));
    stops.push(() => rmSync(dashboardDirectory, { recursive: true, force: true }));
    const dashboardPage = await writeDashboardPage(dashboardDirectory);

    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      CITY_TIMEZONE: options.timeZone,
      DYNAMODB_ENDPOINT: functionsDynamoEndpoint,
      EVENTBRIDGE_ENDPOINT: busEndpoint,
      EVENT_BUS_NAME: busName('local'),
      [tables.facts.envVar]: tableNames.facts,
      [tables.indicators.envVar]: tableNames.indicators,
      [tables.secrets.envVar]: tableNames.secrets,
      [tables.replies.envVar]: tableNames.replies,
      SQS_ENDPOINT: sqsEndpoint,
      VISIBILITY_QUEUE_URL: sqs.urlOf('delivery'),
      // The admin's redrive reaches every queue's dead letters through the local SQS.
      DEAD_LETTER_QUEUES: JSON.stringify(
        Object.fromEntries(
          Object.keys(queues).map((name) => [
            name,
            { url: sqs.deadLetterUrlOf(name), arn: localDeadLetterArn(name), sourceArn: localQueueArn(name) },
          ]),
        ),
      ),
      RETRY_SCHEDULE: retrySchedule.join(','),
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      WEBHOOK_PORTS: '*',
      // Overrides of the webhook defaults (24 h secret overlap, disabled after 5 days of failures).
      ...(process.env.CITYHUB_WEBHOOK_SECRET_OVERLAP_HOURS
        ? { WEBHOOK_SECRET_OVERLAP_HOURS: process.env.CITYHUB_WEBHOOK_SECRET_OVERLAP_HOURS }
        : {}),
      ...(process.env.CITYHUB_WEBHOOK_DISABLE_AFTER_DAYS
        ? { WEBHOOK_DISABLE_AFTER_DAYS: process.env.CITYHUB_WEBHOOK_DISABLE_AFTER_DAYS }
        : {}),
      // Deliveries a second to one subscription (default 10, bursts of 20). The local hub runs every
      // delivery batch in this one process, so one pacer keeps the whole rate.
      ...(process.env.CITYHUB_WEBHOOK_RATE_PER_SUBSCRIPTION
        ? { WEBHOOK_RATE_PER_SUBSCRIPTION: process.env.CITYHUB_WEBHOOK_RATE_PER_SUBSCRIPTION }
        : {}),
      DELIVERY_MAX_CONCURRENCY: '1',
      AUTH_MODE: options.oidc ? 'oidc' : 'token',
      ...(options.oidc
        ? {
            OIDC_ISSUER: options.oidc.issuer,
            OIDC_AUDIENCE: options.oidc.audience,
            SIGN_IN_ISSUER: options.oidc.issuer,
            SIGN_IN_CLIENT_ID: options.oidc.dashboardClientId,
            SIGN_IN_SCOPES: 'openid',
          }
        : {}),
      ADMIN_TOKEN: options.adminToken,
      ANALYST_TOKEN: options.analystToken,
      DASHBOARD_PAGE: dashboardPage,
      ...Object.fromEntries(
        Object.entries(options.sourceSecrets).map(([source, secret]) => [
          `SOURCE_SECRET_${sourceEnvSuffix(source as Source)}`,
          secret,
        ]),
      ),
    });

    const handlers = new Map<FunctionName, AnyHandler>();
    for (const [name, decl] of Object.entries(functions) as [FunctionName, FunctionDecl][]) {
      const module = (await import(new URL(`../../${decl.entry}`, import.meta.url).href)) as {
        handler: AnyHandler;
      };
      handlers.set(name, module.handler);
    }
    const invoke = (name: FunctionName, event: unknown) =>
      (handlers.get(name) as AnyHandler)(event, lambdaContext(name, functions[name]));

    const journalDir = options.dataDir ? resolve(options.dataDir, 'queues') : undefined;
    if (journalDir) mkdirSync(journalDir, { recursive: true });
    for (const [name, decl] of Object.entries(queues) as [QueueName, (typeof queues)[QueueName]][]) {
      // Deliveries are tried once and then once per retry of the (possibly shortened) local schedule.
      const declared = name === 'delivery' ? { ...decl, maxReceiveCount: retrySchedule.length + 1 } : decl;
      const consume = (event: SQSEvent) => invoke(decl.consumer, event);
      const journal = journalDir ? new QueueJournal(join(journalDir, `${name}.ndjson`)) : undefined;
      if (journal) journals.push(journal);
      const queue = new LocalQueue(
        name,
        declared,
        chaos ? chaos.consumer(name, consume, declared.maxReceiveCount) : consume,
        {
          // Deliveries run side by side so a hanging endpoint holds up no other; the rest one batch at a time.
          concurrency: name === 'delivery' ? LOCAL_DELIVERY_CONCURRENCY : 1,
          // A recompute re-reads whole days: under a heavy feed it would otherwise run back to back
          // (with no ingest request for a while, it runs at once).
          restFactor: name === 'recompute' ? 1 : 0,
          restWhile: () => frontDoor.busy(LOCAL_GIVE_WAY_MS),
          ...(name === 'delivery' ? {} : { beforeBatch: () => frontDoor.quiet(LOCAL_GIVE_WAY_MS) }),
          batchingWindowMs: Math.min(LOCAL_BATCHING_WINDOW_MS, decl.maxBatchingWindowSeconds * 1000),
          retryDelayMs: LOCAL_RETRY_DELAY_MS,
          ...(journal ? { journal } : {}),
          onDeadLetter: (letter: DeadLetter) =>
            options.log(
              `cityhub: a message of queue ${name} moved to its dead letters after ${letter.receiveCount} receives: ${letter.lastError}`,
            ),
        },
      );
      queueMap.set(name, queue);
      stops.push(() => queue.stop());
    }
    for (const queue of queueMap.values()) {
      if (queue.recovered > 0)
        options.log(
          `cityhub: queue ${queue.name}: ${queue.recovered} messages from before a stop are delivered again`,
        );
      queue.start();
    }

    // Table streams: a poller per declared stream hands the records its filter matches to the consumer.
    const streamMap = new Map<StreamName, LocalStream>();
    for (const [name, decl] of Object.entries(streams) as [StreamName, StreamDecl][]) {
      const stream = new LocalStream(name, decl, {
        endpoint: dynamo.endpoint,
        tableName: tableNames[decl.table],
        consume: (event) => invoke(decl.consumer, event) as Promise<DynamoDBBatchResponse>,
        checkpointFile: journalDir ? join(journalDir, `stream-${name}.json`) : undefined,
        retryDelayMs: LOCAL_RETRY_DELAY_MS,
        batchingWindowMs: Math.min(LOCAL_BATCHING_WINDOW_MS, decl.maxBatchingWindowSeconds * 1000),
        log: options.log,
      });
      streamMap.set(name, stream);
      stops.push(() => stream.stop());
      stream.start();
    }

    const api = new LocalHttpApi(
      routes.map((route) => ({
        route,
        handler: (event: APIGatewayProxyEventV2) =>
          invoke(route.function, event) as Promise<APIGatewayProxyResultV2>,
      })),
      frontDoor,
    );
    const url = await api.start(options.port);
    stops.push(() => api.stop());

    const scheduler = new LocalScheduler(
      schedules,
      options.timeZone,
      (schedule) => invoke(schedule.function, schedule.input),
      (schedule, error) => options.log(`cityhub: schedule ${schedule.id} failed: ${error.message}`),
    );
    if (options.schedules !== 'manual') scheduler.start();
    stops.push(() => scheduler.stop());

    const drain = async () => {
      for (;;) {
        // A stream's records become bus events, whose queues' work may store more: until all rest.
        await Promise.all([...streamMap.values()].map((stream) => stream.idle()));
        await Promise.all([...queueMap.values()].map((queue) => queue.idle()));
        if (![...queueMap.values()].every((queue) => queue.depth === 0)) continue;
        await Promise.all([...streamMap.values()].map((stream) => stream.idle()));
        if ([...queueMap.values()].every((queue) => queue.depth === 0)) return;
      }
    };
    const runSchedule = (id: string) => {
      const schedule = schedules.find((each) => each.id === id);
      if (!schedule)
        throw new UnknownResourceError(`no schedule ${id}: ${schedules.map((each) => each.id).join(', ')}`);
      return invoke(schedule.function, schedule.input);
    };
    return {
      url,
      tableNames,
      dynamoDbEndpoint: dynamo.endpoint,
      dynamoDbPid: dynamo.pid,
      bus,
      queues: queueMap,
      drain,
      runSchedule,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
