import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalQueue } from '#infra/local/queue';
import { QueueJournal } from '#infra/local/queue-journal';
import { LocalSqs, localDeadLetterArn, localQueueArn } from '#infra/local/sqs';
import { SqsDeadLetterQueues } from '#shared/adapters/dead-letter-queues';
import { redrive } from '#shared/app/redrive';

const decl = {
  id: 'TestQueue',
  consumer: 'facts',
  batchSize: 10,
  maxBatchingWindowSeconds: 1,
  maxReceiveCount: 2,
} as const;
const options = { batchingWindowMs: 10, retryDelayMs: 5 };
const event = (id: string) =>
  JSON.stringify({ id, source: 'cityhub.ingest', 'detail-type': 'hotline.record-accepted', detail: {} });

/** A consumer that fails every message while `broken` is set, and records the bodies it took. */
const flakyConsumer = () => {
  const state = { broken: true, taken: [] as string[] };
  const consume = async (batch: SQSEvent) => {
    if (state.broken) throw new Error('reference set unreadable');
    state.taken.push(...batch.Records.map((record) => record.body));
  };
  return { state, consume };
};

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** A local SQS over `queues`, and the adapter the admin function builds on it. */
const startSqs = async (queues: Map<string, LocalQueue>) => {
  const sqs = new LocalSqs(queues);
  const endpoint = await sqs.start();
  stops.push(() => sqs.stop());
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const deadLetters = new SqsDeadLetterQueues(
    client,
    Object.fromEntries(
      [...queues.keys()].map((name) => [
        name,
        { url: sqs.deadLetterUrlOf(name), arn: localDeadLetterArn(name), sourceArn: localQueueArn(name) },
      ]),
    ),
  );
  return { sqs, client, deadLetters };
};

describe('LocalSqs over the dead letters', () => {
  it('counts and peeks dead letters, moves them back, and the consumer takes them', async () => {
    const { state, consume } = flakyConsumer();
    const facts = new LocalQueue('facts', decl, consume, options);
    const { deadLetters } = await startSqs(new Map([['facts', facts]]));
    facts.send(event('e1'));
    facts.send(event('e2'));
    await facts.idle();
    expect(facts.deadLetters).toHaveLength(2);

    const dry = await redrive({ queue: 'facts', dryRun: true }, { deadLetters });
    expect(dry).toEqual({
      dryRun: true,
      moved: 0,
      queues: [
        {
          queue: 'facts',
          deadLetters: 2,
          moved: 0,
          sample: [
            {
              messageId: expect.any(String),
              detailType: 'hotline.record-accepted',
              error: 'reference set unreadable',
            },
            expect.objectContaining({ detailType: 'hotline.record-accepted' }),
          ],
        },
      ],
    });
    // A peek hides nothing and moves nothing.
    expect(facts.deadLetters).toHaveLength(2);
    expect(state.taken).toEqual([]);

    state.broken = false;
    const moved = await redrive({ queue: 'facts', dryRun: false }, { deadLetters });
    expect(moved).toMatchObject({ dryRun: false, moved: 2, queues: [{ queue: 'facts', moved: 2 }] });
    await facts.idle();
    expect(state.taken.sort()).toEqual([event('e1'), event('e2')].sort());
    expect(facts.deadLetters).toEqual([]);
    // Nothing left: a second run moves nothing.
    expect((await redrive({ queue: 'facts', dryRun: false }, { deadLetters })).moved).toBe(0);
  });

  it('gives a moved message a fresh receive count, so it gets every try again', async () => {
    const receives: string[] = [];
    const queue = new LocalQueue(
      'coverage',
      decl,
      async (batch: SQSEvent) => {
        for (const record of batch.Records) receives.push(record.attributes.ApproximateReceiveCount);
        throw new Error('still failing');
      },
      options,
    );
    const { deadLetters } = await startSqs(new Map([['coverage', queue]]));
    queue.send(event('e1'));
    await queue.idle();
    await deadLetters.moveBack('coverage');
    await queue.idle();
    expect(receives).toEqual(['1', '2', '1', '2']);
    expect(queue.deadLetters).toHaveLength(1);
  });

  it('answers the SQS errors the real service would', async () => {
    const queue = new LocalQueue('facts', decl, async () => undefined, options);
    const { client, sqs } = await startSqs(new Map([['facts', queue]]));
    await expect(
      client.send(new GetQueueAttributesCommand({ QueueUrl: sqs.deadLetterUrlOf('parking') })),
    ).rejects.toThrow('no queue');
    await expect(
      client.send(
        new ReceiveMessageCommand({ QueueUrl: sqs.deadLetterUrlOf('facts'), VisibilityTimeout: 30 }),
      ),
    ).rejects.toThrow('VisibilityTimeout 0 only');
    const unknown = new SqsDeadLetterQueues(client, {
      facts: { url: sqs.deadLetterUrlOf('facts'), arn: localDeadLetterArn('recompute'), sourceArn: 'x' },
    });
    await expect(unknown.moveBack('facts')).rejects.toThrow('no dead-letter queue');
    await expect(new SqsDeadLetterQueues(client, {}).peek('fanout', 10)).rejects.toThrow(
      'no dead-letter queue configured for queue fanout',
    );
  });
});

describe('a redrive in the journal', () => {
  it('survives a crash: a moved dead letter comes back pending, not dead, and is delivered', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cityhub-redrive-')), 'facts.ndjson');
    const first = flakyConsumer();
    const before = new LocalQueue('facts', decl, first.consume, {
      ...options,
      journal: new QueueJournal(file),
    });
    before.start();
    before.send(event('e1'));
    await before.idle();
    expect(before.deadLetters).toHaveLength(1);
    // Moved back, then the hub dies before the consumer could take it.
    first.state.broken = true;
    await before.stop();
    // A batching window long enough that the moved message is not delivered before the "crash".
    const stopped = new LocalQueue('facts', decl, first.consume, {
      ...options,
      batchingWindowMs: 60_000,
      journal: new QueueJournal(file),
    });
    expect(stopped.deadLetters).toHaveLength(1);
    expect(await stopped.redrive()).toBe(1);
    expect(readFileSync(file, 'utf8')).toContain('"moved"');
    await stopped.stop();
    const again = flakyConsumer();
    again.state.broken = false;
    const after = new LocalQueue('facts', decl, again.consume, {
      ...options,
      journal: new QueueJournal(file),
    });
    expect(after.deadLetters).toEqual([]);
    expect(after.recovered).toBe(1);
    after.start();
    await after.idle();
    expect(again.state.taken).toEqual([event('e1')]);
    await after.stop();
  });
});
