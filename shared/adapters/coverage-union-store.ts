import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet, batchPut, isConditionFailed } from '#shared/adapters/dynamo';
import type { CoverageUnion, CoverageUnions } from '#shared/app/sanitation-day';

const pk = (day: string) => `covunion#${day}`;
/** Gzipped bytes per part item: well under DynamoDB's 400 KB. */
const PART_BYTES = 300_000;
/**
 * Parts of a revision are kept this long (TTL): a later revision replaces them within a recompute
 * window, and a day whose union expired is rebuilt from its GPS logs when it is next recomputed.
 */
const KEEP_SECONDS = 3 * 86_400;

interface Stored {
  readonly applied: Record<string, number>;
  readonly cells: [string, number[]][];
}

/**
 * The union of every vehicle's cleaned cells of a day, as the recompute keeps it between runs
 * (`covunion#<day>`): a head (`head`: revision, parts) and the revision's gzipped parts
 * (`r<revision>#<token>#<part>`). A new revision's parts are written before the head points at them, so a
 * reader never sees half of one. Key design: docs/architecture.md.
 */
export class CoverageUnionStore implements CoverageUnions {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async read(day: string): Promise<CoverageUnion | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: pk(day), sk: 'head' }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const revision = Number(Item.revision);
    const parts = Number(Item.parts);
    const keys = Array.from({ length: parts }, (_, part) => ({ pk: pk(day), sk: `${Item.token}#${part}` }));
    const items = await batchGet(this.client, this.table, keys, undefined, true);
    // Parts expired before the head: the next write goes on from this revision.
    if (items.length !== parts) return { revision, incomplete: true, applied: {}, cells: new Map() };
    const bySk = new Map(items.map((item) => [String(item.sk), item]));
    const cells = new Map<string, readonly number[]>();
    let applied: Record<string, number> = {};
    for (const key of keys) {
      const stored = JSON.parse(gunzipSync(bySk.get(key.sk)?.data as Uint8Array).toString('utf8')) as Stored;
      applied = stored.applied;
      for (const [segmentId, ranges] of stored.cells) cells.set(segmentId, ranges);
    }
    return { revision, applied, cells };
  }

  async write(
    day: string,
    union: Omit<CoverageUnion, 'revision'>,
    after: number,
    now: number,
  ): Promise<boolean> {
    const revision = after + 1;
    // Parts are named by a token of this write: a concurrent writer of the same revision never mixes in.
    const token = `r${revision}#${randomUUID().slice(0, 8)}`;
    const expiresAt = Math.floor(now / 1000) + KEEP_SECONDS;
    const entries = [...union.cells];
    const parts: Buffer[] = [];
    const encode = (slice: [string, readonly number[]][]) => {
      const data = gzipSync(JSON.stringify({ applied: union.applied, cells: slice }));
      if (data.length > PART_BYTES && slice.length > 1) {
        const half = Math.ceil(slice.length / 2);
        encode(slice.slice(0, half));
        encode(slice.slice(half));
      } else parts.push(data);
    };
    encode(entries);
    await batchPut(
      this.client,
      this.table,
      parts.map((data, part) => ({ pk: pk(day), sk: `${token}#${part}`, data, expiresAt })),
    );
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: pk(day), sk: 'head', revision, token, parts: parts.length, expiresAt },
          ConditionExpression: 'attribute_not_exists(pk) OR revision = :after',
          ExpressionAttributeValues: { ':after': after },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }
}
