import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { QueueJournal } from '#infra/local/queue-journal';
import type { QueueDecl } from '#shared/topology';

/** Invokes the consumer function with one batch. */
export type QueueConsumer = (event: SQSEvent) => Promise<SQSBatchResponse | undefined | unknown>;

/** A message that exhausted its receives, kept like a dead-letter queue keeps it. */
export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
  readonly lastError: string;
  readonly movedAt: string;
}

interface Message {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
  visibleAt: number;
  /** Set by a visibility change during a receive: when the message comes back if it fails. */
  visibleAfterFailure?: number | undefined;
}

export interface LocalQueueOptions {
  /** Longest wait to gather a batch (the declared window, capped for quick local feedback). */
  readonly batchingWindowMs: number;
  /** Delay before a failed message is received again; grows with each receive. */
  readonly retryDelayMs: number;
  /** Batches in flight at once (Lambda runs several); default 1. */
  readonly concurrency?: number;
  readonly onDeadLetter?: (letter: DeadLetter) => void;
  /** Keeps messages on disk so they survive a crash; on start, the messages it holds are delivered. */
  readonly journal?: QueueJournal;
}

/**
 * An in-process stand-in for an SQS queue with a Lambda event source mapping and a dead-letter queue:
 * batches up to the declared size, honours `batchItemFailures` (partial batch failure), retries failed
 * messages after a delay (or the visibility a consumer set), and moves a message to the dead letters
 * after `maxReceiveCount` receives. Up to `concurrency` batches are in flight at a time. With a
 * journal, every message is on disk before `send` returns and until it is consumed.
 */
export class LocalQueue {
  readonly deadLetters: DeadLetter[] = [];
  private readonly messages: Message[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private recoveredCount = 0;

  constructor(
    readonly name: string,
    private readonly decl: QueueDecl,
    private readonly consumer: QueueConsumer,
    private readonly options: LocalQueueOptions,
  ) {
    const recovered = options.journal?.recover();
    if (recovered) {
      this.deadLetters.push(...recovered.deadLetters);
      this.recoveredCount = recovered.pending.length;
      for (const { messageId, body, sentAt } of recovered.pending)
        this.messages.push({ messageId, body, sentAt, receiveCount: 0, visibleAt: Date.now() });
    }
  }

  /** Messages recovered from the journal when the queue was created. */
  get recovered(): number {
    return this.recoveredCount;
  }

  /** Starts delivering the recovered messages (once every queue their consumers may send to exists). */
  start(): void {
    this.schedule();
  }

  /** Enqueues one message body, visible after `delayMs` (like SQS DelaySeconds; journaled at once). */
  send(body: string, delayMs = 0): void {
    if (this.stopped) throw new Error(`queue ${this.name} is stopped`);
    const message = { messageId: randomUUID(), body, sentAt: Date.now() };
    this.options.journal?.sent(message);
    this.messages.push({ ...message, receiveCount: 0, visibleAt: message.sentAt + delayMs });
    this.schedule();
  }

  /**
   * Like SQS ChangeMessageVisibility: the message of `receiptHandle` (from its latest receive) comes
   * back `seconds` from now if its consumer reports it failed. False when no such receive is in flight.
   */
  changeVisibility(receiptHandle: string, seconds: number): boolean {
    const message = this.messages.find((candidate) => this.receiptHandleOf(candidate) === receiptHandle);
    if (!message) return false;
    message.visibleAfterFailure = Date.now() + seconds * 1000;
    return true;
  }

  /** Messages waiting or in flight. */
  get depth(): number {
    return this.messages.length;
  }

  /** Resolves when no message is waiting or in flight. */
  idle(): Promise<void> {
    if (this.messages.length === 0 && this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivering; waits for the batches in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all([...this.inFlight]);
    this.options.journal?.close();
  }

  private schedule(): void {
    if (this.stopped || this.inFlight.size >= (this.options.concurrency ?? 1)) return;
    clearTimeout(this.timer);
    const now = Date.now();
    const visible = this.messages.filter((message) => message.visibleAt <= now);
    if (visible.length === 0) {
      let next = Number.POSITIVE_INFINITY;
      for (const message of this.messages) next = Math.min(next, message.visibleAt);
      if (Number.isFinite(next)) this.timer = setTimeout(() => this.schedule(), next - now);
      else if (this.inFlight.size === 0) this.notifyIdle();
      return;
    }
    let oldest = Number.POSITIVE_INFINITY;
    for (const message of visible) oldest = Math.min(oldest, Math.max(message.sentAt, message.visibleAt));
    const wait =
      visible.length >= this.decl.batchSize ? 0 : Math.max(0, oldest + this.options.batchingWindowMs - now);
    this.timer = setTimeout(() => {
      const run: Promise<void> = this.deliver().finally(() => {
        this.inFlight.delete(run);
        this.schedule();
      });
      this.inFlight.add(run);
      this.schedule();
    }, wait);
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private receiptHandleOf(message: Message): string {
    return `${message.messageId}#${message.receiveCount}`;
  }

  private async deliver(): Promise<void> {
    const now = Date.now();
    const batch = this.messages.filter((message) => message.visibleAt <= now).slice(0, this.decl.batchSize);
    for (const message of batch) {
      message.receiveCount += 1;
      message.visibleAt = Number.POSITIVE_INFINITY;
      message.visibleAfterFailure = undefined;
    }
    let failed: Set<string>;
    let reason = 'reported in batchItemFailures';
    try {
      const answer = (await this.consumer({ Records: batch.map((message) => this.toRecord(message)) })) as
        | SQSBatchResponse
        | undefined;
      const named = (answer?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
      const inBatch = new Set(batch.map((message) => message.messageId));
      // Like Lambda: an empty or unknown itemIdentifier fails the whole batch.
      if (named.some((id) => !id || !inBatch.has(id))) {
        failed = inBatch;
        reason = `batchItemFailures named a message not in the batch (${named.join(', ')})`;
      } else failed = new Set(named);
    } catch (error) {
      failed = new Set(batch.map((message) => message.messageId));
      reason = (error as Error).message;
    }
    for (const message of batch) {
      if (!failed.has(message.messageId)) {
        this.remove(message);
        this.options.journal?.done(message.messageId);
      } else if (message.receiveCount >= this.decl.maxReceiveCount) {
        this.remove(message);
        const letter = {
          messageId: message.messageId,
          body: message.body,
          receiveCount: message.receiveCount,
          lastError: reason,
          movedAt: new Date().toISOString(),
        };
        this.deadLetters.push(letter);
        this.options.journal?.dead(letter);
        this.options.onDeadLetter?.(letter);
      } else {
        message.visibleAt =
          message.visibleAfterFailure ?? Date.now() + this.options.retryDelayMs * message.receiveCount;
      }
    }
    this.options.journal?.compact(this.messages, this.deadLetters);
  }

  private remove(message: Message): void {
    this.messages.splice(this.messages.indexOf(message), 1);
  }

  private toRecord(message: Message): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: this.receiptHandleOf(message),
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: 'cityhub-local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:local:000000000000:cityhub-local-${this.name}`,
      awsRegion: 'local',
    };
  }
}
