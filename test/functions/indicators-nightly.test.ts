import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBus } from '#infra/local/bus';
import { localDate } from '#shared/domain/time';
import { factsChanged } from '#shared/events/facts-changed';
import { createTestTables } from '../support/tables.ts';

/** The nightly job as the schedule invokes it: the recent days go to the recompute queue in small messages. */
const announced: { days: string[]; reconcile?: boolean }[] = [];
const bus = new LocalBus('cityhub-test', [
  {
    rule: { id: 'All', description: 'all', pattern: { source: [factsChanged.source] }, queue: 'recompute' },
    target: (json: string) => announced.push(JSON.parse(json).detail),
  },
]);
let db: Awaited<ReturnType<typeof createTestTables>>;
let handler: (event: unknown, context: Context) => Promise<unknown>;

beforeAll(async () => {
  db = await createTestTables();
  Object.assign(process.env, {
    FACTS_TABLE: db.names.facts,
    INDICATORS_TABLE: db.names.indicators,
    // The nightly run keeps no webhook answers: any table name does.
    REPLIES_TABLE: db.names.facts,
    EVENT_BUS_NAME: 'cityhub-test',
    DYNAMODB_ENDPOINT: db.endpoint,
    EVENTBRIDGE_ENDPOINT: await bus.start(),
    CITY_TIMEZONE: 'Asia/Shanghai',
    NIGHTLY_RECOMPUTE_DAYS: '12',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  ({ handler } = (await import('#functions/indicators/handler')) as unknown as { handler: typeof handler });
});
afterAll(async () => {
  await bus.stop();
  await db.drop();
});

describe('the nightly recompute', () => {
  it('queues the last 12 local days, one a message', async () => {
    const answer = await handler({ job: 'nightly-recompute' }, {
      getRemainingTimeInMillis: () => 300_000,
    } as Context);
    expect(answer).toEqual({ queued: 12 });
    expect(announced.map((detail) => detail.days.length)).toEqual(Array(12).fill(1));
    expect(announced.at(-1)?.days.at(-1)).toBe(localDate(Date.now(), 'Asia/Shanghai'));
  });

  it('marks its messages for reconciliation, which the same function then runs from the queue', async () => {
    expect(announced.map((detail) => detail.reconcile)).toEqual(Array(12).fill(true));
    const [first] = announced;
    const answer = await handler(
      {
        Records: [
          {
            messageId: 'm1',
            body: JSON.stringify({
              id: 'e1',
              source: factsChanged.source,
              'detail-type': factsChanged.detailType,
              time: new Date().toISOString(),
              detail: first,
            }),
          },
        ],
      },
      { getRemainingTimeInMillis: () => 300_000 } as Context,
    );
    expect(answer).toEqual({ batchItemFailures: [] });
  });

  it('refuses an input that is neither SQS nor the nightly job', async () => {
    await expect(handler({ job: 'something-else' }, {} as Context)).rejects.toThrow();
  });
});
