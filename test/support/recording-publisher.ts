import type { EventPublisher } from '#shared/app/ports';
import type { BusEvent } from '#shared/events/definition';

/** Keeps what was published, after validating each detail as the real publisher does. */
export class RecordingPublisher implements EventPublisher {
  readonly published: { detailType: string; detail: unknown }[] = [];
  failNext = false;

  async publish(events: readonly BusEvent[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('EventBridge refused 1 event(s)');
    }
    for (const { definition, detail } of events) {
      this.published.push({
        detailType: definition.detailType,
        detail: definition.detailSchema.parse(detail),
      });
    }
  }

  /**
   * The `indicators.updated` details announced (each area of each packed `indicators.day-updated`),
   * emptying the record like {@link take}.
   */
  takeIndicatorUpdates(): unknown[] {
    return (this.take('indicators.day-updated') as { date: string; items: object[] }[]).flatMap(
      ({ date, items }) => items.map((item) => ({ date, ...item })),
    );
  }

  take(detailType: string): unknown[] {
    const taken = this.published
      .filter((event) => event.detailType === detailType)
      .map((event) => event.detail);
    this.published.splice(0);
    return taken;
  }
}
