import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '#shared/topology';
import {
  type Answer,
  changes,
  expectAnswer,
  type FuzzHub,
  freshWebhookId,
  fuzzOptions,
  type HostileCase,
  hostileCase,
  keptAnswer,
  type Snapshot,
  scaled,
  startFuzzHub,
} from './harness.ts';
import { familiesOf, listing, routeKey } from './routes.ts';

/**
 * Property tests that throw hostile input at the three signed ingest routes of one real hub: wrong
 * signatures (tampered bodies, other secrets, old and future timestamps, missing and garbled headers),
 * records that break the contract (wrong types, missing fields, huge strings, impossible dates,
 * NaN/Infinity coordinates, batches of 10,000 points and frames), bodies that are not batches, not JSON,
 * not UTF-8, nested 200,000 deep or over 5 MB. Every answer is a 4xx with a clear message, never a 5xx.
 *
 * The hub's state changes only as the contract requires: a record rejected in a batch the signature
 * let in is quarantined (CONTRACT §4) and the batch's answer kept for replays of its webhook-id (§2).
 * So after the runs, the items that appeared in the hub's DynamoDB Local are exactly one quarantine item
 * per rejected record and one kept answer (no record accepted) per 422; nothing else appeared, changed
 * or went: no dedupe mark, entity, feed freshness, reference set, subscription or indicator.
 */

/** Runs per family; the costly families send megabytes or quarantine 1000 records a run. */
const RUNS = 20;

let hub: FuzzHub;
let before: Snapshot;
/** Records the hub answered 422 for (so quarantined), per source; and how many 422 answers it gave. */
const quarantined = new Map<string, number>();
let answers422 = 0;

beforeAll(async () => {
  hub = await startFuzzHub();
  before = await hub.snapshot();
}, 120_000);
afterAll(async () => hub?.stop(), 30_000);

/** The source whose quarantine the rejected records of a request go to. */
const sourceOf = (target: string) =>
  target.startsWith('/ingest/hotline') ? 'hotline' : (target.split('/')[2] ?? '');

/** Sends a case, counts what a 422 quarantines, and checks the answer. */
const sendChecked = async (hostile: HostileCase): Promise<Answer> => {
  const answer = await hub.send(hostile.request);
  if (answer.status === 422) {
    const source = sourceOf(hostile.request.target);
    const { rejected } = JSON.parse(answer.text) as { rejected: unknown[] };
    quarantined.set(source, (quarantined.get(source) ?? 0) + rejected.length);
    answers422 += 1;
  }
  expectAnswer(hostile, answer, new Map());
  return answer;
};

const signedSanitation = (label: string, body: string) => ({
  label,
  method: 'POST',
  target: '/ingest/sanitation',
  headers: { 'content-type': 'application/json' },
  body,
  signing: { secret: hub.state.sourceSecrets.sanitation },
});

describe('fuzz: ingest routes', () => {
  for (const route of routes.filter((one) => one.auth === 'signature')) {
    describe(routeKey(route), () => {
      for (const [name, { costly }] of Object.entries(familiesOf(route, listing))) {
        it(
          `answers ${name} with a clear 4xx`,
          async () => {
            const family = familiesOf(route, { state: hub.state, subscriptionId: 'sub_none' })[name];
            if (!family) throw new Error(`family ${name} of ${routeKey(route)} is gone`);
            await fc.assert(
              fc.asyncProperty(family.cases, async (hostile) => {
                await sendChecked(hostile);
              }),
              fuzzOptions(costly ? 2 : RUNS),
            );
          },
          scaled(60_000),
        );
      }
    });
  }

  // 30,000 problems in a record once cost 150 ms and 1000 such records gigabytes: the hub now stops
  // looking after the problems it lists.
  it(
    'answers 5 MB of records of 10,000 bad points each with 422 in seconds, listing the first problems',
    async () => {
      const records = Array.from({ length: 160 }, (_, index) => ({
        eventId: `bad-${index}`,
        vehicleId: 'v1',
        points: Array.from({ length: 10_000 }, () => ({})),
      }));
      const started = Date.now();
      const answer = await sendChecked(
        hostileCase(signedSanitation('160 records of 10,000 bad points', JSON.stringify({ records })), {
          rejectedRecords: 160,
        }),
      );
      expect(Date.now() - started).toBeLessThan(10_000);
      const { rejected } = JSON.parse(answer.text) as { rejected: { errors: { path: string }[] }[] };
      expect(rejected[0]?.errors.slice(0, 3).map((error) => error.path)).toEqual([
        'points[0].t',
        'points[0].lat',
        'points[0].lon',
      ]);
    },
    scaled(60_000),
  );

  it(
    'changes nothing but the quarantine and the kept answers, and the hub lives on without errors',
    async () => {
      const { added, removed } = changes(before, await hub.snapshot());
      expect(removed.map(({ table, item }) => `${table}: ${item.slice(0, 300)}`)).toEqual([]);
      const partitionOf = (item: (typeof added)[number]['item']) => item.pk?.S ?? '';
      const byQuarantine = new Map<string, number>();
      for (const { item } of added.filter(({ item }) => partitionOf(item).startsWith('quarantine#'))) {
        const source = partitionOf(item).slice('quarantine#'.length);
        byQuarantine.set(source, (byQuarantine.get(source) ?? 0) + 1);
      }
      expect(Object.fromEntries(byQuarantine)).toEqual(Object.fromEntries(quarantined));
      const kept = added.filter(({ item }) => partitionOf(item).startsWith('webhook#'));
      expect(kept).toHaveLength(answers422);
      for (const { item } of kept) expect(keptAnswer(item)).toMatchObject({ accepted: 0, duplicates: 0 });
      const other = added.filter(({ item }) => !/^(quarantine|webhook)#/.test(partitionOf(item)));
      expect(other.map(({ table, item }) => `${table}: ${JSON.stringify(item).slice(0, 300)}`)).toEqual([]);
      expect(answers422).toBeGreaterThan(0);
      expect(hub.process.child.exitCode).toBeNull();
      expect((await fetch(`${hub.state.url}/health`)).status).toBe(200);
      expect(hub.errorLines()).toEqual([]);
    },
    scaled(60_000),
  );

  // After the state check, since records are accepted: a used webhook-id never takes another body.
  it(
    'refuses a used webhook-id for any other body (409), takes nothing of it, and answers the first body as first',
    async () => {
      const entry = fc.record({ n: fc.integer({ min: 0, max: 5 }), valid: fc.boolean() });
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(entry, { minLength: 1, maxLength: 6 }),
          fc.array(entry, { minLength: 1, maxLength: 6 }),
          async (first, second) => {
            run += 1;
            const prefix = `reuse-${run}-${Math.random().toString(36).slice(2, 8)}`;
            const recordOf = ({ n, valid }: { n: number; valid: boolean }) =>
              valid
                ? {
                    eventId: `${prefix}-${n}`,
                    ticketId: `${prefix}-${n}`,
                    type: 'received',
                    occurredAt: '2026-03-02T09:00:00+08:00',
                    category: 'noise',
                  }
                : { eventId: `${prefix}-${n}` };
            const bodyA = JSON.stringify({ records: first.map(recordOf) });
            const bodyB = JSON.stringify({ records: second.map(recordOf) });
            fc.pre(bodyA !== bodyB);
            const send = (body: string, id: string) =>
              hub.send({
                label: 'reused webhook-id',
                method: 'POST',
                target: '/ingest/hotline',
                headers: { 'content-type': 'application/json' },
                body,
                signing: { secret: hub.state.sourceSecrets.hotline, id },
              });
            const id = freshWebhookId();
            const a = await send(bodyA, id);
            const b = await send(bodyB, id);
            expect(b.status).toBe(409);
            expect(JSON.parse(b.text)).toEqual({
              error: expect.stringContaining('was used for a different body'),
            });
            const again = await send(bodyA, id);
            expect([again.status, again.text]).toEqual([a.status, a.text]);
            // Nothing of the refused body was taken: under a new id its new events are accepted now.
            const takenByA = new Set(first.filter(({ valid }) => valid).map(({ n }) => n));
            const newInB = new Set(
              second.filter(({ valid, n }) => valid && !takenByA.has(n)).map(({ n }) => n),
            );
            const fresh = await send(bodyB, freshWebhookId());
            if (newInB.size > 0)
              expect((JSON.parse(fresh.text) as { accepted: number }).accepted).toBe(newInB.size);
          },
        ),
        fuzzOptions(RUNS),
      );
    },
    scaled(60_000),
  );

  // After the state check, since it is accepted: the contract's limit itself is taken.
  it("takes a batch of exactly 10,000 good points, the contract's limit", async () => {
    const points = Array.from({ length: 10_000 }, (_, index) => ({
      t: new Date(Date.UTC(2026, 2, 2, 1, 0, 0) + index * 1000).toISOString(),
      lat: 39.9 + index / 1e6,
      lon: 116.4,
    }));
    const body = JSON.stringify({ records: [{ eventId: 'limit', vehicleId: 'v1', points }] });
    const answer = await hub.send(signedSanitation('10,000 good points', body));
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.text)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });
});
