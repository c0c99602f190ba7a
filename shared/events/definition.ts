import type * as z from 'zod';

/**
 * An event type carried on the cityhub bus: where it comes from (`source`), what it is (`detailType`),
 * the version of its detail shape, and the schema every publisher validates against before sending.
 */
export interface EventDefinition<Schema extends z.ZodType = z.ZodType> {
  readonly source: string;
  readonly detailType: string;
  readonly version: string;
  readonly detailSchema: Schema;
}

/** One event ready for the bus: its definition and a detail that satisfies the definition's schema. */
export interface BusEvent<Schema extends z.ZodType = z.ZodType> {
  readonly definition: EventDefinition<Schema>;
  readonly detail: z.input<Schema>;
}

/** Pairs a definition with a detail, checking the detail's type at compile time. */
export const busEvent = <Schema extends z.ZodType>(
  definition: EventDefinition<Schema>,
  detail: z.input<Schema>,
): BusEvent<Schema> => ({ definition, detail });

/** An event as EventBridge delivers it to rule targets. */
export interface DeliveredEvent {
  readonly version: string;
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}
