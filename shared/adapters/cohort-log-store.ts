import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDelete, batchPut, queryAll } from '#shared/adapters/dynamo';
import type { CohortLog } from '#shared/app/ports';
import type { CohortLogCorrections, FactsCorrection } from '#shared/app/reconcile';
import type { EntityKind } from '#shared/domain/entity-events';
import { type EntityFacts, foldFacts, sameFacts } from '#shared/domain/entity-facts';

const partition = (kind: EntityKind, day: string) => `cohortlog#${kind}#${day}`;
/** Gzipped facts per item: well under DynamoDB's 400 KB. */
const MAX_ITEM_BYTES = 300_000;
/** Delta items a read folds before it writes them as one snapshot. */
export const COMPACT_AFTER_DELTAS = 48;

const stamp = (now: number) => `${String(now).padStart(13, '0')}#${randomUUID().slice(0, 8)}`;

/** The facts as gzipped JSON, split so that every part fits an item. */
const encode = (facts: readonly EntityFacts[]): Buffer[] => {
  const data = gzipSync(JSON.stringify(facts));
  if (data.length <= MAX_ITEM_BYTES || facts.length <= 1) return [data];
  const half = Math.ceil(facts.length / 2);
  return [...encode(facts.slice(0, half)), ...encode(facts.slice(half))];
};
const decode = (data: Uint8Array): EntityFacts[] =>
  JSON.parse(gunzipSync(data).toString('utf8')) as EntityFacts[];
/** Every entry of the items read from a log. */
const entriesOf = (items: readonly Record<string, unknown>[]): EntityFacts[] =>
  items.flatMap((item) => decode(item.data as Uint8Array));

/**
 * The cohort log of a (kind, day): every derivation of the facts of every entity that can belong to
 * that day's cohort, appended as gzipped batches (`d#<ms>#<id>`), one item per recompute run and day.
 * A read folds the log (the derivation from the most events wins) and, once it holds many batches,
 * writes the fold as a snapshot (`s#<ms>#<id>#<n>`, sorting after every batch) before deleting what it
 * read, so readers always see each entity's latest derivation. A correction by the reconciliation is
 * such a rewrite with the entries it found wrong replaced. Key design: docs/architecture.md.
 */
export class CohortLogStore implements CohortLog, CohortLogCorrections {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly compactAfter = COMPACT_AFTER_DELTAS,
  ) {}

  async append(kind: EntityKind, day: string, facts: readonly EntityFacts[], now: number): Promise<void> {
    if (facts.length > 0) await this.write(kind, day, `d#${stamp(now)}`, facts);
  }

  async read<Kind extends EntityKind>(
    kind: Kind,
    day: string,
    now: number,
  ): Promise<Extract<EntityFacts, { kind: Kind }>[]> {
    const items = await this.items(kind, day);
    const facts = [...foldFacts(entriesOf(items)).values()] as Extract<EntityFacts, { kind: Kind }>[];
    const deltas = items.filter((item) => String(item.sk).startsWith('d#')).length;
    if (deltas > this.compactAfter) await this.compact(kind, day, facts, items, now);
    return facts;
  }

  /**
   * Makes each correction's `exact` facts the log's latest for its entity. Facts from more events than
   * the entry found win the fold, so they are appended; otherwise (an entry claiming as many events or
   * more) the log is rewritten as the fold of its entries without the ones found, and the exact facts:
   * a derivation written since the reconciliation read the log stays when it is from more events.
   */
  async correct(
    kind: EntityKind,
    day: string,
    corrections: readonly FactsCorrection[],
    now: number,
  ): Promise<void> {
    if (corrections.length === 0) return;
    if (corrections.every(({ found, exact }) => found === undefined || found.n < exact.n)) {
      await this.append(
        kind,
        day,
        corrections.map(({ exact }) => exact),
        now,
      );
      return;
    }
    const items = await this.items(kind, day);
    const wrong = corrections.flatMap(({ found }) => (found ? [found] : []));
    const kept = entriesOf(items).filter((entry) => !wrong.some((found) => sameFacts(entry, found)));
    const folded = foldFacts([...kept, ...corrections.map(({ exact }) => exact)]);
    await this.compact(kind, day, [...folded.values()], items, now);
  }

  /** Every item of the log of (kind, day), read consistently. */
  private items(kind: EntityKind, day: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partition(kind, day) },
      ConsistentRead: true,
    });
  }

  /**
   * Writes the fold as a snapshot, then deletes the items it folded (never an item written since). The
   * snapshot sorts after every snapshot it deletes (its time is past theirs), so a reader paging
   * through the log meanwhile finds either the items deleted or the snapshot that holds them.
   */
  private async compact(
    kind: EntityKind,
    day: string,
    facts: readonly EntityFacts[],
    read: readonly Record<string, unknown>[],
    now: number,
  ): Promise<void> {
    const latest = read
      .map((item) => /^s#(\d{13})#/.exec(String(item.sk))?.[1])
      .reduce((max, ms) => (ms === undefined ? max : Math.max(max, Number(ms))), 0);
    await this.write(kind, day, `s#${stamp(Math.max(now, latest + 1))}`, facts);
    await batchDelete(
      this.client,
      this.table,
      read.map((item) => ({ pk: item.pk, sk: item.sk })),
    );
  }

  /** Writes facts as items `<sk>#<part>` of the log of (kind, day). */
  private async write(
    kind: EntityKind,
    day: string,
    sk: string,
    facts: readonly EntityFacts[],
  ): Promise<void> {
    await batchPut(
      this.client,
      this.table,
      encode(facts).map((data, part) => ({ pk: partition(kind, day), sk: `${sk}#${part}`, data })),
    );
  }
}
