/**
 * The one declaration of cityhub's topology: tables, functions, bus rules, queues, HTTP routes and
 * schedules. The CDK stacks (infra/) and the local runtime (infra/local/) both read it, so the
 * deployed system and `npm start` route the same events to the same code.
 */

import { DEFAULT_RETRY_SCHEDULE_S } from '#shared/domain/webhooks/retry';
import { feedResumed, feedSilent, indicatorAlert } from '#shared/events/alerts';
import { coverageReprocessRequested } from '#shared/events/coverage-reprocess';
import { deadlineNoticed } from '#shared/events/deadlines';
import { factsChanged } from '#shared/events/facts-changed';
import { indicatorsDayUpdated, indicatorsUpdated } from '#shared/events/indicators-updated';
import {
  cityPlatformRecordAccepted,
  cityPlatformRecordResent,
  hotlineRecordAccepted,
  hotlineRecordResent,
  sanitationRecordAccepted,
  sanitationRecordsAccepted,
} from '#shared/events/record-accepted';
import { subscriptionDisabled } from '#shared/events/subscriptions';
import { syncCaseRequested, webhookDeliveryRequested } from '#shared/events/webhooks';

/** A key attribute of a table or index (all cityhub keys are strings). */
export interface KeyDecl {
  readonly name: string;
}

export interface IndexDecl {
  readonly indexName: string;
  readonly partitionKey: KeyDecl;
  readonly sortKey: KeyDecl;
  /**
   * What the index copies of each item: its keys only (written when an item is created, never when
   * its other attributes change) or the whole item (written on every change).
   */
  readonly projection: 'keys' | 'all';
}

export interface TableDecl {
  /** Stable id: CDK construct id suffix and local table name suffix. */
  readonly id: string;
  /** Environment variable through which functions learn the table's name. */
  readonly envVar: string;
  readonly partitionKey: KeyDecl;
  readonly sortKey: KeyDecl;
  /** Attribute holding an expiry time in epoch seconds, if items expire. */
  readonly ttlAttribute?: string;
  readonly globalIndexes: readonly IndexDecl[];
  /** The table keeps a stream of its changes (new images), for a declared {@link StreamDecl}. */
  readonly stream?: 'newImage';
}

export const tables = {
  /** Ticket and case events, cohort logs, GPS facts, quarantine and reference sets. */
  facts: {
    id: 'Facts',
    envVar: 'FACTS_TABLE',
    partitionKey: { name: 'pk' },
    sortKey: { name: 'sk' },
    ttlAttribute: 'expiresAt',
    globalIndexes: [
      {
        // Sparse: only open items with a pending supervision notice carry `duePart` and `due`
        // (shared/adapters/open-items-store.ts); the minute sweep reads the ones due.
        indexName: 'byDue',
        partitionKey: { name: 'duePart' },
        sortKey: { name: 'due' },
        projection: 'keys',
      },
    ],
  },
  /** Published daily indicators, one item per (area, date). */
  indicators: {
    id: 'Indicators',
    envVar: 'INDICATORS_TABLE',
    partitionKey: { name: 'area' },
    sortKey: { name: 'date' },
    // Keys only: rewriting a day's values costs no index write; a day's items are read by key after.
    // (It replaced `byDate`, which copied whole items: see docs/deploy.md on upgrading.)
    globalIndexes: [
      {
        indexName: 'byDateKeys',
        partitionKey: { name: 'date' },
        sortKey: { name: 'area' },
        projection: 'keys',
      },
    ],
  },
  /**
   * The first answer to each `webhook-id` of a source, kept 24 hours (CONTRACT §2, §10). A small GPS
   * request's records travel in its answer (shared/adapters/webhook-replies-store.ts), and the table's
   * stream takes them on to the bus (`streams.replies`).
   */
  replies: {
    id: 'WebhookReplies',
    envVar: 'REPLIES_TABLE',
    partitionKey: { name: 'pk' },
    sortKey: { name: 'sk' },
    ttlAttribute: 'expiresAt',
    globalIndexes: [],
    stream: 'newImage',
  },
  /**
   * Webhook subscriptions' signing secrets (current, and the previous one during a rotation's overlap),
   * one item per subscription. A table of their own, so only the functions granted it (deliver,
   * subscriptions) can read them.
   */
  secrets: {
    id: 'WebhookSecrets',
    envVar: 'WEBHOOK_SECRETS_TABLE',
    partitionKey: { name: 'pk' },
    sortKey: { name: 'sk' },
    globalIndexes: [],
  },
} as const satisfies Record<string, TableDecl>;
export type TableName = keyof typeof tables;

/** DynamoDB actions a function can be granted one by one. */
export type DynamoAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'BatchWriteItem'
  | 'UpdateItem'
  | 'DeleteItem'
  /** PartiQL INSERT (BatchExecuteStatement): a put that fails on an existing key. */
  | 'PartiQLInsert'
  /** PartiQL UPDATE (BatchExecuteStatement): an update that fails on a missing item. */
  | 'PartiQLUpdate';

/** What a function may touch; the CDK stack turns this into `grant*` calls and nothing more. */
export interface AccessDecl {
  /** Per table: all reads, all reads and writes, or just these DynamoDB actions (e.g. `['GetItem']`). */
  readonly tables?: Partial<Record<TableName, 'read' | 'readWrite' | readonly DynamoAction[]>>;
  /**
   * Per table, PartiQL statements a function with all reads and writes also runs (batches of writes):
   * `grant*Data` never grants them.
   */
  readonly partiql?: Partial<Record<TableName, readonly ('PartiQLInsert' | 'PartiQLUpdate')[]>>;
  /** May put events on the cityhub bus. */
  readonly putEvents?: boolean;
  /** May read the ingest sources' signing secrets. */
  readonly sourceSecrets?: boolean;
  /** May change the visibility of messages of this queue (a key of `queues`; retry backoff); gets its URL as `VISIBILITY_QUEUE_URL`. */
  readonly queueVisibility?: string;
  /**
   * May look at every queue's dead letters and move them back (SQS message move tasks from each
   * dead-letter queue to its queue); gets their addresses as `DEAD_LETTER_QUEUES`.
   */
  readonly deadLetterQueues?: boolean;
  /**
   * Per table, the partition keys (`*` matches any characters) the function's calls are limited to: an
   * IAM `dynamodb:LeadingKeys` condition on its grant, so it cannot read other items of a shared table.
   */
  readonly leadingKeys?: Partial<Record<TableName, readonly string[]>>;
}

export interface FunctionDecl {
  /** Stable PascalCase construct id. */
  readonly id: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly access: AccessDecl;
  /**
   * Concurrent executions reserved for the function on AWS: also its cap, so a flood on its routes
   * cannot take the account's concurrency from the others (CDK context may change or drop it).
   *
   * @default - none: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;
}

export const functions = {
  ingest: {
    id: 'Ingest',
    entry: 'functions/ingest/handler.ts',
    description: 'Verifies, validates, dedupes and publishes records of the ingest feeds',
    memoryMb: 1024,
    timeoutSeconds: 29,
    // Five ingest routes at their default 50 requests a second, most answered within 200 ms, need
    // about 50 at once; more only queue behind a flood (docs/deploy.md, throttles and concurrency).
    reservedConcurrency: 50,
    // Ingest faces the internet: it looks up stored events, GPS record-id buckets and answers; it puts
    // events (several at once as PartiQL INSERTs), answers and quarantined records, and adds eventIds
    // to GPS buckets (a string set each: INSERTed when new, else `set_add` by PartiQL UPDATE, or one
    // UpdateItem `ADD`); it never deletes, queries or scans.
    access: {
      tables: {
        facts: [
          'GetItem',
          'BatchGetItem',
          'PutItem',
          'PartiQLInsert',
          'PartiQLUpdate',
          'BatchWriteItem',
          'UpdateItem',
        ],
        replies: ['GetItem', 'PutItem'],
      },
      putEvents: true,
      sourceSecrets: true,
    },
  },
  facts: {
    id: 'Facts',
    entry: 'functions/facts/handler.ts',
    description: 'Derives the facts of the tickets and cases of accepted events, for their cohorts',
    memoryMb: 512,
    timeoutSeconds: 60,
    access: { tables: { facts: 'readWrite' }, putEvents: true },
  },
  relay: {
    id: 'Relay',
    entry: 'functions/relay/handler.ts',
    description: 'Puts the GPS records small requests left with their answers on the bus, packed',
    memoryMb: 512,
    timeoutSeconds: 60,
    // It reads the replies' stream (granted with its event source) and adds the relayed records'
    // eventIds to their GPS record-id buckets (INSERT, UPDATE `set_add` or UpdateItem `ADD`), nothing
    // else.
    access: {
      tables: { facts: ['UpdateItem', 'PartiQLInsert', 'PartiQLUpdate'] },
      leadingKeys: { facts: ['gpsids#*'] },
      putEvents: true,
    },
  },
  coverage: {
    id: 'Coverage',
    entry: 'functions/coverage/handler.ts',
    description: 'Stores GPS points and recomputes the road coverage of the vehicle-days they change',
    memoryMb: 1536,
    timeoutSeconds: 120,
    access: { tables: { facts: 'readWrite' }, putEvents: true },
  },
  indicators: {
    id: 'Indicators',
    entry: 'functions/indicators/handler.ts',
    description: 'Recomputes daily indicators of the days whose facts changed, and nightly',
    memoryMb: 1024,
    timeoutSeconds: 300,
    // PartiQL: the open-items index's changes of a batch, 25 to a call.
    access: {
      tables: { facts: 'readWrite', indicators: 'readWrite' },
      partiql: { facts: ['PartiQLInsert', 'PartiQLUpdate'] },
      putEvents: true,
    },
  },
  supervise: {
    id: 'Supervise',
    entry: 'functions/supervise/handler.ts',
    description:
      'Every minute: announces open items turning yellow or red, broken alert rules and silent feeds',
    memoryMb: 512,
    timeoutSeconds: 50,
    // One sweep at a time: a slow one never overlaps the next minute's (they would announce twice).
    reservedConcurrency: 1,
    // Facts: the open-items index and its due-time index, reference sets, feed freshness, the marks of
    // what was announced; the indicators of the day, read for alert rules.
    access: {
      tables: {
        facts: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem'],
        indicators: 'read',
      },
      leadingKeys: {
        facts: ['openitem#*', 'due', 'reference#*', 'feed#*', 'alertmark#*', 'feedwatch'],
      },
      putEvents: true,
    },
  },
  subscriptions: {
    id: 'Subscriptions',
    entry: 'functions/subscriptions/handler.ts',
    description:
      'Subscriptions API: create, list, change and delete webhook subscriptions; deliveries; replay',
    memoryMb: 512,
    timeoutSeconds: 29,
    // Secrets: made on create, read and rewritten on rotation, deleted with their subscription.
    access: {
      tables: { facts: 'readWrite', secrets: ['GetItem', 'PutItem', 'DeleteItem'] },
      putEvents: true,
    },
  },
  fanout: {
    id: 'Fanout',
    entry: 'functions/fanout/handler.ts',
    description: 'Turns hub events into webhook events and requests one delivery per interested subscription',
    memoryMb: 512,
    timeoutSeconds: 60,
    access: { tables: { facts: 'readWrite' }, putEvents: true },
  },
  deliver: {
    id: 'Deliver',
    entry: 'functions/deliver/handler.ts',
    description: 'Delivers signed webhooks, retrying on the schedule through message visibility',
    memoryMb: 256,
    timeoutSeconds: 60,
    // Secrets: read only, to sign. The bus: `subscription.disabled` when a delivery disables one.
    access: {
      tables: { facts: 'readWrite', secrets: ['GetItem'] },
      putEvents: true,
      queueVisibility: 'delivery',
    },
  },
  query: {
    id: 'Query',
    entry: 'functions/query/handler.ts',
    description:
      'Answers analyst queries for indicators (JSON and CSV), areas, feed freshness, open items, the map of a day, and the OpenAPI document',
    memoryMb: 512,
    timeoutSeconds: 29,
    // Facts: the feed-freshness items (BatchGetItem) and the reference sets (GetItem of a head, Query of
    // its chunks); for the map, a day's GPS shard heads (BatchGetItem), coverage union (GetItem, BatchGetItem),
    // log entries and pre-log summaries (Query), cohort logs and case events (Query). Reads only: the map
    // stores nothing (shared/app/map.ts).
    access: {
      tables: { indicators: 'read', facts: ['GetItem', 'BatchGetItem', 'Query'] },
      // Only the partitions it serves from (shared/adapters: feed freshness, reference sets, GPS shard
      // heads and logs and their index, pre-log vehicle-days, coverage unions, cohort logs, ticket and
      // case events); webhook replies, quarantine and subscriptions stay out of its reach. Checked
      // against every key its routes read in test/e2e/map.test.ts.
      leadingKeys: {
        facts: [
          'feed#*',
          'reference#*',
          'gpshead#*',
          'gpslog#*',
          'gpsdays',
          'trackdays',
          'track#*',
          'vehicleday#*',
          'coverage#*',
          'covunion#*',
          'cohortlog#*',
          'ticket#*',
          'case#*',
          'openitem#*',
        ],
      },
    },
  },
  admin: {
    id: 'Admin',
    entry: 'functions/admin/handler.ts',
    description:
      'Admin routes: reference data, synchronous recompute, quarantine, data quality, dead-letter redrive',
    memoryMb: 1024,
    timeoutSeconds: 29,
    access: {
      tables: { facts: 'readWrite', indicators: 'readWrite' },
      putEvents: true,
      deadLetterQueues: true,
    },
  },
  dashboard: {
    id: 'Dashboard',
    entry: 'functions/dashboard/handler.ts',
    description:
      'Serves the analyst dashboard page; its script calls the analyst routes with the analyst token',
    memoryMb: 256,
    timeoutSeconds: 5,
    access: {},
  },
  health: {
    id: 'Health',
    entry: 'functions/health/handler.ts',
    description: 'Liveness answer for load balancers and the local runtime',
    memoryMb: 256,
    timeoutSeconds: 5,
    access: {},
  },
} as const satisfies Record<string, FunctionDecl>;
export type FunctionName = keyof typeof functions;

/** An SQS queue (with its dead-letter queue) in front of a consumer function. */
export interface QueueDecl {
  readonly id: string;
  readonly consumer: FunctionName;
  readonly batchSize: number;
  /** How long SQS gathers a batch before invoking (AWS). The local runtime uses at most 250 ms. */
  readonly maxBatchingWindowSeconds: number;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** At most this many batches in flight at once (AWS event source mapping, 2–1000; default: no cap). */
  readonly maxConcurrency?: number;
}

export const queues = {
  facts: {
    id: 'FactsQueue',
    consumer: 'facts',
    // 5 s gathers about 15 events at the reference city's 3 a second: one facts.changed for them all,
    // and indicators still within CONTRACT §5's minute with the recompute queue's 40 s.
    batchSize: 100,
    maxBatchingWindowSeconds: 5,
    maxReceiveCount: 5,
  },
  coverage: {
    id: 'CoverageQueue',
    consumer: 'coverage',
    batchSize: 50,
    // At the reference city's 13 vehicle-minutes a second a batch fills in about 4 s anyway.
    maxBatchingWindowSeconds: 5,
    maxReceiveCount: 5,
  },
  fanout: {
    id: 'FanoutQueue',
    consumer: 'fanout',
    // A batch's webhook events are stored together (one write per 256 KB of JSON): 5 s gathers about 15.
    batchSize: 100,
    maxBatchingWindowSeconds: 5,
    maxReceiveCount: 5,
  },
  delivery: {
    id: 'DeliveryQueue',
    consumer: 'deliver',
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    // One first attempt and one per retry of the schedule (shared/domain/webhooks/retry.ts), then the DLQ.
    maxReceiveCount: DEFAULT_RETRY_SCHEDULE_S.length + 1,
    // A batch waits for its slowest subscriber (15 s timeout): 10 batches still send about 7 webhooks
    // a second past endpoints that all time out (healthy ones answer in a fraction of that), a replay
    // cannot take the account's concurrency, and each consumer keeps a tenth of a subscription's
    // delivery rate (shared/adapters/delivery-pacer.ts).
    maxConcurrency: 10,
  },
  recompute: {
    id: 'RecomputeQueue',
    consumer: 'indicators',
    // Every run re-reads the changed days' facts, so runs are few: one per 40 s window whatever the
    // rate of facts.changed (the consumer merges a batch's days). Indicators stay within CONTRACT §5's
    // minute: facts or coverage batch (5 s) + this window (40 s) + the run (a few seconds).
    batchSize: 1000,
    maxBatchingWindowSeconds: 40,
    maxReceiveCount: 5,
    // SQS's pollers may each gather a batch of a window: at most two runs at once, never a pile-up.
    maxConcurrency: 2,
  },
} as const satisfies Record<string, QueueDecl>;
export type QueueName = keyof typeof queues;

/**
 * A table's stream in front of a consumer function (a Lambda event source mapping on AWS, a poller of
 * DynamoDB Local's stream locally). Only the records `filter` matches reach the function: new or
 * replaced items whose new image has the attribute `withAttribute` (a binary one). Lambda filters a
 * DynamoDB stream on its `dynamodb` key only; a removal has no new image, so it never matches.
 */
export interface StreamDecl {
  readonly id: string;
  readonly table: TableName;
  readonly consumer: FunctionName;
  readonly filter: { readonly withAttribute: string };
  readonly batchSize: number;
  /** How long Lambda gathers a batch before invoking (AWS). The local runtime uses at most 250 ms. */
  readonly maxBatchingWindowSeconds: number;
  /**
   * Attempts after the first before a batch's description goes to the dead-letter queue (AWS); -1:
   * until its records leave the stream (24 h), as the local runtime does.
   */
  readonly retryAttempts: number;
}

export const streams = {
  replies: {
    id: 'RepliesStream',
    table: 'replies',
    consumer: 'relay',
    // Answers of small GPS requests carry `relay`; a replaced answer (an expired webhook-id used again) too.
    filter: { withAttribute: 'relay' },
    // At the reference rate of one request per vehicle-minute (13 a second), 5 s gathers about 67
    // requests into one bus entry and one coverage batch; with the coverage queue's window (5 s) and
    // the recompute's (40 s) the indicators stay within CONTRACT §5's minute.
    batchSize: 1000,
    maxBatchingWindowSeconds: 5,
    // The records were answered 202 and live only in the stream: a batch is tried again until it
    // goes through (a bus outage passes) or its records leave the stream after 24 h; the iterator-age
    // alarm fires after 5 minutes of waiting.
    retryAttempts: -1,
  },
} as const satisfies Record<string, StreamDecl>;
export type StreamName = keyof typeof streams;

/** Whether a stream record (as Lambda hands it on) passes a declared stream's filter. */
export const matchesStreamFilter = (
  decl: Pick<StreamDecl, 'filter'>,
  record: { dynamodb?: { NewImage?: Record<string, unknown> } | undefined },
): boolean =>
  typeof (record.dynamodb?.NewImage?.[decl.filter.withAttribute] as { B?: unknown } | undefined)?.B !==
  'undefined';

/**
 * A bus rule's EventBridge event pattern, limited to what cityhub's rules need: the envelope's `source`
 * and `detail-type`, each listing the exact values it accepts (a field left out accepts anything). The
 * local bus matches only this subset (infra/local/event-pattern.ts): widen both together.
 */
export interface EventPattern {
  readonly source?: readonly string[];
  readonly 'detail-type'?: readonly string[];
}

/** A bus rule: events matching `pattern` go to `queue`. */
export interface RuleDecl {
  readonly id: string;
  readonly description: string;
  readonly pattern: EventPattern;
  readonly queue: QueueName;
}

export const rules: readonly RuleDecl[] = [
  {
    id: 'EntityEventsToFacts',
    description:
      'Accepted ticket and case events, and those sent again after being accepted, are appended to their entities',
    pattern: {
      source: [hotlineRecordAccepted.source],
      'detail-type': [
        hotlineRecordAccepted.detailType,
        cityPlatformRecordAccepted.detailType,
        hotlineRecordResent.detailType,
        cityPlatformRecordResent.detailType,
      ],
    },
    queue: 'facts',
  },
  {
    id: 'TracksToCoverage',
    description:
      'Accepted GPS batches go to the coverage engine (packed events, and single ones still in flight)',
    pattern: {
      source: [sanitationRecordsAccepted.source],
      'detail-type': [sanitationRecordsAccepted.detailType, sanitationRecordAccepted.detailType],
    },
    queue: 'coverage',
  },
  {
    id: 'ReprocessToCoverage',
    description:
      'Vehicle-days to reprocess after a road or vehicle registry change go to the coverage engine',
    pattern: {
      source: [coverageReprocessRequested.source],
      'detail-type': [coverageReprocessRequested.detailType],
    },
    queue: 'coverage',
  },
  {
    id: 'EntityEventsToFanout',
    description: 'Accepted ticket and case events become ticket.* and case.* webhooks',
    pattern: {
      source: [hotlineRecordAccepted.source],
      'detail-type': [hotlineRecordAccepted.detailType, cityPlatformRecordAccepted.detailType],
    },
    queue: 'fanout',
  },
  {
    id: 'IndicatorsToFanout',
    description: 'Changed indicators become indicators.updated webhooks',
    pattern: {
      source: [indicatorsUpdated.source],
      'detail-type': [indicatorsUpdated.detailType, indicatorsDayUpdated.detailType],
    },
    queue: 'fanout',
  },
  {
    id: 'SyncToFanout',
    description: 'Sync events between the hotline and the city platform become sync.* webhooks',
    pattern: { source: [syncCaseRequested.source] },
    queue: 'fanout',
  },
  {
    id: 'SubscriptionEventsToFanout',
    description: 'Subscriptions the hub disabled become subscription.disabled webhooks',
    pattern: {
      source: [subscriptionDisabled.source],
      'detail-type': [subscriptionDisabled.detailType],
    },
    queue: 'fanout',
  },
  {
    id: 'SupervisionToFanout',
    description:
      'Supervision notices, broken alert rules and silent or resumed feeds become ticket.*/case.* deadline, indicator.alert and feed.* webhooks',
    pattern: {
      source: [deadlineNoticed.source],
      'detail-type': [
        deadlineNoticed.detailType,
        indicatorAlert.detailType,
        feedSilent.detailType,
        feedResumed.detailType,
      ],
    },
    queue: 'fanout',
  },
  {
    id: 'DeliveriesToDeliver',
    description: 'Each requested delivery goes to the delivery queue, one message per subscription and event',
    pattern: {
      source: [webhookDeliveryRequested.source],
      'detail-type': [webhookDeliveryRequested.detailType],
    },
    queue: 'delivery',
  },
  {
    id: 'FactsChangedToRecompute',
    description: 'Days whose facts changed are recomputed',
    pattern: { source: [factsChanged.source], 'detail-type': [factsChanged.detailType] },
    queue: 'recompute',
  },
];

/** Who may call a route: signed sources, analysts, admins, or anyone. */
export type RouteAuth = 'signature' | 'analyst' | 'admin' | 'open';

export interface RouteDecl {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway path, with `{name}` parameters. */
  readonly path: string;
  readonly function: FunctionName;
  readonly auth: RouteAuth;
}

/** Every HTTP route; the literal types of this list give each function's {@link RouteKeyOf}. */
const declaredRoutes = [
  // One route per source, so each has its own throttle on AWS (CONTRACT §4's POST /ingest/{source}).
  { method: 'POST', path: '/ingest/hotline', function: 'ingest', auth: 'signature' },
  { method: 'POST', path: '/ingest/city-platform', function: 'ingest', auth: 'signature' },
  { method: 'POST', path: '/ingest/sanitation', function: 'ingest', auth: 'signature' },
  { method: 'POST', path: '/ingest/hotline/open311', function: 'ingest', auth: 'signature' },
  { method: 'POST', path: '/ingest/sanitation/jt808', function: 'ingest', auth: 'signature' },
  { method: 'GET', path: '/indicators', function: 'query', auth: 'analyst' },
  { method: 'GET', path: '/openapi.json', function: 'query', auth: 'analyst' },
  { method: 'GET', path: '/areas', function: 'query', auth: 'analyst' },
  { method: 'GET', path: '/feeds', function: 'query', auth: 'analyst' },
  { method: 'GET', path: '/map/roads', function: 'query', auth: 'analyst' },
  { method: 'GET', path: '/map/areas', function: 'query', auth: 'analyst' },
  { method: 'GET', path: '/map/events', function: 'query', auth: 'analyst' },
  { method: 'GET', path: '/open-items', function: 'query', auth: 'analyst' },
  { method: 'POST', path: '/admin/recompute', function: 'admin', auth: 'admin' },
  { method: 'POST', path: '/admin/redrive', function: 'admin', auth: 'admin' },
  { method: 'GET', path: '/quarantine', function: 'admin', auth: 'admin' },
  { method: 'GET', path: '/admin/quality', function: 'admin', auth: 'admin' },
  { method: 'PUT', path: '/reference/areas', function: 'admin', auth: 'admin' },
  { method: 'PUT', path: '/reference/calendar', function: 'admin', auth: 'admin' },
  { method: 'PUT', path: '/reference/roads', function: 'admin', auth: 'admin' },
  { method: 'PUT', path: '/reference/sync', function: 'admin', auth: 'admin' },
  { method: 'PUT', path: '/reference/vehicles', function: 'admin', auth: 'admin' },
  { method: 'PUT', path: '/reference/alerts', function: 'admin', auth: 'admin' },
  { method: 'PUT', path: '/reference/supervision', function: 'admin', auth: 'admin' },
  { method: 'POST', path: '/subscriptions', function: 'subscriptions', auth: 'admin' },
  { method: 'GET', path: '/subscriptions', function: 'subscriptions', auth: 'admin' },
  { method: 'GET', path: '/subscriptions/{id}', function: 'subscriptions', auth: 'admin' },
  { method: 'PATCH', path: '/subscriptions/{id}', function: 'subscriptions', auth: 'admin' },
  { method: 'DELETE', path: '/subscriptions/{id}', function: 'subscriptions', auth: 'admin' },
  { method: 'GET', path: '/subscriptions/{id}/deliveries', function: 'subscriptions', auth: 'admin' },
  { method: 'POST', path: '/subscriptions/{id}/replay', function: 'subscriptions', auth: 'admin' },
  { method: 'GET', path: '/health', function: 'health', auth: 'open' },
  { method: 'GET', path: '/', function: 'dashboard', auth: 'open' },
] as const satisfies readonly RouteDecl[];
export const routes: readonly RouteDecl[] = declaredRoutes;

/** The key API Gateway matches a route by and hands the function (`GET /subscriptions/{id}`). */
export const routeKeyOf = <Route extends Pick<RouteDecl, 'method' | 'path'>>(
  route: Route,
): `${Route['method']} ${Route['path']}` => `${route.method} ${route.path}`;

/** The route keys of a function's routes, as declared above. */
export type RouteKeyOf<Name extends FunctionName> =
  Extract<(typeof declaredRoutes)[number], { function: Name }> extends infer Route
    ? Route extends RouteDecl
      ? `${Route['method']} ${Route['path']}`
      : never
    : never;

/** A job run every day at a local time of the city time zone, or every few minutes. */
export type ScheduleDecl = {
  readonly id: string;
  readonly description: string;
  readonly function: FunctionName;
  readonly input: Readonly<Record<string, unknown>>;
} & (
  | { readonly hour: number; readonly minute: number }
  | {
      /** Runs at the start of every minute whose number is a multiple of this (1: every minute). */
      readonly everyMinutes: number;
    }
);

export const schedules: readonly ScheduleDecl[] = [
  {
    id: 'NightlyRecompute',
    description: 'Recomputes recent days so deadlines that passed overnight count',
    function: 'indicators',
    hour: 2,
    minute: 30,
    input: { job: 'nightly-recompute' },
  },
  {
    id: 'SupervisionSweep',
    description:
      'Announces the supervision notices that came due (deadlines approaching and passed), alert rules and silent feeds',
    function: 'supervise',
    everyMinutes: 1,
    input: { job: 'supervision-sweep' },
  },
];

/** Name of the cityhub event bus for a stage (`local` for the local runtime). */
export const busName = (stage: string): string => `cityhub-${stage}`;
