import * as z from 'zod';
import { SUPERVISION_SOURCE } from '#shared/events/alerts';
import type { EventDefinition } from '#shared/events/definition';
import { areaKeySchema } from '#shared/schemas/common';

/**
 * An open ticket or case reached a supervision moment (CONTRACT §10): it turned yellow
 * (`deadline-approaching`) or red (`overdue`). The minute sweep announces each once per item and
 * deadline; the fanout turns it into the `ticket.<notice>` or `case.<notice>` webhook.
 */
export const deadlineNoticed = {
  source: SUPERVISION_SOURCE,
  detailType: 'deadline.noticed',
  version: '1',
  detailSchema: z.object({
    kind: z.enum(['ticket', 'case']),
    id: z.string().min(1),
    /** Event count of the item's facts when it (re)entered the open list: a reopened item counts anew. */
    since: z.number().int().min(0),
    notice: z.enum(['deadline-approaching', 'overdue']),
    /** The deadline the notice is for (RFC 3339). */
    deadline: z.iso.datetime({ offset: true }),
    /** The moment it turned yellow, or the deadline it passed. */
    at: z.iso.datetime({ offset: true }),
    usedShare: z.number().min(0),
    category: z.string().nullable(),
    areas: z.array(areaKeySchema),
  }),
} as const satisfies EventDefinition;
export type DeadlineNoticedDetail = z.infer<typeof deadlineNoticed.detailSchema>;
