import type { SQSEvent } from 'aws-lambda';
import { random } from '#infra/local/demo-city';
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
}

/** Reads `CITYHUB_CHAOS` (`seed` or `seed,failureRate,maxCopies`); undefined when unset. */
export const parseChaos = (value: string | undefined): ChaosOptions | undefined => {
  if (value === undefined || value === '') return undefined;
  const [seed, failureRate = '0.1', maxCopies = '3'] = value.split(',').map((part) => part.trim());
  const options = {
    seed: Number(seed),
    failureRate: Number(failureRate),
    maxCopies: Number(maxCopies),
    maxDelayMs: 1000,
  };
  if (
    !Number.isInteger(options.seed) ||
    !(options.failureRate >= 0 && options.failureRate < 1) ||
    !(Number.isInteger(options.maxCopies) && options.maxCopies >= 1 && options.maxCopies <= 10)
  ) {
    throw new Error(
      `CITYHUB_CHAOS=${value} must be "seed[,failureRate[,maxCopies]]", e.g. 42,0.1,3 (failure rate in [0, 1), 1 to 10 copies)`,
    );
  }
  return options;
};

/**
 * At-least-once delivery at its worst, for the local hub: every event a rule matches reaches its
 * queue 1 to `maxCopies` times, each copy after a random delay (so events arrive out of order), and a
 * share of consumer batches fail after handling part of their messages, so the whole batch is
 * received again. A batch is failed only while its messages have receives to spare, so chaos alone
 * never moves a message to the dead letters.
 */
export class Chaos {
  private readonly next: () => number;

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
