import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecentlyListedOpenItems } from '#shared/adapters/open-items-store';
import { ticketFacts } from '#shared/domain/entity-facts';
import { supervisionView } from '#shared/domain/supervision';
import { createTestTables } from '../../support/tables.ts';

let db: Awaited<ReturnType<typeof createTestTables>>;
beforeAll(async () => {
  db = await createTestTables();
});
afterAll(async () => db.drop());

const open = (ticketId: string) =>
  ticketFacts(
    ticketId,
    [
      {
        eventId: `${ticketId}-1`,
        ticketId,
        type: 'received',
        occurredAt: '2026-03-02T09:00:00+08:00',
        category: 'noise',
      },
    ],
    'Asia/Shanghai',
  );

describe('RecentlyListedOpenItems on DynamoDB Local', () => {
  it('reads the index once for the listings of a few seconds, and again after them', async () => {
    let now = 0;
    const listing = new RecentlyListedOpenItems(db.documents, db.names.facts, 3_000, () => now);
    const first = open('t1');
    await db.openItems.put(first, supervisionView(first), undefined);
    expect((await listing.list()).map((item) => item.facts.id)).toEqual(['t1']);
    const second = open('t2');
    await db.openItems.put(second, supervisionView(second), undefined);
    now = 2_999;
    // Within the window: the listing kept (the dashboard's pages and counts of one refresh).
    expect((await listing.list()).map((item) => item.facts.id)).toEqual(['t1']);
    // Another kind is another listing.
    expect((await listing.list('ticket')).map((item) => item.facts.id).sort()).toEqual(['t1', 't2']);
    now = 3_000;
    expect((await listing.list()).map((item) => item.facts.id).sort()).toEqual(['t1', 't2']);
  });
});
