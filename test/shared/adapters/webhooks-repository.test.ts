import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '#shared/adapters/table-definitions';
import { WebhookSecretsStore } from '#shared/adapters/webhook-secrets-store';
import { WebhooksRepository } from '#shared/adapters/webhooks-repository';
import type { Subscription } from '#shared/domain/webhooks/subscription';
import { tables } from '#shared/topology';
import { createTestTables } from '../../support/tables.ts';

let db: Awaited<ReturnType<typeof createTestTables>>;
let webhooks: WebhooksRepository;
let secrets: WebhookSecretsStore;
let admin: DynamoDBClient;
const secretsTable = `test-secrets-${Date.now().toString(36)}`;
beforeAll(async () => {
  db = await createTestTables();
  webhooks = new WebhooksRepository(db.documents, db.names.facts);
  admin = new DynamoDBClient({ endpoint: db.endpoint });
  await ensureTable(admin, tables.secrets, secretsTable);
  secrets = new WebhookSecretsStore(db.documents, secretsTable);
});
afterAll(async () => {
  await admin.send(new DeleteTableCommand({ TableName: secretsTable }));
  admin.destroy();
  await db.drop();
});

const subscription: Subscription = {
  id: 'sub_00000000-0000-4000-8000-000000000001',
  url: 'https://example.org/hook',
  events: ['ticket.*'],
  areas: [],
  status: 'active',
  createdAt: '2026-03-02T00:00:00.000Z',
};

/** The subscription's item as stored in the facts table. */
const itemOf = async (id: string) =>
  (
    await db.documents.send(
      new GetCommand({
        TableName: db.names.facts,
        Key: { pk: 'subscription', sk: id },
        ConsistentRead: true,
      }),
    )
  ).Item;

describe('WebhooksRepository on DynamoDB Local', () => {
  it('gets and deletes a subscription by id', async () => {
    await webhooks.create(subscription);
    expect(await webhooks.get(subscription.id)).toMatchObject({ id: subscription.id, url: subscription.url });
    expect(await webhooks.delete(subscription.id)).toBe(true);
    expect(await webhooks.get(subscription.id)).toBeUndefined();
    expect(await webhooks.delete(subscription.id)).toBe(false);
  });

  it('records a run of failures once, keeps its start, and ends it', async () => {
    const id = 'sub_00000000-0000-4000-8000-000000000002';
    await webhooks.create({ ...subscription, id });
    await webhooks.markFailing(id, '2026-03-02T01:00:00.000Z');
    await webhooks.markFailing(id, '2026-03-02T02:00:00.000Z');
    expect(await webhooks.get(id)).toMatchObject({ failingSince: '2026-03-02T01:00:00.000Z' });
    await webhooks.markHealthy(id);
    expect((await webhooks.get(id))?.failingSince).toBeUndefined();
    await webhooks.markHealthy(id);
    // Neither writes a subscription that is gone.
    await webhooks.delete(id);
    await webhooks.markFailing(id, '2026-03-02T03:00:00.000Z');
    await webhooks.markHealthy(id);
    expect(await itemOf(id)).toBeUndefined();
  });

  it('disables an active subscription once, and says whether this call did', async () => {
    const id = 'sub_00000000-0000-4000-8000-000000000003';
    await webhooks.create({ ...subscription, id, failingSince: '2026-03-02T01:00:00.000Z' });
    expect(await webhooks.disable(id, 'every delivery attempt failed …')).toBe(true);
    expect(await webhooks.disable(id, 'the endpoint answered 410 Gone')).toBe(false);
    expect(await webhooks.get(id)).toMatchObject({
      status: 'disabled',
      disabledReason: 'every delivery attempt failed …',
      failingSince: '2026-03-02T01:00:00.000Z',
    });
    expect(await webhooks.disable('sub_none', 'x')).toBe(false);
    expect(await itemOf('sub_none')).toBeUndefined();
  });

  it('reads the secret a subscription stored before still holds, and drops it on replace', async () => {
    const id = 'sub_00000000-0000-4000-8000-000000000004';
    await db.documents.send(
      new PutCommand({
        TableName: db.names.facts,
        Item: { pk: 'subscription', sk: id, ...subscription, id, secret: 'whsec_bGVnYWN5' },
      }),
    );
    expect(await webhooks.get(id)).toEqual({ ...subscription, id, legacySecret: 'whsec_bGVnYWN5' });
    expect((await webhooks.list()).find((listed) => listed.id === id)).toEqual({ ...subscription, id });
    expect(await webhooks.replace({ ...subscription, id, description: 'moved' })).toBe(true);
    expect(await itemOf(id)).not.toHaveProperty('secret');
    expect(await webhooks.get(id)).toEqual({ ...subscription, id, description: 'moved' });
  });

  it('never writes a secret into the facts table', async () => {
    const id = 'sub_00000000-0000-4000-8000-000000000005';
    await webhooks.create({ ...subscription, id, legacySecret: 'whsec_x' } as Subscription);
    expect(Object.keys((await itemOf(id)) ?? {}).sort()).toEqual(
      ['areas', 'createdAt', 'events', 'id', 'pk', 'sk', 'status', 'url'].sort(),
    );
  });

  // DynamoDB answers a ValidationException for such keys; an id taken from a request path must not make a 500.
  it.each([
    ['empty', ''],
    ['longer than a sort key may be', 'a'.repeat(1025)],
    ['over 1024 bytes in UTF-8', '漢'.repeat(342)],
  ])('finds no subscription for an id that is %s', async (_, id) => {
    expect(await webhooks.get(id)).toBeUndefined();
    expect(await webhooks.delete(id)).toBe(false);
  });

  /** The event-store items of one hourly partition. */
  const storedItems = async (hour: string) =>
    (
      await db.documents.send(
        new QueryCommand({
          TableName: db.names.facts,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `webhookevents#${hour}` },
        }),
      )
    ).Items ?? [];

  it('keeps the events of a fan-out for replays, in items of a bounded size, and replays each event once', async () => {
    const event = (n: number) => ({
      id: `ticket.received:e${n}`,
      type: 'ticket.received',
      timestamp: '2026-03-02T01:00:00.000Z',
      // About 1 KB each: 300 of them span two stored items.
      data: { ticketId: `t${n}`, note: 'x'.repeat(1000) },
    });
    const first = Array.from({ length: 300 }, (_, n) => event(n));
    await webhooks.storeEvents(first, '2026-03-02T01:10:00.000Z');
    // A retried fan-out stores some of the same events again; another hour holds one more.
    await webhooks.storeEvents(first.slice(0, 3), '2026-03-02T01:20:00.000Z');
    await webhooks.storeEvents([event(300)], '2026-03-02T02:05:00.000Z');
    expect(await storedItems('2026-03-02T01')).toHaveLength(3);
    const ids = (events: { id: string }[]) => events.map((stored) => stored.id);
    expect(ids(await webhooks.eventsBetween('2026-03-02T01:00:00.000Z', '2026-03-02T03:00:00.000Z'))).toEqual(
      ids([...first, event(300)]),
    );
    expect(ids(await webhooks.eventsBetween('2026-03-02T01:15:00.000Z', '2026-03-02T02:00:00.000Z'))).toEqual(
      ids(first.slice(0, 3)),
    );
    expect(await webhooks.eventsBetween('2026-03-02T02:06:00.000Z', '2026-03-02T03:00:00.000Z')).toEqual([]);
  });

  it('bounds a stored item by the bytes of its JSON, not its characters', async () => {
    // 100 events of 1,000 CJK characters: 100,000 characters, but about 300 KB of UTF-8.
    const events = Array.from({ length: 100 }, (_, n) => ({
      id: `ticket.received:cjk${n}`,
      type: 'ticket.received',
      timestamp: '2026-03-03T01:00:00.000Z',
      data: { ticketId: `t${n}`, note: '漢'.repeat(1000) },
    }));
    await webhooks.storeEvents(events, '2026-03-03T01:10:00.000Z');
    expect(await storedItems('2026-03-03T01')).toHaveLength(2);
    const replayed = await webhooks.eventsBetween('2026-03-03T01:00:00.000Z', '2026-03-03T02:00:00.000Z');
    expect(replayed.map((event) => event.id)).toEqual(events.map((event) => event.id));
  });

  it('replays events stored one per item, as earlier versions kept them', async () => {
    const event = {
      id: 'case.closed:old1',
      type: 'case.closed',
      timestamp: '2026-03-04T01:00:00.000Z',
      data: { caseId: 'c1' },
    };
    await db.documents.send(
      new PutCommand({
        TableName: db.names.facts,
        Item: {
          pk: 'webhookevents#2026-03-04T01',
          sk: `2026-03-04T01#${event.id}`,
          sentAt: '2026-03-04T01:05:00.000Z',
          event,
          expiresAt: 1_900_000_000,
        },
      }),
    );
    await webhooks.storeEvents([{ ...event, id: 'case.closed:new1' }], '2026-03-04T01:06:00.000Z');
    const replayed = await webhooks.eventsBetween('2026-03-04T01:00:00.000Z', '2026-03-04T02:00:00.000Z');
    expect(replayed).toEqual([event, { ...event, id: 'case.closed:new1' }]);
  });
});

describe('WebhookSecretsStore on DynamoDB Local', () => {
  const id = 'sub_00000000-0000-4000-8000-0000000000a1';

  it("stores a new subscription's secret once, and rotates it only from the secret it read", async () => {
    expect(await secrets.get(id)).toBeUndefined();
    expect(await secrets.put(id, { current: 'whsec_a' }, undefined)).toBe(true);
    expect(await secrets.put(id, { current: 'whsec_other' }, undefined)).toBe(false);
    const rotated = { current: 'whsec_b', previous: 'whsec_a', previousUntil: '2026-03-03T00:00:00.000Z' };
    // A rotation that read a secret no longer current loses to the write that replaced it.
    expect(await secrets.put(id, { current: 'whsec_c', previous: 'whsec_x' }, 'whsec_x')).toBe(false);
    expect(await secrets.put(id, rotated, 'whsec_a')).toBe(true);
    expect(await secrets.get(id)).toEqual(rotated);
    await secrets.delete(id);
    expect(await secrets.get(id)).toBeUndefined();
  });
});
