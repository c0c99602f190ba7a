import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '#shared/app/ingest';
import { MAX_LISTED_ERRORS, moreErrorsNotListed } from '#shared/schemas/messages';
import { RecordingPublisher } from '../../support/recording-publisher.ts';
import { createTestTables } from '../../support/tables.ts';

/**
 * Hostile batches at the contract's limits end in DynamoDB Local as they would in DynamoDB: every
 * rejected record is quarantined and the answer is kept for replays, under the 400 KB item limit.
 */
let db: Awaited<ReturnType<typeof createTestTables>>;
const publisher = new RecordingPublisher();
const now = Date.parse('2026-03-02T02:00:00Z');
beforeAll(async () => {
  db = await createTestTables();
});
afterAll(async () => db.drop());

const send = (records: unknown[], webhookId = `w-${randomUUID()}`) =>
  ingest(
    { source: 'sanitation', body: { records }, webhookId, requestId: `r-${webhookId}` },
    { ...db, publisher, now: () => now },
  );

const badPoints = (count: number) => Array.from({ length: count }, () => ({}));

describe('ingest of hostile batches on DynamoDB Local', () => {
  it('quarantines a batch of 10,000 bad points with its first problems listed', async () => {
    const outcome = await send([{ eventId: 'e1', vehicleId: 'v1', points: badPoints(10_000) }]);
    expect(outcome.status).toBe(422);
    const errors = outcome.answer.rejected[0]?.errors ?? [];
    expect(errors).toHaveLength(MAX_LISTED_ERRORS + 1);
    expect(errors[0]).toEqual({ path: 'points[0].t', message: expect.any(String) });
    expect(errors.at(-1)).toEqual(moreErrorsNotListed);
    const [quarantined] = await db.quarantine.listQuarantine('sanitation', 1, now);
    expect(quarantined?.errors).toEqual(errors);
    expect(quarantined?.truncated).toBe(false);
  });

  it('answers and keeps the answer to 1000 records of many bad points each, and replays it', async () => {
    const records = Array.from({ length: 1000 }, (_, index) => ({
      eventId: `e${index}`,
      vehicleId: 'v1',
      points: badPoints(40),
    }));
    const webhookId = `w-${randomUUID()}`;
    const outcome = await send(records, webhookId);
    expect(outcome.status).toBe(422);
    expect(outcome.answer.rejected).toHaveLength(1000);
    expect(outcome.answer.rejected.every(({ errors }) => errors.length === MAX_LISTED_ERRORS + 1)).toBe(true);
    expect(await send(records, webhookId)).toEqual({
      status: outcome.status,
      answer: outcome.answer,
      replayed: true,
    });
    expect(publisher.published).toEqual([]);
  });
});
