import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Subscription, WebhooksRepository } from '#shared/adapters/webhooks-repository';
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
});
