import * as z from 'zod';
import type { EventDefinition } from '#shared/events/definition';
import { dateSchema } from '#shared/schemas/common';

/** Stored facts changed for these local days; their indicators must be recomputed. */
export const factsChanged = {
  source: 'cityhub.facts',
  detailType: 'facts.changed',
  version: '1',
  detailSchema: z.object({
    days: z.array(dateSchema).min(1),
    reason: z.string().min(1),
  }),
} as const satisfies EventDefinition;
export type FactsChangedDetail = z.infer<typeof factsChanged.detailSchema>;
