import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { BusEvent } from '#shared/events/definition';

/** Puts events on the cityhub bus. */
export interface EventPublisher {
  /** Publishes every event or throws: never returns with an event left unsent. */
  publish(events: readonly BusEvent[]): Promise<void>;
}

/** Thrown when EventBridge keeps refusing entries after every retry. */
export class PublishError extends Error {
  override name = 'PublishError';
}

/** PutEvents accepts at most 10 entries per call. */
export const PUT_EVENTS_BATCH = 10;
const MAX_ROUNDS = 5;

/**
 * Publishes through EventBridge PutEvents: validates every detail against its event's schema, sends
 * at most 10 entries per call, and resends the entries a `FailedEntryCount` reports, with backoff.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly pause: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
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
    for (let start = 0; start < entries.length; start += PUT_EVENTS_BATCH) {
      await this.sendBatch(entries.slice(start, start + PUT_EVENTS_BATCH));
    }
  }

  private async sendBatch(batch: PutEventsRequestEntry[]): Promise<void> {
    let pending = batch;
    let failures: PutEventsResultEntry[] = [];
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      if (round > 0) await this.pause(Math.min(2000, 100 * 2 ** round));
      const answer = await this.client.send(new PutEventsCommand({ Entries: pending }));
      if (!answer.FailedEntryCount) return;
      const results = answer.Entries ?? [];
      failures = results.filter((result) => result.ErrorCode);
      // Results line up with entries; an entry without a result is treated as failed too.
      pending = pending.filter((_, index) => results[index]?.ErrorCode || !results[index]?.EventId);
      if (pending.length === 0) return;
    }
    const codes = [...new Set(failures.map((failure) => `${failure.ErrorCode}: ${failure.ErrorMessage}`))];
    throw new PublishError(
      `EventBridge refused ${pending.length} event(s) after ${MAX_ROUNDS} tries (${codes.join('; ')})`,
    );
  }
}
