import * as z from 'zod';
import type { EventDefinition } from '#shared/events/definition';
import { dateSchema, locationSchema } from '#shared/schemas/common';

const instant = z.number().finite();
const placementSchema = z.object({
  district: z.string().optional(),
  street: z.string().optional(),
  location: locationSchema.optional(),
});
const factsBase = {
  id: z.string().min(1),
  n: z.number().int().min(1),
  days: z.array(dateSchema).readonly(),
  codes: z
    .array(z.object({ district: z.string().optional(), street: z.string().optional(), count: z.number() }))
    .readonly(),
};

/**
 * `ends` (shared/domain/entity-facts.ts): the status at the end of each event day where it changed;
 * an open entry is empty when its deadline comes from what the final state says.
 */
const endsSchema = <Open extends z.ZodType>(open: Open) =>
  z
    .array(z.object({ day: dateSchema, open: open.optional() }))
    .readonly()
    .optional();

/** A ticket's or case's facts as `EntityFacts` (shared/domain/entity-facts.ts) travel on the bus. */
export const entityFactsSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('ticket'),
    ...factsBase,
    ends: endsSchema(z.object({ deadline: instant.optional() })),
    state: z.object({
      ticketId: z.string(),
      receivedAt: instant.optional(),
      cohortDay: dateSchema.optional(),
      closed: z.boolean(),
      closedAt: instant.optional(),
      deadline: instant.optional(),
      calledBack: z.boolean(),
      satisfaction: z.enum(['satisfied', 'neutral', 'dissatisfied']).optional(),
      category: z.string().optional(),
      placement: placementSchema,
    }),
  }),
  z.object({
    kind: z.literal('case'),
    ...factsBase,
    ends: endsSchema(
      z.object({
        filedAt: instant.optional(),
        deadlineAt: instant.optional(),
        urgent: z.boolean().optional(),
      }),
    ),
    state: z.object({
      caseId: z.string(),
      cohortDay: dateSchema.optional(),
      filedAt: instant.optional(),
      dispatched: z.boolean(),
      cancelled: z.boolean(),
      suspended: z.boolean(),
      due: z.boolean(),
      closed: z.boolean(),
      closedAt: instant.optional(),
      reworked: z.boolean(),
      deadlineAt: instant.optional(),
      urgent: z.boolean(),
      /** The latest event's category (supervision thresholds are per category). */
      category: z.string().optional(),
      placement: placementSchema,
    }),
  }),
]);

/**
 * Stored facts changed for these local days; their indicators must be recomputed. Entity events
 * carry the entities' new facts, which the recompute adds to the days' cohort logs first. The nightly
 * job sets `reconcile`: those days are also checked against the raw events (shared/app/reconcile.ts).
 */
export const factsChanged = {
  source: 'cityhub.facts',
  detailType: 'facts.changed',
  version: '1',
  detailSchema: z.object({
    days: z.array(dateSchema).min(1),
    reason: z.string().min(1),
    entities: z.array(entityFactsSchema).readonly().optional(),
    /** Reconcile the days with the entities' stored events, not only recompute them (absent: no). */
    reconcile: z.boolean().optional(),
    /**
     * The earliest local day on which an event behind the entities' new facts occurred: when that
     * day has ended by the time of the recompute, the end-of-day open-overdue figures of it and every
     * later ended day are computed again (an event that came late, or late to the recompute).
     */
    eventsFrom: dateSchema.optional(),
  }),
} as const satisfies EventDefinition;
export type FactsChangedDetail = z.infer<typeof factsChanged.detailSchema>;
