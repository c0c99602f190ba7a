import * as z from 'zod';
import type { EventDefinition } from '#shared/events/definition';
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
