import * as z from 'zod';
import type { BusEvent, EventDefinition } from '#shared/events/definition';
import {
  cityPlatformRecordSchema,
  hotlineRecordSchema,
  type Source,
  sanitationRecordSchema,
} from '#shared/schemas/ingest';

const acceptedAt = z.iso.datetime({ offset: true });

/** A hotline ticket event that passed validation and dedupe at ingest. */
export const hotlineRecordAccepted = {
  source: 'cityhub.ingest',
  detailType: 'hotline.record-accepted',
  version: '1',
  detailSchema: z.object({ source: z.literal('hotline'), acceptedAt, record: hotlineRecordSchema }),
} as const satisfies EventDefinition;

/** A city-platform case event that passed validation and dedupe at ingest. */
export const cityPlatformRecordAccepted = {
  source: 'cityhub.ingest',
  detailType: 'city-platform.record-accepted',
  version: '1',
  detailSchema: z.object({
    source: z.literal('city-platform'),
    acceptedAt,
    record: cityPlatformRecordSchema,
  }),
} as const satisfies EventDefinition;

/** A sanitation GPS batch that passed validation and dedupe at ingest. */
export const sanitationRecordAccepted = {
  source: 'cityhub.ingest',
  detailType: 'sanitation.record-accepted',
  version: '1',
  detailSchema: z.object({
    source: z.literal('sanitation'),
    acceptedAt,
    record: sanitationRecordSchema,
    /** Large batches travel in parts of at most 1000 points (EventBridge entries hold 256 KB). */
    part: z.object({ index: z.number().int().min(0), count: z.number().int().min(1) }),
  }),
} as const satisfies EventDefinition;

/** The accepted-record event of each source. */
export const recordAccepted = {
  hotline: hotlineRecordAccepted,
  'city-platform': cityPlatformRecordAccepted,
  sanitation: sanitationRecordAccepted,
} as const satisfies Record<Source, EventDefinition>;

/** Detail of an accepted entity event (ticket or case), as the facts consumer reads it. */
export const entityRecordAcceptedDetailSchema = z.discriminatedUnion('source', [
  hotlineRecordAccepted.detailSchema,
  cityPlatformRecordAccepted.detailSchema,
]);
export type EntityRecordAcceptedDetail = z.infer<typeof entityRecordAcceptedDetailSchema>;

/** Points per bus event: 1000 points stay well under EventBridge's 256 KB entry limit. */
export const POINTS_PER_EVENT = 1000;

/**
 * The bus events announcing one accepted record of `source` (the publisher validates each detail):
 * one event, or for a sanitation batch one event per 1000 points.
 */
export const recordAcceptedEvents = (source: Source, acceptedAt: string, record: unknown): BusEvent[] => {
  if (source !== 'sanitation')
    return [{ definition: recordAccepted[source], detail: { source, acceptedAt, record } }];
  const batch = record as { points: unknown[] };
  const count = Math.max(1, Math.ceil(batch.points.length / POINTS_PER_EVENT));
  return Array.from({ length: count }, (_, index) => ({
    definition: sanitationRecordAccepted,
    detail: {
      source,
      acceptedAt,
      record: {
        ...batch,
        points: batch.points.slice(index * POINTS_PER_EVENT, (index + 1) * POINTS_PER_EVENT),
      },
      part: { index, count },
    },
  }));
};
