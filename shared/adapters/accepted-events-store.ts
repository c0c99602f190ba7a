import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGet, batchPut } from '#shared/adapters/dynamo';
import type { AcceptedEvents } from '#shared/app/ingest';
import type { Source } from '#shared/schemas/ingest';

const dedupeKey = (source: Source, eventId: string) => ({
  pk: `dedupe#${source}#${eventId}`,
  sk: 'accepted',
});

/** The eventIds each source had accepted, one item per event in the facts table (key design: docs/architecture.md). */
export class AcceptedEventsStore implements AcceptedEvents {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Which of these eventIds were accepted before for `source`. */
  async findAccepted(source: Source, eventIds: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(eventIds)];
    const items = await batchGet(
      this.client,
      this.table,
      unique.map((eventId) => dedupeKey(source, eventId)),
      'pk',
      true,
    );
    const prefix = `dedupe#${source}#`;
    return new Set(items.map((item) => String(item.pk).slice(prefix.length)));
  }

  /** Remembers that these eventIds were accepted for `source` (kept for good: dedupe never expires). */
  async markAccepted(source: Source, eventIds: readonly string[], acceptedAt: string): Promise<void> {
    await batchPut(
      this.client,
      this.table,
      eventIds.map((eventId) => ({ ...dedupeKey(source, eventId), acceptedAt })),
    );
  }
}
