import { spawnSync } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedriveAnswer } from '#shared/schemas/admin';
import { type HubProcess, sendSigned, startHubProcess, stopHubProcess } from '../support/hub-process.ts';

/**
 * The way back after a dead letter, on a hub run as `npm start` runs it: the facts consumer is made to
 * fail (its sync rules set is unreadable) until a ticket event dead-letters; once the cause is fixed,
 * the event is counted after the source sends it again, or after `cityhub redrive`.
 */
const root = new URL('../..', import.meta.url).pathname;
let hub: HubProcess;
let documents: DynamoDBDocumentClient;
let factsTable: string;

beforeAll(async () => {
  hub = await startHubProcess();
  const { dynamoDb } = hub.state;
  if (!dynamoDb) throw new Error('the hub wrote no DynamoDB endpoint in its state file');
  // DynamoDB Local takes any region and credentials.
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamoDb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  factsTable = dynamoDb.tables.facts;
}, 120_000);
afterAll(() => stopHubProcess(hub), 30_000);

/** Makes every facts batch fail: the sync rules the consumer loads first no longer parse. */
const breakFacts = async () => {
  await documents.send(
    new PutCommand({
      TableName: factsTable,
      Item: { pk: 'reference#sync', sk: 'broken#0', data: '{"ticketCategoriesToCityPlatform": [' },
    }),
  );
  await documents.send(
    new PutCommand({
      TableName: factsTable,
      Item: { pk: 'reference#sync', sk: 'head', version: 'broken', chunks: 1 },
    }),
  );
};

/** The cause fixed: no sync rules set at all (the default, none). */
const fixFacts = async () => {
  for (const sk of ['head', 'broken#0'])
    await documents.send(new DeleteCommand({ TableName: factsTable, Key: { pk: 'reference#sync', sk } }));
};

const ticket = (n: number, day: string) => ({
  eventId: `redrive-${n}`,
  ticketId: `redrive-t${n}`,
  type: 'received',
  occurredAt: `${day}T09:00:00+08:00`,
  category: 'noise',
});

const send = (records: unknown[]) => sendSigned(hub.state, '/ingest/hotline', JSON.stringify({ records }));

const admin = async (path: string, body: unknown) => {
  const response = await fetch(`${hub.state.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.state.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as RedriveAnswer };
};

const waitFor = async <T>(what: string, read: () => Promise<T>, done: (value: T) => boolean) => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

const factsDeadLetters = async () => {
  const { body } = await admin('/admin/redrive', { queue: 'facts', dryRun: true });
  return body.queues[0];
};

/** `ticketsReceived` of the city on `day`, or undefined while the day has no indicators. */
const ticketsReceived = async (day: string): Promise<number | undefined> => {
  const response = await fetch(`${hub.state.url}/indicators?date=${day}&area=city`, {
    headers: { authorization: `Bearer ${hub.state.analystToken}` },
  });
  const { items } = (await response.json()) as { items: { indicators: Record<string, number> }[] };
  return items[0]?.indicators.ticketsReceived;
};

/** Lets the consumers settle, so that a count that should not move has had the time to. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['infra/cli/cityhub.js', ...args, '--state-file', hub.stateFile], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('after a dead letter', () => {
  it('counts a dead-lettered ticket event once the source sends it again, and once only', async () => {
    await breakFacts();
    expect((await send([ticket(1, '2026-04-10')])).body).toMatchObject({ accepted: 1, duplicates: 0 });
    const dead = await waitFor(
      'facts dead letters',
      factsDeadLetters,
      (queue) => (queue?.deadLetters ?? 0) >= 1,
    );
    expect(dead?.sample[0]).toEqual({
      messageId: expect.any(String),
      detailType: 'hotline.record-accepted',
      error: expect.stringContaining('JSON'),
    });
    await fixFacts();
    await settle();
    expect(await ticketsReceived('2026-04-10')).toBeUndefined();

    // The source sends it again (a new webhook-id): a duplicate, announced again to the facts consumer.
    expect((await send([ticket(1, '2026-04-10')])).body).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(
      await waitFor(
        'the resent ticket counted',
        () => ticketsReceived('2026-04-10'),
        (n) => n === 1,
      ),
    ).toBe(1);
    expect((await send([ticket(1, '2026-04-10')])).body).toMatchObject({ accepted: 0, duplicates: 1 });
    await settle();
    expect(await ticketsReceived('2026-04-10')).toBe(1);
  }, 120_000);

  it('moves dead letters back with cityhub redrive (dry run first) and counts them once', async () => {
    await breakFacts();
    expect((await send([ticket(2, '2026-04-11')])).body).toMatchObject({ accepted: 1 });
    // The earlier test's dead letter is still there: two now.
    await waitFor('facts dead letters', factsDeadLetters, (queue) => (queue?.deadLetters ?? 0) >= 2);
    await fixFacts();

    const dry = cli('redrive', '--queue', 'facts', '--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^facts: 2 dead letters$/m);
    expect(dry.stdout).toMatch(/^ {2}\S+ {2}hotline\.record-accepted {2}.*JSON/m);
    expect(dry.stdout).toMatch(/^nothing moved \(dry run\); 2 dead letters in all$/m);
    expect((await factsDeadLetters())?.deadLetters).toBe(2);

    const moved = cli('redrive');
    expect(moved.status).toBe(0);
    expect(moved.stdout).toMatch(/^facts: 2 moved back \(move task local-facts-\S+\)$/m);
    expect(moved.stdout).toMatch(/^recompute: 0 moved back$/m);
    expect(moved.stdout).toMatch(/^2 moved back in all$/m);
    expect(
      await waitFor(
        'the redriven ticket counted',
        () => ticketsReceived('2026-04-11'),
        (n) => n === 1,
      ),
    ).toBe(1);
    await settle();
    // The first ticket's event was taken before: taking it again changes nothing.
    expect(await ticketsReceived('2026-04-10')).toBe(1);
    expect((await factsDeadLetters())?.deadLetters).toBe(0);
    expect((await admin('/admin/redrive', { dryRun: false })).body.moved).toBe(0);
  }, 120_000);

  it('refuses a body that names no declared queue or misspells dryRun', async () => {
    expect((await admin('/admin/redrive', { queue: 'parking' })).status).toBe(400);
    const misspelt = await admin('/admin/redrive', { dryrun: true });
    expect(misspelt.status).toBe(400);
    expect(JSON.stringify(misspelt.body)).toContain('dryrun');
  });
});
