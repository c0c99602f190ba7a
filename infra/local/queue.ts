import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { QueueJournal } from '#infra/local/queue-journal';
import { machineNow } from '#infra/local/servers';
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
  /**
   * After a batch that took d ms, the next waits at least `restFactor` × d (default 0): a consumer
   * whose work grows with the data, like the recompute, then leaves the rest of the local hub time to
   * work (with 1, it is busy at most half the time).
   */
  readonly restFactor?: number;
  /** Whether to rest after a batch (default always): the local hub rests only while ingest is busy. */
  readonly restWhile?: () => boolean;
  /** Awaited before each batch starts (the local hub lets its HTTP requests go first). */
  readonly beforeBatch?: () => Promise<void>;
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
  /** Every message waiting or in flight, by id, in the order sent. */
  private readonly messages = new Map<string, Message>();
  /** Visible messages in the order they became visible (`readyHead` is the first not yet taken). */
  private ready: Message[] = [];
  private readyHead = 0;
  /** Messages not yet visible (delayed or waiting to be retried), earliest first. */
  private readonly delayed = new MessageHeap();
  private timer: NodeJS.Timeout | undefined;
  /** When the pending timer fires. */
  private timerAt = Number.POSITIVE_INFINITY;
  /** No batch starts before this time (see `restFactor`). */
  private restUntil = 0;
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
        this.enqueue({ messageId, body, sentAt, receiveCount: 0, visibleAt: machineNow() });
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
    const message = { messageId: randomUUID(), body, sentAt: machineNow() };
    this.options.journal?.sent(message);
    this.enqueue({ ...message, receiveCount: 0, visibleAt: message.sentAt + delayMs });
    this.schedule();
  }

  /**
   * Like SQS ChangeMessageVisibility: the message of `receiptHandle` (from its latest receive) comes
   * back `seconds` from now if its consumer reports it failed. False when no such receive is in flight.
   */
  changeVisibility(receiptHandle: string, seconds: number): boolean {
    const message = this.messages.get(receiptHandle.slice(0, receiptHandle.lastIndexOf('#')));
    if (!message || this.receiptHandleOf(message) !== receiptHandle) return false;
    message.visibleAfterFailure = machineNow() + seconds * 1000;
    return true;
  }

  /**
   * Moves every dead letter back to the queue, like an SQS message move task to the source queue: each
   * is enqueued as a new message (a new id, receives counted from zero), journaled in the same line
   * that drops the dead letter, so a crash neither brings it back as dead nor loses it. Resolves with
   * how many moved once the journal has them on stable storage.
   */
  async redrive(): Promise<number> {
    if (this.stopped) throw new Error(`queue ${this.name} is stopped`);
    const letters = this.deadLetters.splice(0);
    for (const letter of letters) {
      const message = { messageId: randomUUID(), body: letter.body, sentAt: machineNow() };
      this.options.journal?.moved(letter.messageId, message);
      this.enqueue({ ...message, receiveCount: 0, visibleAt: message.sentAt });
    }
    if (letters.length > 0) this.schedule();
    await this.options.journal?.durable();
    return letters.length;
  }

  /** Messages waiting or in flight. */
  get depth(): number {
    return this.messages.size;
  }

  /** Resolves when no message is waiting or in flight. */
  idle(): Promise<void> {
    if (this.messages.size === 0 && this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivering; waits for the batches in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await Promise.all([...this.inFlight]);
    this.options.journal?.close();
  }

  private enqueue(message: Message): void {
    this.messages.set(message.messageId, message);
    this.makeWaiting(message);
  }

  /** Files a message that is not in flight under ready or delayed, by its `visibleAt`. */
  private makeWaiting(message: Message): void {
    if (message.visibleAt <= machineNow()) this.ready.push(message);
    else this.delayed.push(message);
  }

  private get readyCount(): number {
    return this.ready.length - this.readyHead;
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  /** Sets the timer to fire at `at`, unless it fires earlier already. */
  private wakeAt(at: number, now: number, callback: () => void): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      callback();
    }, at - now);
  }

  private schedule(): void {
    if (this.stopped || this.inFlight.size >= (this.options.concurrency ?? 1)) return;
    const now = machineNow();
    for (let next = this.delayed.peek(); next && next.visibleAt <= now; next = this.delayed.peek())
      this.ready.push(this.delayed.pop() as Message);
    const head = this.ready[this.readyHead];
    if (!head) {
      const next = this.delayed.peek();
      if (next) this.wakeAt(next.visibleAt, now, () => this.schedule());
      else if (this.inFlight.size === 0) this.notifyIdle();
      return;
    }
    const oldest = Math.max(head.sentAt, head.visibleAt);
    const at = Math.max(
      this.restUntil,
      this.readyCount >= this.decl.batchSize ? now : Math.max(now, oldest + this.options.batchingWindowMs),
    );
    this.wakeAt(at, now, () => {
      if (this.stopped || this.inFlight.size >= (this.options.concurrency ?? 1)) return;
      let started = machineNow();
      const run: Promise<void> = (async () => {
        await this.options.beforeBatch?.();
        started = machineNow();
        await this.deliver();
      })().finally(() => {
        const ended = machineNow();
        const rest = (this.options.restWhile?.() ?? true) ? (this.options.restFactor ?? 0) : 0;
        this.restUntil = ended + rest * (ended - started);
        this.inFlight.delete(run);
        this.schedule();
      });
      this.inFlight.add(run);
      this.schedule();
    });
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private receiptHandleOf(message: Message): string {
    return `${message.messageId}#${message.receiveCount}`;
  }

  /** Takes up to a batch of visible messages off the ready list. */
  private take(): Message[] {
    const batch = this.ready.slice(this.readyHead, this.readyHead + this.decl.batchSize);
    this.readyHead += batch.length;
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
    return batch;
  }

  private async deliver(): Promise<void> {
    const batch = this.take();
    if (batch.length === 0) return;
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
        this.messages.delete(message.messageId);
        this.options.journal?.done(message.messageId);
      } else if (message.receiveCount >= this.decl.maxReceiveCount) {
        this.messages.delete(message.messageId);
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
          message.visibleAfterFailure ?? machineNow() + this.options.retryDelayMs * message.receiveCount;
        this.makeWaiting(message);
      }
    }
    this.options.journal?.compact(this.messages.size, () => [...this.messages.values()], this.deadLetters);
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
        ApproximateFirstReceiveTimestamp: String(machineNow()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:local:000000000000:cityhub-local-${this.name}`,
      awsRegion: 'local',
    };
  }
}

/** A binary min-heap of messages by `visibleAt`. */
class MessageHeap {
  private readonly items: Message[] = [];

  peek(): Message | undefined {
    return this.items[0];
  }

  push(message: Message): void {
    const items = this.items;
    items.push(message);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((items[parent] as Message).visibleAt <= message.visibleAt) break;
      items[index] = items[parent] as Message;
      index = parent;
    }
    items[index] = message;
  }

  pop(): Message | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child =
        right < items.length && (items[right] as Message).visibleAt < (items[left] as Message).visibleAt
          ? right
          : left;
      if ((items[child] as Message).visibleAt >= last.visibleAt) break;
      items[index] = items[child] as Message;
      index = child;
    }
    items[index] = last;
    return top;
  }
}
