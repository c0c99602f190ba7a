import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhooksRepository } from '#shared/adapters/webhooks-repository';
import type { Subscription } from '#shared/domain/webhooks/subscription';
import { createTestTables } from '../../support/tables.ts';

let db: Awaited<ReturnType<typeof createTestTables>>;
let webhooks: WebhooksRepository;
beforeAll(async () => {
  db = await createTestTables();
  webhooks = new WebhooksRepository(db.documents, db.names.facts);
});
afterAll(async () => db.drop());

const subscription: Subscription = {
  id: 'sub_00000000-0000-4000-8000-000000000001',
  url: 'https://example.org/hook',
  events: ['ticket.*'],
  areas: [],
  status: 'active',
  secret: 'whsec_c2VjcmV0',
  createdAt: '2026-03-02T00:00:00.000Z',
};

describe('WebhooksRepository on DynamoDB Local', () => {
  it('gets and deletes a subscription by id', async () => {
    await webhooks.create(subscription);
    expect(await webhooks.get(subscription.id)).toMatchObject({ id: subscription.id, url: subscription.url });
    expect(await webhooks.delete(subscription.id)).toBe(true);
    expect(await webhooks.get(subscription.id)).toBeUndefined();
    expect(await webhooks.delete(subscription.id)).toBe(false);
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
