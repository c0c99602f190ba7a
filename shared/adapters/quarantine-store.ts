import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchPut } from '#shared/adapters/dynamo';
import type { QuarantineReader } from '#shared/app/admin';
import type { Quarantine } from '#shared/app/ingest';
import type { RecordError, Source } from '#shared/schemas/ingest';

/** A rejected record kept for `GET /quarantine`. */
export interface QuarantinedRecord {
  readonly source: Source;
  readonly arrivedAt: string;
  readonly requestId: string;
  readonly index: number;
  readonly errors: RecordError[];
  /** The record as received, as JSON, cut to 64 KiB. */
  readonly record: string;
  readonly truncated: boolean;
}

/** Quarantined records are kept 30 days (CONTRACT §4). */
export const QUARANTINE_TTL_SECONDS = 30 * 86_400;
const MAX_QUARANTINED_RECORD_CHARS = 65_536;
const epochSeconds = (ms: number) => Math.floor(ms / 1000);

/** Rejected records with their errors, per source, newest first. */
export class QuarantineStore implements Quarantine, QuarantineReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Keeps rejected records with their errors for 30 days. */
  async quarantine(
    source: Source,
    entries: readonly { index: number; record: unknown; errors: RecordError[] }[],
    requestId: string,
    now: number,
  ): Promise<void> {
    const arrivedAt = new Date(now).toISOString();
    await batchPut(
      this.client,
      this.table,
      entries.map(({ index, record, errors }) => {
        const json = JSON.stringify(record) ?? 'undefined';
        const truncated = json.length > MAX_QUARANTINED_RECORD_CHARS;
        return {
          pk: `quarantine#${source}`,
          sk: `${arrivedAt}#${requestId}#${String(index).padStart(4, '0')}`,
          source,
          arrivedAt,
          requestId,
          index,
          errors,
          record: truncated ? json.slice(0, MAX_QUARANTINED_RECORD_CHARS) : json,
          truncated,
          expiresAt: epochSeconds(now) + QUARANTINE_TTL_SECONDS,
        };
      }),
    );
  }

  /** The newest quarantined records of `source`, newest first. */
  async listQuarantine(source: Source, limit: number, now: number): Promise<QuarantinedRecord[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: 'expiresAt > :now',
          ExpressionAttributeValues: { ':pk': `quarantine#${source}`, ':now': epochSeconds(now) },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.slice(0, limit).map((item) => ({
      source: item.source as Source,
      arrivedAt: String(item.arrivedAt),
      requestId: String(item.requestId),
      index: Number(item.index),
      errors: item.errors as RecordError[],
      record: String(item.record),
      truncated: Boolean(item.truncated),
    }));
  }
}
