import { z } from 'zod';
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
  detailSchema: z.object({ source: z.literal('sanitation'), acceptedAt, record: sanitationRecordSchema }),
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

/** The bus event announcing one accepted record of `source` (the publisher validates the detail). */
export const recordAcceptedEvent = (source: Source, acceptedAt: string, record: unknown): BusEvent => ({
  definition: recordAccepted[source],
  detail: { source, acceptedAt, record },
});
