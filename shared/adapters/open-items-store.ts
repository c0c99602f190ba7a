import { type DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import {
  batchGet,
  CONDITION_FAILED,
  DUPLICATE_ITEM,
  executeStatements,
  isConditionFailed,
  queryAll,
} from '#shared/adapters/dynamo';
import {
  type HeldItem,
  type IndexChange,
  type IndexedItem,
  itemKey,
  type OpenItemsIndex,
} from '#shared/app/open-items';
import type { EntityKind } from '#shared/domain/entity-events';
import type { EntityFacts } from '#shared/domain/entity-facts';
import type { NoticeMarks } from '#shared/domain/supervision';
import { tables } from '#shared/topology';

/** The due-time index of the facts table: open items by when their next notice is due. */
const BY_DUE = tables.facts.globalIndexes[0];
/** The one partition of that index: every item with a pending notice (a few writes a second at most). */
const DUE_PARTITION = 'due';
/** Due times as sortable strings: epoch ms, zero-padded. */
const dueKey = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0');
const partition = (kind: EntityKind) => `openitem#${kind}`;
/**
 * How long a closed item's event count stays (as `gone`): longer than a `facts.changed` message can
 * take to come back (retries and a redrive of the recompute queue's dead letters within the days
 * its alarm gives), so a late copy of an older derivation finds it.
 */
const GONE_KEPT_S = 4 * 86_400;
/** A batched change refused because its entry changed since it was read (or appeared): the single write decides. */
const CHANGED_MEANWHILE: ReadonlySet<string> = new Set([...DUPLICATE_ITEM, ...CONDITION_FAILED]);
/** Single writes in flight at once. */
const WRITE_CONCURRENCY = 8;
/** What a closed item drops. */
const DROPPED_ON_CLOSE = ['facts', 'view', 'since', 'approachingFor', 'overdueFor', 'duePart', 'due'];

const fromItem = (item: Record<string, unknown>): IndexedItem => ({
  facts: JSON.parse(String(item.facts)) as EntityFacts,
  view: String(item.view),
  marks: {
    approachingFor: item.approachingFor === undefined ? undefined : Number(item.approachingFor),
    overdueFor: item.overdueFor === undefined ? undefined : Number(item.overdueFor),
  },
  due: item.due === undefined ? undefined : Number(item.due),
  since: Number(item.since),
});

/** `SET` of a due time (and its index partition), or `REMOVE` of both when none is pending. */
const dueUpdate = (due: number | undefined) =>
  due === undefined
    ? { remove: ['duePart', 'due'], set: [] as string[], values: {} }
    : {
        remove: [] as string[],
        set: ['duePart = :duePart', 'due = :due'],
        values: { ':duePart': DUE_PARTITION, ':due': dueKey(due) },
      };

/** When a closed item's marker expires (epoch seconds). */
const goneExpiresAt = () => Math.floor(Date.now() / 1000) + GONE_KEPT_S;

/** PartiQL's REMOVE clauses of these attributes. */
const removing = (names: readonly string[]) => names.map((name) => `REMOVE "${name}"`).join(' ');

/**
 * The open-items index in the facts table: one item per open ticket or case (`openitem#<kind>`, its
 * id) holding its facts as JSON, the view they were written for, the deadlines its notices were
 * given for, and when its next notice is due; the sparse `byDue` index lists the items with a
 * pending notice by that time, so the minute sweep reads only what is due. A closed item keeps only
 * the event count that closed it (`gone`) for a few days.
 */
export class OpenItemsStore implements OpenItemsIndex {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(keys: readonly { kind: EntityKind; id: string }[]): Promise<Map<string, HeldItem>> {
    const items = await batchGet(
      this.client,
      this.table,
      keys.map(({ kind, id }) => ({ pk: partition(kind), sk: id })),
    );
    return new Map(
      items.map((item): [string, HeldItem] => {
        const key = itemKey(String(item.pk).slice('openitem#'.length) as EntityKind, String(item.sk));
        return [key, item.gone ? { n: Number(item.n) } : { n: Number(item.n), item: fromItem(item) }];
      }),
    );
  }

  async put(
    facts: EntityFacts,
    view: string,
    due: number | undefined,
    options: { readonly exact?: boolean } = {},
  ): Promise<void> {
    const update = dueUpdate(due);
    await this.conditional({
      TableName: this.table,
      Key: { pk: partition(facts.kind), sk: facts.id },
      UpdateExpression:
        `SET ${['facts = :facts', '#n = :n', '#view = :view', 'since = if_not_exists(since, :n)', ...update.set].join(', ')}` +
        ` REMOVE ${['gone', 'expiresAt', ...update.remove].join(', ')}`,
      // A derivation from more events (or as many: the same one, unless this one is exact) is never
      // replaced by this one.
      ConditionExpression: `attribute_not_exists(pk) OR #n ${options.exact ? '<=' : '<'} :n`,
      ExpressionAttributeNames: { '#n': 'n', '#view': 'view' },
      ExpressionAttributeValues: {
        ':facts': JSON.stringify(facts),
        ':n': facts.n,
        ':view': view,
        ...update.values,
      },
    });
  }

  async remove(
    kind: EntityKind,
    id: string,
    n: number,
    options: { readonly exact?: boolean } = {},
  ): Promise<void> {
    await this.conditional({
      TableName: this.table,
      Key: { pk: partition(kind), sk: id },
      UpdateExpression:
        'SET gone = :gone, #n = :n, expiresAt = :expiresAt ' +
        `REMOVE ${DROPPED_ON_CLOSE.map((name) => (name === 'view' ? '#view' : name)).join(', ')}`,
      ConditionExpression: `attribute_exists(pk) AND #n ${options.exact ? '<=' : '<'} :n`,
      ExpressionAttributeNames: { '#n': 'n', '#view': 'view' },
      ExpressionAttributeValues: {
        ':gone': true,
        ':n': n,
        ':expiresAt': goneExpiresAt(),
      },
    });
  }

  /**
   * One change alone is its single conditional write. Several go as PartiQL statements, 25 to a call:
   * an entity `get` found nothing of is INSERTed (refused if it appeared meanwhile); an entry is
   * UPDATEd on condition that its event count is still the one `get` found and it is still open (or
   * closed) as it was, so the entry changes only from what the change was computed from. A refused
   * statement falls back to the single write.
   */
  async apply(changes: readonly IndexChange[]): Promise<void> {
    const [only] = changes;
    if (changes.length <= 1) {
      if (only) await this.single(only);
      return;
    }
    const refused = await executeStatements(
      this.client,
      changes.map((change) => this.statementOf(change)),
      CHANGED_MEANWHILE,
    );
    await pMap(
      changes.filter((_, index) => refused[index]),
      (change) => this.single(change),
      { concurrency: WRITE_CONCURRENCY },
    );
  }

  private single(change: IndexChange): Promise<void> {
    return change.op === 'put'
      ? this.put(change.facts, change.view, change.due)
      : this.remove(change.kind, change.id, change.n);
  }

  private statementOf(change: IndexChange): { Statement: string; Parameters: unknown[] } {
    const table = `"${this.table}"`;
    // As `get` found it: the same event count, and open or closed as it was (a reconciliation's exact
    // write may open or close an entry without changing its count).
    const where = (held: HeldItem) =>
      `WHERE pk = ? AND sk = ? AND "n" = ? AND ${held.item ? 'attribute_not_exists("gone")' : 'attribute_exists("gone")'}`;
    if (change.op === 'remove')
      return {
        Statement: `UPDATE ${table} SET "gone" = ? SET "n" = ? SET "expiresAt" = ? ${removing(DROPPED_ON_CLOSE)} ${where(change.held)}`,
        Parameters: [true, change.n, goneExpiresAt(), partition(change.kind), change.id, change.held.n],
      };
    const { facts, view, due, held } = change;
    const values: [string, unknown][] = [
      ['facts', JSON.stringify(facts)],
      ['n', facts.n],
      ['view', view],
      // As the single write's `if_not_exists`: an open entry keeps when it entered.
      ['since', held?.item ? held.item.since : facts.n],
      ...(due === undefined
        ? []
        : ([
            ['duePart', DUE_PARTITION],
            ['due', dueKey(due)],
          ] as [string, unknown][])),
    ];
    if (!held)
      return {
        Statement: `INSERT INTO ${table} VALUE {'pk': ?, 'sk': ?, ${values.map(([name]) => `'${name}': ?`).join(', ')}}`,
        Parameters: [partition(facts.kind), facts.id, ...values.map(([, value]) => value)],
      };
    const dropped = ['gone', 'expiresAt', ...dueUpdate(due).remove];
    return {
      Statement: `UPDATE ${table} ${values.map(([name]) => `SET "${name}" = ?`).join(' ')} ${removing(dropped)} ${where(held)}`,
      Parameters: [...values.map(([, value]) => value), partition(facts.kind), facts.id, held.n],
    };
  }

  async list(kind?: EntityKind): Promise<IndexedItem[]> {
    const kinds: EntityKind[] = kind ? [kind] : ['ticket', 'case'];
    const pages = await Promise.all(
      kinds.map((each) =>
        queryAll(this.client, {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          // Closed items' counts are read (and paid for) too, but never returned.
          FilterExpression: 'attribute_not_exists(gone)',
          ExpressionAttributeValues: { ':pk': partition(each) },
        }),
      ),
    );
    return pages.flat().map(fromItem);
  }

  async due(now: number): Promise<IndexedItem[]> {
    const keys = await queryAll(this.client, {
      TableName: this.table,
      IndexName: BY_DUE.indexName,
      KeyConditionExpression: 'duePart = :duePart AND due <= :now',
      ExpressionAttributeValues: { ':duePart': DUE_PARTITION, ':now': dueKey(now) },
    });
    // The index is eventually consistent: the items themselves are read consistently, and one whose
    // due time moved past `now` meanwhile is left for its time.
    const items = await batchGet(
      this.client,
      this.table,
      keys.map(({ pk, sk }) => ({ pk, sk })),
      undefined,
      true,
    );
    return items
      .filter((item) => !item.gone)
      .map(fromItem)
      .filter((item) => item.due !== undefined && item.due <= now);
  }

  async mark(
    kind: EntityKind,
    id: string,
    view: string,
    marks: NoticeMarks,
    due: number | undefined,
  ): Promise<void> {
    const update = dueUpdate(due);
    const set = [...update.set];
    const remove = [...update.remove];
    const values: Record<string, unknown> = { ...update.values, ':view': view };
    for (const [name, deadline] of Object.entries(marks)) {
      if (deadline === undefined) remove.push(name);
      else {
        set.push(`${name} = :${name}`);
        values[`:${name}`] = deadline;
      }
    }
    await this.conditional({
      TableName: this.table,
      Key: { pk: partition(kind), sk: id },
      UpdateExpression:
        (set.length > 0 ? `SET ${set.join(', ')}` : '') +
        (remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''),
      // An item closed meanwhile stays gone; one whose view changed meanwhile was given its due time
      // by that write (from the marks then held: a notice given now may be given again, same id).
      ConditionExpression: 'attribute_exists(pk) AND #view = :view',
      ExpressionAttributeNames: { '#view': 'view' },
      ExpressionAttributeValues: values,
    });
  }

  private async conditional(input: UpdateCommandInput): Promise<void> {
    try {
      await this.client.send(new UpdateCommand(input));
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }
}

/**
 * The index as the analysts' routes read it: a listing is kept for `keepMs`, so the requests of one
 * dashboard refresh (its red and yellow pages and the counts) and the pages of one listing read the
 * whole index once, not once each. Lights are still computed at each request's moment.
 */
export class RecentlyListedOpenItems extends OpenItemsStore {
  private readonly listings = new Map<string, { at: number; items: Promise<IndexedItem[]> }>();

  constructor(
    client: DynamoDBDocumentClient,
    table: string,
    private readonly keepMs: number,
    private readonly now: () => number = Date.now,
  ) {
    super(client, table);
  }

  override list(kind?: EntityKind): Promise<IndexedItem[]> {
    const key = kind ?? 'all';
    const kept = this.listings.get(key);
    if (kept && this.now() - kept.at < this.keepMs) return kept.items;
    const items = super.list(kind);
    this.listings.set(key, { at: this.now(), items });
    // A failed read is not kept.
    items.catch(() => this.listings.delete(key));
    return items;
  }
}
