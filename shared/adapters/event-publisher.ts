import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import pRetry, { type Options as RetryOptions } from 'p-retry';
import type { EventPublisher } from '#shared/app/ports';
import type { BusEvent } from '#shared/events/definition';

/** Thrown when EventBridge keeps refusing entries after every retry. */
export class PublishError extends Error {
  override name = 'PublishError';
}

/** PutEvents accepts at most 10 entries per call… */
export const PUT_EVENTS_BATCH = 10;
/** …and at most 256 KB per call, counted as EventBridge counts entry sizes. */
export const PUT_EVENTS_BYTES = 256 * 1024;

/** An entry's size as EventBridge counts it: source, detail type, detail, resources (and 14 bytes of time). */
export const entrySize = (entry: PutEventsRequestEntry): number =>
  (entry.Time ? 14 : 0) +
  Buffer.byteLength(entry.Source ?? '') +
  Buffer.byteLength(entry.DetailType ?? '') +
  Buffer.byteLength(entry.Detail ?? '') +
  (entry.Resources ?? []).reduce((sum, resource) => sum + Buffer.byteLength(resource), 0);

/**
 * Rounds of PutEvents for the entries a `FailedEntryCount` reports: 5 tries, waiting 200, 400, 800
 * and 1600 ms between them (doubling, at most 2 s).
 */
export const PUT_EVENTS_RETRY = {
  retries: 4,
  factor: 2,
  minTimeout: 200,
  maxTimeout: 2000,
} as const satisfies RetryOptions;

/**
 * Publishes through EventBridge PutEvents: validates every detail against its event's schema, sends
 * at most 10 entries and 256 KB per call, and resends the entries a `FailedEntryCount` reports, with backoff.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    /** @default {@link PUT_EVENTS_RETRY} */
    private readonly retry: RetryOptions = PUT_EVENTS_RETRY,
  ) {}

  async publish(events: readonly BusEvent[]): Promise<void> {
    const entries = events.map(
      ({ definition, detail }): PutEventsRequestEntry => ({
        EventBusName: this.busName,
        Source: definition.source,
        DetailType: definition.detailType,
        Detail: JSON.stringify(definition.detailSchema.parse(detail)),
      }),
    );
    let batch: PutEventsRequestEntry[] = [];
    let bytes = 0;
    for (const entry of entries) {
      const size = entrySize(entry);
      if (size > PUT_EVENTS_BYTES) {
        throw new PublishError(
          `a ${entry.DetailType} event is ${size} bytes; EventBridge takes at most ${PUT_EVENTS_BYTES}`,
        );
      }
      if (batch.length === PUT_EVENTS_BATCH || bytes + size > PUT_EVENTS_BYTES) {
        await this.sendBatch(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(entry);
      bytes += size;
    }
    if (batch.length > 0) await this.sendBatch(batch);
  }

  private async sendBatch(batch: PutEventsRequestEntry[]): Promise<void> {
    let pending = batch;
    await pRetry(
      async (attempt) => {
        const answer = await this.client.send(new PutEventsCommand({ Entries: pending }));
        if (!answer.FailedEntryCount) return;
        const results = answer.Entries ?? [];
        const failures = results.filter((result) => result.ErrorCode);
        // Results line up with entries; an entry without a result is treated as failed too.
        pending = pending.filter((_, index) => results[index]?.ErrorCode || !results[index]?.EventId);
        if (pending.length === 0) return;
        const codes = [
          ...new Set(failures.map((failure) => `${failure.ErrorCode}: ${failure.ErrorMessage}`)),
        ];
        throw new PublishError(
          `EventBridge refused ${pending.length} event(s) after ${attempt} tries (${codes.join('; ')})`,
        );
      },
      // Only refused entries are sent again; the SDK client retries failed calls itself.
      { ...this.retry, shouldRetry: ({ error }) => error instanceof PublishError },
    );
  }
}
