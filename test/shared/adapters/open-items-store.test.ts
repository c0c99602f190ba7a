import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenItemsStore, RecentlyListedOpenItems } from '#shared/adapters/open-items-store';
import type { IndexChange } from '#shared/app/open-items';
import { type EntityFacts, ticketFacts } from '#shared/domain/entity-facts';
import { supervisionView } from '#shared/domain/supervision';
import type { HotlineRecord } from '#shared/schemas/ingest';
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

/** A ticket's facts after its first `count` events: received, dispatched, replied, then closed. */
const derivedFrom = (ticketId: string, count: number): EntityFacts => {
  const types = ['received', 'dispatched', 'replied', 'closed'] as const;
  const events: HotlineRecord[] = types.slice(0, count).map((type, index) => ({
    eventId: `${ticketId}-${index}`,
    ticketId,
    type,
    occurredAt: `2026-03-02T0${index + 1}:00:00+08:00`,
    category: 'noise',
  }));
  return ticketFacts(ticketId, events, 'Asia/Shanghai');
};

describe('OpenItemsStore.apply on DynamoDB Local', () => {
  const raw = async (id: string) => {
    const { Item } = await db.documents.send(
      new GetCommand({
        TableName: db.names.facts,
        Key: { pk: 'openitem#ticket', sk: id },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const { sk: _sk, expiresAt, facts, ...rest } = Item;
    // Entries are compared across twin ids: the id inside the facts and the clock of the expiry differ.
    return { ...rest, expires: expiresAt !== undefined, n: Number(Item.n), facts: facts !== undefined };
  };
  const heldOf = async (id: string) => (await db.openItems.get([{ kind: 'ticket', id }])).get(`ticket#${id}`);

  it('makes a batch of changes as the single writes would, and leaves an entry changed meanwhile to them', async () => {
    const twins = ['fresh', 'moved', 'closing', 'reopened', 'stale', 'raced'];
    // Before: `moved` and `closing` open with a pending notice, `reopened` closed, `stale` and `raced` open.
    for (const prefix of ['a', 'b']) {
      await db.openItems.put(derivedFrom(`${prefix}-moved`, 1), 'v1', 1_000);
      await db.openItems.put(derivedFrom(`${prefix}-closing`, 2), 'v1', 2_000);
      await db.openItems.put(derivedFrom(`${prefix}-reopened`, 1), 'v1', undefined);
      await db.openItems.remove('ticket', `${prefix}-reopened`, 2);
      await db.openItems.put(derivedFrom(`${prefix}-stale`, 1), 'v1', undefined);
      await db.openItems.put(derivedFrom(`${prefix}-raced`, 1), 'v1', undefined);
    }
    const changesFor = async (prefix: string): Promise<IndexChange[]> => [
      { op: 'put', facts: derivedFrom(`${prefix}-fresh`, 1), view: 'v1', due: 5_000, held: undefined },
      {
        op: 'put',
        facts: derivedFrom(`${prefix}-moved`, 2),
        view: 'v2',
        due: undefined,
        held: await heldOf(`${prefix}-moved`),
      },
      {
        op: 'remove',
        kind: 'ticket',
        id: `${prefix}-closing`,
        n: 4,
        held: (await heldOf(`${prefix}-closing`)) ?? { n: 0 },
      },
      {
        op: 'put',
        facts: derivedFrom(`${prefix}-reopened`, 3),
        view: 'v3',
        due: 7_000,
        held: await heldOf(`${prefix}-reopened`),
      },
      {
        op: 'put',
        facts: derivedFrom(`${prefix}-stale`, 2),
        view: 'v2',
        due: 9_000,
        held: await heldOf(`${prefix}-stale`),
      },
      {
        op: 'put',
        facts: derivedFrom(`${prefix}-raced`, 2),
        view: 'v2',
        due: undefined,
        held: await heldOf(`${prefix}-raced`),
      },
    ];
    const batched = await changesFor('a');
    const single = await changesFor('b');
    // After the reads, a derivation from more events reaches `stale`: the change read before must not undo it.
    for (const prefix of ['a', 'b'])
      await db.openItems.put(derivedFrom(`${prefix}-stale`, 3), 'v3', undefined);
    // And a reconciliation closes `raced` from as many events as were read (its count unchanged): the
    // reopening after it starts anew (`since`), as the single write has it.
    for (const prefix of ['a', 'b'])
      await db.openItems.remove('ticket', `${prefix}-raced`, 1, { exact: true });

    const sent: string[] = [];
    const counting = new OpenItemsStore(
      {
        send: (command: object) => {
          sent.push(command.constructor.name);
          return db.documents.send(command as never);
        },
      } as unknown as DynamoDBDocumentClient,
      db.names.facts,
    );
    await counting.apply(batched);
    // One call for the batch; only the entries changed since the read take the single write.
    expect(sent).toEqual(['BatchExecuteStatementCommand', 'UpdateCommand', 'UpdateCommand']);
    for (const change of single) await db.openItems.apply([change]);

    for (const twin of twins) expect(await raw(`a-${twin}`)).toEqual(await raw(`b-${twin}`));
    expect(await raw('a-fresh')).toMatchObject({ n: 1, view: 'v1', since: 1, duePart: 'due', facts: true });
    expect(await raw('a-moved')).toMatchObject({ n: 2, view: 'v2', since: 1 });
    expect(await raw('a-moved')).not.toHaveProperty('due');
    expect(await raw('a-closing')).toEqual({
      pk: 'openitem#ticket',
      gone: true,
      n: 4,
      expires: true,
      facts: false,
    });
    expect(await raw('a-reopened')).toMatchObject({ n: 3, view: 'v3', since: 3, duePart: 'due' });
    expect(await raw('a-reopened')).not.toHaveProperty('gone');
    expect(await raw('a-stale')).toMatchObject({ n: 3, view: 'v3' });
    expect(await raw('a-raced')).toMatchObject({ n: 2, view: 'v2', since: 2 });
    expect((await db.openItems.due(8_000)).map((item) => item.facts.id).sort()).toEqual([
      'a-fresh',
      'a-reopened',
      'b-fresh',
      'b-reopened',
    ]);
  });
});
