import * as z from 'zod';
import { type BusEvent, busEvent, type EventDefinition } from '#shared/events/definition';
import { areaKeySchema, dateSchema } from '#shared/schemas/common';

/** The published indicators of one (day, area) changed: a new revision was written. */
export const indicatorsUpdated = {
  source: 'cityhub.indicators',
  detailType: 'indicators.updated',
  version: '1',
  detailSchema: z.object({
    date: dateSchema,
    area: areaKeySchema,
    revision: z.number().int().min(1),
    computedAt: z.iso.datetime({ offset: true }),
    indicators: z.record(z.string(), z.number().nullable()),
  }),
} as const satisfies EventDefinition;
export type IndicatorsUpdatedDetail = z.infer<typeof indicatorsUpdated.detailSchema>;

/**
 * The published indicators of some areas of one day changed: one event per recompute run and day (or
 * per 60 KB of items), where one event per area would cost a bus entry and a queue message each. The
 * fanout turns each item into its own `indicators.updated` webhook, as for {@link indicatorsUpdated}
 * (still read: events published before, or replayed from the archive).
 */
export const indicatorsDayUpdated = {
  source: 'cityhub.indicators',
  detailType: 'indicators.day-updated',
  version: '1',
  detailSchema: z.object({
    date: dateSchema,
    items: z.array(indicatorsUpdated.detailSchema.omit({ date: true })).min(1),
  }),
} as const satisfies EventDefinition;

/** Bytes of items' JSON one event carries at most: with its envelope it stays within one 64 KB chunk. */
const PACKED_BYTES = 60_000;

/** The bus events announcing new revisions of a day's areas, packed by {@link PACKED_BYTES}. */
export const indicatorsUpdatedEvents = (
  date: string,
  items: readonly Omit<IndicatorsUpdatedDetail, 'date'>[],
): BusEvent[] => {
  const events: BusEvent[] = [];
  let packed: Omit<IndicatorsUpdatedDetail, 'date'>[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (packed.length > 0 && bytes + size > PACKED_BYTES) {
      events.push(busEvent(indicatorsDayUpdated, { date, items: packed }));
      packed = [];
      bytes = 0;
    }
    packed.push(item);
    bytes += size;
  }
  if (packed.length > 0) events.push(busEvent(indicatorsDayUpdated, { date, items: packed }));
  return events;
};
