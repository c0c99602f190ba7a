import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalQueue } from '#infra/local/queue';
import { QueueJournal } from '#infra/local/queue-journal';

const decl = {
  id: 'TestQueue',
  consumer: 'facts',
  batchSize: 3,
  maxBatchingWindowSeconds: 1,
  maxReceiveCount: 3,
} as const;
const options = { batchingWindowMs: 20, retryDelayMs: 5 };

describe('LocalQueue', () => {
  it('delivers in batches of at most the declared size', async () => {
    const batches: string[][] = [];
    const queue = new LocalQueue(
      'q',
      decl,
      async (event: SQSEvent) => {
        batches.push(event.Records.map((record) => record.body));
      },
      options,
    );
    for (const body of ['a', 'b', 'c', 'd', 'e']) queue.send(body);
    await queue.idle();
    expect(batches).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
  });

  it('redelivers only the messages named in batchItemFailures, counting receives', async () => {
    const seen: [string, string][] = [];
    let failedOnce = false;
    const queue = new LocalQueue(
      'q',
      decl,
      async (event: SQSEvent) => {
        for (const record of event.Records)
          seen.push([record.body, record.attributes.ApproximateReceiveCount]);
        const bad = event.Records.find((record) => record.body === 'b');
        if (bad && !failedOnce) {
          failedOnce = true;
          return { batchItemFailures: [{ itemIdentifier: bad.messageId }] };
        }
        return { batchItemFailures: [] };
      },
      options,
    );
    for (const body of ['a', 'b', 'c']) queue.send(body);
    await queue.idle();
    expect(seen).toEqual([
      ['a', '1'],
      ['b', '1'],
      ['c', '1'],
      ['b', '2'],
    ]);
    expect(queue.deadLetters).toEqual([]);
  });

  it('moves a message that keeps failing to the dead letters after maxReceiveCount receives', async () => {
    const moved: string[] = [];
    const queue = new LocalQueue(
      'q',
      decl,
      async () => {
        throw new Error('consumer down');
      },
      { ...options, onDeadLetter: (letter) => moved.push(letter.body) },
    );
    queue.send('poison');
    await queue.idle();
    expect(queue.deadLetters).toMatchObject([
      { body: 'poison', receiveCount: 3, lastError: 'consumer down' },
    ]);
    expect(moved).toEqual(['poison']);
    expect(queue.depth).toBe(0);
  });

  it('fails the whole batch when batchItemFailures names a message that is not in it, as Lambda does', async () => {
    let receives = 0;
    const queue = new LocalQueue(
      'q',
      decl,
      async () => {
        receives += 1;
        return { batchItemFailures: receives === 1 ? [{ itemIdentifier: 'no-such-message' }] : [] };
      },
      options,
    );
    queue.send('a');
    queue.send('b');
    await queue.idle();
    expect(receives).toBe(2);
  });

  it('builds SQS records as Lambda receives them', async () => {
    let event: SQSEvent | undefined;
    const queue = new LocalQueue(
      'q',
      decl,
      async (received: SQSEvent) => {
        event = received;
      },
      options,
    );
    queue.send('{"x":1}');
    await queue.idle();
    expect(event?.Records[0]).toMatchObject({
      body: '{"x":1}',
      eventSource: 'aws:sqs',
      attributes: { ApproximateReceiveCount: '1' },
    });
  });
});

describe('LocalQueue delays', () => {
  it('delivers a delayed message after those sent later without delay', async () => {
    const seen: string[] = [];
    const queue = new LocalQueue(
      'q',
      decl,
      async (event: SQSEvent) => {
        seen.push(...event.Records.map((record) => record.body));
      },
      options,
    );
    queue.send('late', 150);
    queue.send('first');
    expect(queue.depth).toBe(2);
    await queue.idle();
    expect(seen).toEqual(['first', 'late']);
  });

  it('delivers delayed messages in the order they become visible, whatever order they were sent in', async () => {
    const seen: string[] = [];
    const queue = new LocalQueue(
      'q',
      { ...decl, batchSize: 1 },
      async (event: SQSEvent) => {
        seen.push(...event.Records.map((record) => record.body));
      },
      options,
    );
    for (const delay of [120, 30, 200, 60, 90, 0]) queue.send(String(delay), delay);
    await queue.idle();
    expect(seen).toEqual(['0', '30', '60', '90', '120', '200']);
  });

  it('starts a batch only once beforeBatch has resolved', async () => {
    const seen: string[] = [];
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const queue = new LocalQueue(
      'q',
      decl,
      async (event: SQSEvent) => {
        seen.push(...event.Records.map((record) => record.body));
      },
      { ...options, beforeBatch: () => gate },
    );
    queue.send('waits');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual([]);
    open();
    await queue.idle();
    expect(seen).toEqual(['waits']);
  });

  it('rests after a batch for restFactor times as long as the batch took', async () => {
    const spans: { start: number; end: number }[] = [];
    const queue = new LocalQueue(
      'q',
      { ...decl, batchSize: 1 },
      async () => {
        const start = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 60));
        spans.push({ start, end: Date.now() });
      },
      { ...options, restFactor: 1 },
    );
    queue.send('one');
    queue.send('two');
    await queue.idle();
    const [first, second] = spans;
    if (!first || !second) throw new Error('expected two batches');
    expect(second.start - first.end).toBeGreaterThanOrEqual(first.end - first.start - 2);
  });

  it('changes the visibility of a receive only while it is in flight', async () => {
    let handle = '';
    const answers: boolean[] = [];
    const queue = new LocalQueue(
      'q',
      decl,
      async (event: SQSEvent) => {
        handle = event.Records[0]?.receiptHandle ?? '';
        answers.push(queue.changeVisibility(handle, 1), queue.changeVisibility(`${handle}0`, 1));
      },
      options,
    );
    queue.send('one');
    await queue.idle();
    expect(answers).toEqual([true, false]);
    expect(queue.changeVisibility(handle, 1)).toBe(false);
  });
});

describe('LocalQueue with a journal', () => {
  const journalFile = () => join(mkdtempSync(join(tmpdir(), 'cityhub-journal-')), 'q.ndjson');

  it('delivers after a crash what was sent and never consumed, and nothing consumed', async () => {
    const file = journalFile();
    const consumed: string[] = [];
    const first = new LocalQueue(
      'q',
      decl,
      async (event: SQSEvent) => {
        consumed.push(...event.Records.map((record) => record.body));
      },
      { ...options, journal: new QueueJournal(file) },
    );
    first.send('a');
    first.send('b');
    await first.idle();
    // The process dies with c and d sent but not yet received (no stop, no flush).
    const never = new LocalQueue('q', decl, async () => undefined, {
      ...options,
      batchingWindowMs: 60_000,
      journal: new QueueJournal(file),
    });
    never.send('c');
    never.send('d');
    // …and the last line was cut short while being written.
    appendFileSync(file, '{"sent":{"messageId":"half');

    const after: string[] = [];
    const restarted = new LocalQueue(
      'q',
      decl,
      async (event: SQSEvent) => {
        after.push(...event.Records.map((record) => record.body));
      },
      { ...options, journal: new QueueJournal(file) },
    );
    expect(restarted.recovered).toBe(2);
    restarted.start();
    await restarted.idle();
    await never.stop();
    expect(consumed).toEqual(['a', 'b']);
    expect(after).toEqual(['c', 'd']);
    // Once everything is consumed, nothing is left to deliver after another restart.
    expect(
      new LocalQueue('q', decl, async () => undefined, { ...options, journal: new QueueJournal(file) })
        .recovered,
    ).toBe(0);
    // Reading the journal back rewrote it to what was pending: nothing.
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('keeps dead letters across a restart and keeps a failing message until it is dead', async () => {
    const file = journalFile();
    const failing = new LocalQueue(
      'q',
      decl,
      async () => {
        throw new Error('consumer down');
      },
      { ...options, journal: new QueueJournal(file) },
    );
    failing.send('poison');
    await failing.idle();
    expect(failing.deadLetters.map((letter) => letter.body)).toEqual(['poison']);
    await failing.stop();

    const restarted = new LocalQueue('q', decl, async () => undefined, {
      ...options,
      journal: new QueueJournal(file),
    });
    expect(restarted.recovered).toBe(0);
    expect(restarted.deadLetters).toMatchObject([
      { body: 'poison', receiveCount: decl.maxReceiveCount, lastError: 'consumer down' },
    ]);
  });
});
