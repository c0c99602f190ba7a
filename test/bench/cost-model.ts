/**
 * The AWS cost of one day of the reference city (DESIGN "Where the numbers come from"), from unit counts
 * measured by the benchmarks and AWS's on-demand prices. Pure: the same inputs give the same breakdown.
 *
 * The model:
 * - Each feed's records cost what its own path measured per record: the ingest request, the consumers
 *   the bus sends it to (facts, fanout, coverage), their DynamoDB units, EventBridge entries, SQS
 *   messages and Lambda time.
 * - SQS queues batch as the event source mappings do on AWS: at a steady rate r (messages/s) a queue
 *   with window w and batch size b hands over batches of min(b, max(1, r·w)) messages. Each batch is
 *   one invocation, one ReceiveMessage and one DeleteMessageBatch.
 * - Indicators are recomputed per batch of `facts.changed` messages: one run every min(w, b / r)
 *   seconds. Each run re-reads the facts of the days it recomputes (a share of full days) and writes the
 *   (day, area) items whose values changed; they are announced packed (`indicators.day-updated`, one bus
 *   entry per day and run) and each becomes a webhook event (fanout).
 * - Supervision: each ticket or case event costs the open-items index what it measured per event (a
 *   read of the entity's item in its recompute run; a write, and the `byDue` index's, when the entity's
 *   supervision view changed or it closed). The minute sweep costs a fixed part per sweep (nothing due)
 *   and a part per notice: its reads, the item's mark, the `deadline.noticed` entry and the webhook
 *   event it becomes (fanout). Notices come from the feeds' records, so they scale with the city.
 */

/** Prices in US$ (us-east-1, on-demand). */
export interface Prices {
  readonly eventBridgePerMillionEntries: number;
  readonly lambdaPerGbSecond: number;
  readonly dynamoPerMillionWriteUnits: number;
  readonly dynamoPerMillionReadUnits: number;
  readonly sqsPerMillionRequests: number;
  readonly httpApiPerMillionRequests: number;
  /** Lambda's request charge: not among DESIGN's listed prices, so reported beside the total. */
  readonly lambdaPerMillionRequests: number;
  /** EventBridge Scheduler's invocations (the minute sweep): not among DESIGN's prices either. */
  readonly schedulerPerMillionInvocations: number;
}

/** The prices DESIGN lists (and Lambda's request price, which it does not). */
export const DESIGN_PRICES: Prices = {
  eventBridgePerMillionEntries: 1,
  lambdaPerGbSecond: 0.0000133334,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  sqsPerMillionRequests: 0.4,
  httpApiPerMillionRequests: 1,
  lambdaPerMillionRequests: 0.2,
  schedulerPerMillionInvocations: 1,
};

/** How an SQS event source mapping batches (shared/topology.ts `queues`). */
export interface QueueBatching {
  readonly batchSize: number;
  readonly windowSeconds: number;
}

/** One feed's records and what each costs on its own path (measured), per accepted record. */
export interface FeedPath {
  readonly label: string;
  readonly recordsPerDay: number;
  readonly recordsPerRequest: number;
  /** DynamoDB write and read units: ingest, consumers and fanout. */
  readonly wru: number;
  readonly rru: number;
  /** EventBridge entries (64 KB chunks). */
  readonly busEntries: number;
  /** SQS messages (64 KB chunks) per queue, the recompute queue's `facts.changed` included. */
  readonly queueMessages: Readonly<Record<string, number>>;
  /** Lambda GB-seconds of the ingest request's share and of the consumers' work. */
  readonly lambdaGbSeconds: number;
  /** What a record costs supervision: the open-items index in its recompute run, and the notices it leads to. */
  readonly supervision?: {
    readonly indexWru: number;
    readonly indexRru: number;
    /** Deadline notices (approaching, overdue) per record: its entity's notices over its events. */
    readonly noticesPerRecord: number;
  };
}

/** What the minute sweep of supervision costs (measured): a fixed part per sweep and a part per notice. */
export interface SupervisionPath {
  /** Sweeps a day: one a minute (EventBridge Scheduler). */
  readonly sweepsPerDay: number;
  /** One sweep with nothing due: the due-index query, reference versions, alert and feed checks. */
  readonly perSweep: { readonly wru: number; readonly rru: number; readonly lambdaGbSeconds: number };
  /** One notice: the item read and marked, its bus entries, and the webhook event it becomes. */
  readonly perNotice: {
    readonly wru: number;
    readonly rru: number;
    readonly busEntries: number;
    readonly lambdaGbSeconds: number;
    /** SQS messages per notice, by queue (the fanout queue takes `deadline.noticed`). */
    readonly queueMessages: Readonly<Record<string, number>>;
    readonly fanout: { readonly wru: number; readonly rru: number; readonly lambdaGbSeconds: number };
  };
  /**
   * The passes that compute the end-of-day open-overdue figures (yesterday's once the day has ended,
   * and the nightly reconciliation's, one per day reconciled): read units a day, the open-items index
   * and the later days' cohort logs each pass reads.
   */
  readonly endOfDay?: { readonly passesPerDay: number; readonly rruPerDay: number };
}

/** What one recompute run costs, per byte of facts it reads and per (day, area) item it writes (measured). */
export interface RecomputePath {
  /** Bytes (as DynamoDB counts them) of the facts one full day's recompute reads at the reference city. */
  readonly bytesPerFullDay: number;
  /** Full days of facts one run reads, e.g. 1.5: today's half-complete cohort and yesterday's. */
  readonly fullDaysPerRun: number;
  /** (day, area) items a run writes, e.g. 2 days × 73 areas. */
  readonly areaWritesPerRun: number;
  /** Bus entries (64 KB chunks) announcing them: the areas of a day travel packed in one event. */
  readonly updateEntriesPerRun: number;
  readonly rruPerByteRead: number;
  /** Read units of a run besides the facts (reference versions, stored indicators of the days). */
  readonly rruPerRun: number;
  readonly wruPerAreaWrite: number;
  /** Write units of a run besides the indicators (the days' data-quality items). */
  readonly wruPerRun: number;
  readonly lambdaGbSecondsPerByteRead: number;
  readonly lambdaGbSecondsPerRun: number;
  /** The webhook event each written item becomes: fanout units, messages and Lambda time. */
  readonly fanoutPerAreaWrite: {
    readonly wru: number;
    readonly rru: number;
    readonly lambdaGbSeconds: number;
  };
  /** `facts.changed` messages of the nightly job (31 days, 5 per message). */
  readonly nightlyMessages: number;
}

/** Everything the model needs. */
export interface CostInputs {
  readonly feeds: readonly FeedPath[];
  readonly recompute: RecomputePath;
  /** The minute sweep; without it, supervision costs only what the feeds' `supervision` say. */
  readonly supervision?: SupervisionPath;
  /** Batching of each queue, by queue name; `recompute` batches `facts.changed`, `fanout` the webhook events. */
  readonly queues: Readonly<Record<string, QueueBatching>>;
  /** Event source mappings poll idle queues: pollers per queue and long-poll length. */
  readonly idlePolling: { readonly queues: number; readonly pollers: number; readonly waitSeconds: number };
  readonly prices: Prices;
}

/** One line of the breakdown. */
export interface CostLine {
  readonly service: 'HTTP API' | 'Lambda' | 'DynamoDB' | 'EventBridge' | 'SQS';
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
  /** False for charges whose price DESIGN does not list (kept out of the total). */
  readonly listed: boolean;
}

/** The day's cost, its breakdown and the derived rates. */
export interface CostOfDay {
  readonly totalUsd: number;
  readonly unlistedUsd: number;
  readonly lines: CostLine[];
  readonly recomputeRunsPerDay: number;
  /** Average batch size per queue. */
  readonly batches: Readonly<Record<string, number>>;
  /**
   * Per feed: its records' whole-pipeline units, the recompute apportioned by the `facts.changed` it
   * causes, with their open-items index and notices (the sweeps' fixed part is nobody's).
   */
  readonly perRecord: Readonly<
    Record<string, { wru: number; rru: number; busEntries: number; recomputeShare: number }>
  >;
  /** Deadline notices a day. */
  readonly noticesPerDay: number;
}

const DAY_S = 86_400;
const MILLION = 1_000_000;

/** Average batch of a queue fed `messagesPerDay` evenly: min(b, max(1, rate × window)). */
export const averageBatch = (messagesPerDay: number, batching: QueueBatching): number =>
  Math.min(batching.batchSize, Math.max(1, (messagesPerDay / DAY_S) * batching.windowSeconds));

/** Recompute runs a day: one per batch of the recompute queue, at least one per window while messages come. */
export const recomputeRunsPerDay = (messagesPerDay: number, batching: QueueBatching): number => {
  if (messagesPerDay <= 0) return 0;
  const rate = messagesPerDay / DAY_S;
  const interval = Math.min(batching.windowSeconds, batching.batchSize / rate);
  return Math.min(messagesPerDay, DAY_S / interval);
};

const batchingOf = (queues: CostInputs['queues'], name: string): QueueBatching => {
  const batching = queues[name];
  if (!batching) throw new Error(`no batching given for queue ${name}`);
  return batching;
};

/** The cost of one reference city-day. */
export const costOfDay = (inputs: CostInputs): CostOfDay => {
  const { feeds, recompute, prices } = inputs;
  const lines: CostLine[] = [];
  const add = (
    service: CostLine['service'],
    item: string,
    quantity: number,
    unit: string,
    pricePerUnit: number,
    listed = true,
  ) => {
    if (quantity > 0) lines.push({ service, item, quantity, unit, usd: quantity * pricePerUnit, listed });
  };

  // Messages per queue and day from the feeds; the recompute queue's messages drive the runs.
  const messagesPerDay: Record<string, number> = {};
  for (const feed of feeds)
    for (const [queue, perRecord] of Object.entries(feed.queueMessages))
      messagesPerDay[queue] = (messagesPerDay[queue] ?? 0) + perRecord * feed.recordsPerDay;
  const { supervision } = inputs;
  const noticesPerDay = supervision
    ? feeds.reduce((sum, feed) => sum + (feed.supervision?.noticesPerRecord ?? 0) * feed.recordsPerDay, 0)
    : 0;
  for (const [queue, perNotice] of Object.entries(supervision?.perNotice.queueMessages ?? {}))
    messagesPerDay[queue] = (messagesPerDay[queue] ?? 0) + perNotice * noticesPerDay;
  const factsChangedPerDay = (messagesPerDay.recompute ?? 0) + recompute.nightlyMessages;
  const runs = recomputeRunsPerDay(factsChangedPerDay, batchingOf(inputs.queues, 'recompute'));
  const areaWrites = runs * recompute.areaWritesPerRun;
  messagesPerDay.recompute = factsChangedPerDay;
  const updateEntries = runs * recompute.updateEntriesPerRun;
  messagesPerDay.fanout = (messagesPerDay.fanout ?? 0) + updateEntries;
  const batches: Record<string, number> = {};
  const invocations: Record<string, number> = {};
  for (const [queue, messages] of Object.entries(messagesPerDay)) {
    if (queue === 'recompute') {
      batches[queue] = runs > 0 ? messages / runs : 0;
      invocations[queue] = runs;
    } else {
      batches[queue] = averageBatch(messages, batchingOf(inputs.queues, queue));
      invocations[queue] = messages / (batches[queue] as number);
    }
  }

  const megabyte = (n: number) => n / MILLION;
  // Feeds: requests, their own path's units, entries, messages and Lambda time.
  for (const feed of feeds) {
    const requests = feed.recordsPerDay / feed.recordsPerRequest;
    add(
      'HTTP API',
      `POST /ingest (${feed.label})`,
      requests,
      'requests',
      megabyte(prices.httpApiPerMillionRequests),
    );
    add(
      'DynamoDB',
      `writes: ${feed.label}`,
      feed.wru * feed.recordsPerDay,
      'WRU',
      megabyte(prices.dynamoPerMillionWriteUnits),
    );
    add(
      'DynamoDB',
      `reads: ${feed.label}`,
      feed.rru * feed.recordsPerDay,
      'RRU',
      megabyte(prices.dynamoPerMillionReadUnits),
    );
    add(
      'EventBridge',
      `entries: ${feed.label}`,
      feed.busEntries * feed.recordsPerDay,
      'entries',
      megabyte(prices.eventBridgePerMillionEntries),
    );
    add(
      'Lambda',
      `GB-s: ${feed.label}`,
      feed.lambdaGbSeconds * feed.recordsPerDay,
      'GB-s',
      prices.lambdaPerGbSecond,
    );
    add(
      'Lambda',
      `ingest requests: ${feed.label}`,
      requests,
      'invocations',
      megabyte(prices.lambdaPerMillionRequests),
      false,
    );
  }
  // SQS: one SendMessage per message (EventBridge's target), one receive and one delete per batch.
  const sends = Object.values(messagesPerDay).reduce((sum, n) => sum + n, 0);
  const batchCount = Object.values(invocations).reduce((sum, n) => sum + n, 0);
  add('SQS', 'SendMessage (bus targets)', sends, 'requests', megabyte(prices.sqsPerMillionRequests));
  add(
    'SQS',
    'ReceiveMessage + DeleteMessageBatch',
    2 * batchCount,
    'requests',
    megabyte(prices.sqsPerMillionRequests),
  );
  const { idlePolling } = inputs;
  add(
    'SQS',
    `idle long polls (${idlePolling.queues} queues × ${idlePolling.pollers} pollers)`,
    (idlePolling.queues * idlePolling.pollers * DAY_S) / idlePolling.waitSeconds,
    'requests',
    megabyte(prices.sqsPerMillionRequests),
  );
  add(
    'Lambda',
    'consumer invocations',
    batchCount,
    'invocations',
    megabyte(prices.lambdaPerMillionRequests),
    false,
  );
  // Recompute runs and the indicators.updated events they emit.
  const bytesPerRun = recompute.bytesPerFullDay * recompute.fullDaysPerRun;
  add(
    'DynamoDB',
    'reads: recompute (facts of the days)',
    runs * (bytesPerRun * recompute.rruPerByteRead + recompute.rruPerRun),
    'RRU',
    megabyte(prices.dynamoPerMillionReadUnits),
  );
  add(
    'DynamoDB',
    'writes: recompute (indicators, data quality)',
    areaWrites * recompute.wruPerAreaWrite + runs * recompute.wruPerRun,
    'WRU',
    megabyte(prices.dynamoPerMillionWriteUnits),
  );
  add(
    'Lambda',
    'GB-s: recompute',
    runs * (bytesPerRun * recompute.lambdaGbSecondsPerByteRead + recompute.lambdaGbSecondsPerRun),
    'GB-s',
    prices.lambdaPerGbSecond,
  );
  add(
    'EventBridge',
    'entries: indicators.day-updated',
    updateEntries,
    'entries',
    megabyte(prices.eventBridgePerMillionEntries),
  );
  add(
    'DynamoDB',
    'writes: webhook events of indicators.updated',
    areaWrites * recompute.fanoutPerAreaWrite.wru,
    'WRU',
    megabyte(prices.dynamoPerMillionWriteUnits),
  );
  add(
    'DynamoDB',
    'reads: webhook events of indicators.updated',
    areaWrites * recompute.fanoutPerAreaWrite.rru,
    'RRU',
    megabyte(prices.dynamoPerMillionReadUnits),
  );
  add(
    'Lambda',
    'GB-s: fanout of indicators.updated',
    areaWrites * recompute.fanoutPerAreaWrite.lambdaGbSeconds,
    'GB-s',
    prices.lambdaPerGbSecond,
  );

  // Supervision: the open-items index on the recompute path, the minute sweeps and their notices.
  const feedsSum = (of: (feed: FeedPath) => number) =>
    feeds.reduce((sum, feed) => sum + of(feed) * feed.recordsPerDay, 0);
  add(
    'DynamoDB',
    'writes: open-items index (recompute runs)',
    feedsSum((feed) => feed.supervision?.indexWru ?? 0),
    'WRU',
    megabyte(prices.dynamoPerMillionWriteUnits),
  );
  add(
    'DynamoDB',
    'reads: open-items index (recompute runs)',
    feedsSum((feed) => feed.supervision?.indexRru ?? 0),
    'RRU',
    megabyte(prices.dynamoPerMillionReadUnits),
  );
  if (supervision) {
    const { sweepsPerDay, perSweep, perNotice } = supervision;
    add(
      'DynamoDB',
      'reads: supervision sweeps',
      sweepsPerDay * perSweep.rru + noticesPerDay * perNotice.rru,
      'RRU',
      megabyte(prices.dynamoPerMillionReadUnits),
    );
    add(
      'DynamoDB',
      'writes: supervision sweeps (notice marks)',
      sweepsPerDay * perSweep.wru + noticesPerDay * perNotice.wru,
      'WRU',
      megabyte(prices.dynamoPerMillionWriteUnits),
    );
    add(
      'Lambda',
      'GB-s: supervision sweeps',
      sweepsPerDay * perSweep.lambdaGbSeconds + noticesPerDay * perNotice.lambdaGbSeconds,
      'GB-s',
      prices.lambdaPerGbSecond,
    );
    add(
      'EventBridge',
      'entries: deadline.noticed',
      noticesPerDay * perNotice.busEntries,
      'entries',
      megabyte(prices.eventBridgePerMillionEntries),
    );
    add(
      'DynamoDB',
      'writes: webhook events of deadline notices',
      noticesPerDay * perNotice.fanout.wru,
      'WRU',
      megabyte(prices.dynamoPerMillionWriteUnits),
    );
    add(
      'DynamoDB',
      'reads: webhook events of deadline notices',
      noticesPerDay * perNotice.fanout.rru,
      'RRU',
      megabyte(prices.dynamoPerMillionReadUnits),
    );
    add(
      'Lambda',
      'GB-s: fanout of deadline notices',
      noticesPerDay * perNotice.fanout.lambdaGbSeconds,
      'GB-s',
      prices.lambdaPerGbSecond,
    );
    if (supervision.endOfDay)
      add(
        'DynamoDB',
        'reads: end-of-day open-overdue passes',
        supervision.endOfDay.rruPerDay,
        'RRU',
        megabyte(prices.dynamoPerMillionReadUnits),
      );
    add(
      'Lambda',
      'supervision sweep invocations',
      sweepsPerDay,
      'invocations',
      megabyte(prices.lambdaPerMillionRequests),
      false,
    );
    add(
      'EventBridge',
      'Scheduler invocations (supervision sweeps)',
      sweepsPerDay,
      'invocations',
      megabyte(prices.schedulerPerMillionInvocations),
      false,
    );
  }

  // Whole-pipeline units per record: the recompute (and its fanout) apportioned by facts.changed caused.
  const recomputeWru =
    areaWrites * (recompute.wruPerAreaWrite + recompute.fanoutPerAreaWrite.wru) + runs * recompute.wruPerRun;
  const recomputeRru =
    runs * (bytesPerRun * recompute.rruPerByteRead + recompute.rruPerRun) +
    areaWrites * recompute.fanoutPerAreaWrite.rru;
  const fromFeeds = factsChangedPerDay - recompute.nightlyMessages;
  const perRecord: Record<string, { wru: number; rru: number; busEntries: number; recomputeShare: number }> =
    {};
  const notice = supervision?.perNotice;
  for (const feed of feeds) {
    const share = fromFeeds > 0 ? ((feed.queueMessages.recompute ?? 0) * feed.recordsPerDay) / fromFeeds : 0;
    const notices = notice ? (feed.supervision?.noticesPerRecord ?? 0) : 0;
    perRecord[feed.label] = {
      wru:
        feed.wru +
        (share * recomputeWru) / feed.recordsPerDay +
        (feed.supervision?.indexWru ?? 0) +
        notices * ((notice?.wru ?? 0) + (notice?.fanout.wru ?? 0)),
      rru:
        feed.rru +
        (share * recomputeRru) / feed.recordsPerDay +
        (feed.supervision?.indexRru ?? 0) +
        notices * ((notice?.rru ?? 0) + (notice?.fanout.rru ?? 0)),
      busEntries:
        feed.busEntries + (share * updateEntries) / feed.recordsPerDay + notices * (notice?.busEntries ?? 0),
      recomputeShare: share,
    };
  }

  const listed = lines.filter((line) => line.listed);
  return {
    totalUsd: listed.reduce((sum, line) => sum + line.usd, 0),
    unlistedUsd: lines.filter((line) => !line.listed).reduce((sum, line) => sum + line.usd, 0),
    lines: [...lines].sort((a, b) => b.usd - a.usd),
    recomputeRunsPerDay: runs,
    batches,
    perRecord,
    noticesPerDay,
  };
};

/**
 * The inputs of a city `factor` times the reference (tickets, cases, fleet and road network): every
 * feed brings `factor` times the records, a day's facts are `factor` times the bytes, and there are
 * `factor` times the areas to write. What each record costs on its own path stays as measured (an
 * entity's events, a vehicle's day and a GPS request do not grow with the city); queue batches and
 * recompute runs follow from the rates.
 */
export const scaleInputs = (inputs: CostInputs, factor: number): CostInputs => ({
  ...inputs,
  feeds: inputs.feeds.map((feed) => ({ ...feed, recordsPerDay: feed.recordsPerDay * factor })),
  recompute: {
    ...inputs.recompute,
    bytesPerFullDay: inputs.recompute.bytesPerFullDay * factor,
    areaWritesPerRun: inputs.recompute.areaWritesPerRun * factor,
    updateEntriesPerRun: inputs.recompute.updateEntriesPerRun * factor,
  },
  // The end-of-day passes read the open items and the logs: both grow with the city.
  ...(inputs.supervision?.endOfDay
    ? {
        supervision: {
          ...inputs.supervision,
          endOfDay: {
            ...inputs.supervision.endOfDay,
            rruPerDay: inputs.supervision.endOfDay.rruPerDay * factor,
          },
        },
      }
    : {}),
});

/** US$ per million records of a day's cost. */
export const usdPerMillionRecords = (inputs: CostInputs, cost: CostOfDay): number =>
  (cost.totalUsd / inputs.feeds.reduce((sum, feed) => sum + feed.recordsPerDay, 0)) * MILLION;
