import * as z from 'zod';
import type { EventDefinition } from '#shared/events/definition';
import { dateSchema, idSchema } from '#shared/schemas/common';

/** The coverage of these vehicle-days must be computed again (the road or vehicle registry changed). */
export const coverageReprocessRequested = {
  source: 'cityhub.reference',
  detailType: 'coverage.reprocess-requested',
  version: '1',
  detailSchema: z.object({
    vehicleDays: z
      .array(z.object({ vehicleId: idSchema, day: dateSchema }))
      .min(1)
      .max(500),
    reason: z.string().min(1),
  }),
} as const satisfies EventDefinition;
