import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDelete, batchPut, queryAll } from '#shared/adapters/dynamo';
import type { CohortLog } from '#shared/app/recompute';
import type { EntityKind } from '#shared/domain/entity-events';
import { type EntityFacts, foldFacts } from '#shared/domain/entity-facts';

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

/**
 * The cohort log of a (kind, day): every derivation of the facts of every entity that can belong to
 * that day's cohort, appended as gzipped batches (`d#<ms>#<id>`), one item per recompute run and day.
 * A read folds the log (the derivation from the most events wins) and, once it holds many batches,
 * writes the fold as a snapshot (`s#<ms>#<id>#<n>`, sorting after every batch) before deleting what it
 * read, so readers always see each entity's latest derivation. Key design: docs/architecture.md.
 */
export class CohortLogStore implements CohortLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly compactAfter = COMPACT_AFTER_DELTAS,
  ) {}

  async append(kind: EntityKind, day: string, facts: readonly EntityFacts[], now: number): Promise<void> {
    if (facts.length === 0) return;
    const sk = `d#${stamp(now)}`;
    await batchPut(
      this.client,
      this.table,
      encode(facts).map((data, part) => ({ pk: partition(kind, day), sk: `${sk}#${part}`, data })),
    );
  }

  async read<Kind extends EntityKind>(
    kind: Kind,
    day: string,
    now: number,
  ): Promise<Extract<EntityFacts, { kind: Kind }>[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partition(kind, day) },
      ConsistentRead: true,
    });
    const folded = foldFacts(items.flatMap((item) => decode(item.data as Uint8Array)));
    const facts = [...folded.values()] as Extract<EntityFacts, { kind: Kind }>[];
    const deltas = items.filter((item) => String(item.sk).startsWith('d#')).length;
    if (deltas > this.compactAfter) await this.compact(kind, day, facts, items, now);
    return facts;
  }

  /** Writes the fold as a snapshot, then deletes the items it folded (never an item written since). */
  private async compact(
    kind: EntityKind,
    day: string,
    facts: readonly EntityFacts[],
    read: readonly Record<string, unknown>[],
    now: number,
  ): Promise<void> {
    const sk = `s#${stamp(now)}`;
    await batchPut(
      this.client,
      this.table,
      encode(facts).map((data, part) => ({ pk: partition(kind, day), sk: `${sk}#${part}`, data })),
    );
    await batchDelete(
      this.client,
      this.table,
      read.map((item) => ({ pk: item.pk, sk: item.sk })),
    );
  }
}
