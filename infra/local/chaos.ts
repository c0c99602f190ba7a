import type { SQSEvent } from 'aws-lambda';
import { random } from '#infra/local/demo-city';
import { DynamoDbChaosProxy } from '#infra/local/dynamodb-chaos';
import type { QueueConsumer } from '#infra/local/queue';

/** Hands an event to a queue, visible after `delayMs`. */
export type DelayedTarget = (json: string, delayMs: number) => void;

/** Faults the local hub injects to show that its results do not depend on delivery (`CITYHUB_CHAOS`). */
export interface ChaosOptions {
  /** Seed of the fault generator: the same seed gives the same faults for the same traffic. */
  readonly seed: number;
  /** Share of consumer batches that fail after handling a random part of their messages. */
  readonly failureRate: number;
  /** Each event reaches its queue 1 to this many times. */
  readonly maxCopies: number;
  /** Longest delay of a copy, so copies overtake each other (ms). */
  readonly maxDelayMs: number;
  /** Share of the functions' DynamoDB requests answered with a throttling error (default 0). */
  readonly throttleRate: number;
  /** Share of the functions' DynamoDB requests held and then cut off without an answer (default 0). */
  readonly timeoutRate: number;
  /** Share of the functions' DynamoDB requests answered late, after up to `maxSlowMs` (default 0). */
  readonly slowRate: number;
  /** Longest wait of a slow DynamoDB answer, and how long a request that times out is held (ms). */
  readonly maxSlowMs: number;
  /** Share of PutEvents entries the bus refuses, as EventBridge reports in `FailedEntryCount` (default 0). */
  readonly putEventsRate: number;
}

/** Named options of `CITYHUB_CHAOS` (after the positional ones) and the option each one sets. */
const NAMED = {
  throttle: 'throttleRate',
  timeout: 'timeoutRate',
  slow: 'slowRate',
  putEvents: 'putEventsRate',
} as const satisfies Record<string, keyof ChaosOptions>;

const FORMAT =
  '"seed[,failureRate[,maxCopies]][,throttle=R][,timeout=R][,slow=R][,putEvents=R]", e.g. 42,0.1,3 or 42,0.1,3,throttle=0.05,putEvents=0.1 (rates in [0, 1), 1 to 10 copies, throttle + timeout + slow below 1)';

/**
 * Reads `CITYHUB_CHAOS`; undefined when unset. Positional `seed[,failureRate[,maxCopies]]` (defaults
 * 0.1 and 3) shape deliveries; named `key=rate` options add faults of the services the functions
 * call: `throttle` (DynamoDB throttling errors), `timeout` (DynamoDB requests cut off unanswered),
 * `slow` (DynamoDB answers up to a second late) and `putEvents` (PutEvents entries refused).
 */
export const parseChaos = (value: string | undefined): ChaosOptions | undefined => {
  if (value === undefined || value === '') return undefined;
  const parts = value.split(',').map((part) => part.trim());
  const firstNamed = parts.findIndex((part) => part.includes('='));
  const positional = firstNamed === -1 ? parts : parts.slice(0, firstNamed);
  const named = firstNamed === -1 ? [] : parts.slice(firstNamed);
  const [seed, failureRate = '0.1', maxCopies = '3'] = positional;
  const options: Record<keyof ChaosOptions, number> = {
    seed: Number(seed),
    failureRate: Number(failureRate),
    maxCopies: Number(maxCopies),
    maxDelayMs: 1000,
    throttleRate: 0,
    timeoutRate: 0,
    slowRate: 0,
    maxSlowMs: 1000,
    putEventsRate: 0,
  };
  const problems: string[] = [];
  if (positional.length > 3 || named.some((part) => !part.includes('=')))
    problems.push('at most three positional options, all before the named ones');
  for (const part of named) {
    const [key = '', rate = ''] = part.split('=');
    const option = NAMED[key as keyof typeof NAMED] as keyof ChaosOptions | undefined;
    if (!option) problems.push(`unknown option ${JSON.stringify(key)}`);
    else options[option] = rate === '' ? Number.NaN : Number(rate);
  }
  const rate = (value: number) => value >= 0 && value < 1;
  if (
    problems.length > 0 ||
    !Number.isInteger(options.seed) ||
    !rate(options.failureRate) ||
    !(Number.isInteger(options.maxCopies) && options.maxCopies >= 1 && options.maxCopies <= 10) ||
    ![options.throttleRate, options.timeoutRate, options.slowRate, options.putEventsRate].every(rate) ||
    !rate(options.throttleRate + options.timeoutRate + options.slowRate)
  ) {
    throw new Error(
      `CITYHUB_CHAOS=${value} must be ${FORMAT}${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`,
    );
  }
  return options;
};

/** Whether the options inject faults into the functions' DynamoDB requests. */
export const faultsDynamoDb = (options: ChaosOptions): boolean =>
  options.throttleRate + options.timeoutRate + options.slowRate > 0;

/** The service faults of `options` for the hub's start-up line ("" when there are none). */
export const describeServiceFaults = (options: ChaosOptions): string => {
  const shares = [
    [options.throttleRate, 'DynamoDB requests throttled'],
    [options.timeoutRate, 'DynamoDB requests cut off unanswered'],
    [options.slowRate, `DynamoDB answers up to ${options.maxSlowMs} ms late`],
    [options.putEventsRate, 'PutEvents entries refused'],
  ] as const;
  const faults = shares
    .filter(([rate]) => rate > 0)
    .map(([rate, what]) => `${Number((rate * 100).toFixed(2))} % of ${what}`);
  return faults.length > 0 ? `; ${faults.join(', ')}` : '';
};

/** 1, 10, 100, …: the counts at which a kind of fault is logged. */
const milestone = (count: number) => count > 0 && 10 ** Math.floor(Math.log10(count)) === count;

/** Error codes of PutEvents entries that EventBridge asks to send again. */
const PUT_EVENTS_ERRORS = [
  { ErrorCode: 'ThrottlingException', ErrorMessage: 'Request rate exceeded (chaos).' },
  { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure, please retry (chaos).' },
] as const;

/**
 * At-least-once delivery at its worst, for the local hub: every event a rule matches reaches its
 * queue 1 to `maxCopies` times, each copy after a random delay (so events arrive out of order), and a
 * share of consumer batches fail after handling part of their messages, so the whole batch is
 * received again. A batch is failed only while its messages have receives to spare, so chaos alone
 * never moves a message to the dead letters. With the service options it also refuses PutEvents
 * entries ({@link refuseEntry}) and faults DynamoDB requests ({@link dynamoDbProxy}).
 */
export class Chaos {
  private readonly next: () => number;
  /** PutEvents entries refused so far. */
  refusedEntries = 0;

  constructor(
    private readonly options: ChaosOptions,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.next = random(options.seed);
  }

  /**
   * A rule target that hands each event to its queue 1 to `maxCopies` times, each copy becoming visible
   * after a random delay; the copies are enqueued (and journaled) at once, so chaos loses nothing.
   */
  target(deliver: DelayedTarget): (json: string) => void {
    return (json) => {
      const copies = 1 + Math.floor(this.next() * this.options.maxCopies);
      for (let copy = 0; copy < copies; copy += 1) deliver(json, this.next() * this.options.maxDelayMs);
    };
  }

  /**
   * For the local bus: refuses a `putEventsRate` share of PutEvents entries with an error code that
   * EventBridge answers for entries worth sending again; undefined takes the entry.
   */
  refuseEntry(): { ErrorCode: string; ErrorMessage: string } | undefined {
    if (this.options.putEventsRate === 0 || this.next() >= this.options.putEventsRate) return undefined;
    this.refusedEntries += 1;
    const error = PUT_EVENTS_ERRORS[this.refusedEntries % PUT_EVENTS_ERRORS.length];
    if (milestone(this.refusedEntries))
      this.log(
        `cityhub: chaos: ${this.refusedEntries} PutEvents entries refused so far (${error?.ErrorCode})`,
      );
    return error;
  }

  /**
   * The proxy that faults the functions' DynamoDB requests (`throttle`, `timeout`, `slow`), in front
   * of `endpoint`; undefined when the options fault none. It draws from its own generator (seed + 1).
   */
  dynamoDbProxy(endpoint: string): DynamoDbChaosProxy | undefined {
    if (!faultsDynamoDb(this.options)) return undefined;
    return new DynamoDbChaosProxy(endpoint, this.options, random(this.options.seed + 1), (kind, count) => {
      if (milestone(count)) this.log(`cityhub: chaos: ${count} DynamoDB requests ${kind} so far`);
    });
  }

  /** A consumer that fails a share of batches after handling a random part of them. */
  consumer(queue: string, consume: QueueConsumer, maxReceiveCount: number): QueueConsumer {
    return async (event: SQSEvent) => {
      const spare = event.Records.every(
        (record) => Number(record.attributes.ApproximateReceiveCount) < maxReceiveCount - 1,
      );
      if (!spare || this.next() >= this.options.failureRate) return consume(event);
      const handled = event.Records.slice(0, Math.floor(this.next() * (event.Records.length + 1)));
      if (handled.length > 0) await consume({ Records: handled });
      const message = `chaos: a batch of queue ${queue} failed after handling ${handled.length} of ${event.Records.length} messages`;
      this.log(`cityhub: ${message}`);
      throw new Error(message);
    };
  }
}
