import * as z from 'zod';
import type { EventDefinition } from '#shared/events/definition';
import { areaKeySchema, idSchema } from '#shared/schemas/common';

const webhookEventSchema = z.object({
  id: z.string().min(1).max(300),
  type: z.string().min(1),
  timestamp: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()),
});

/** One event to deliver to one subscription. */
export const webhookDeliveryRequested = {
  source: 'cityhub.webhooks',
  detailType: 'webhook.delivery-requested',
  version: '1',
  detailSchema: z.object({ subscriptionId: z.string().min(1), event: webhookEventSchema }),
} as const satisfies EventDefinition;

const syncData = {
  ticketId: idSchema,
  category: z.string(),
  areas: z.array(areaKeySchema),
  location: z.object({ lat: z.number(), lon: z.number() }).optional(),
};

/** A received ticket whose category the city platform takes over (CONTRACT §7 sync rules). */
export const syncCaseRequested = {
  source: 'cityhub.sync',
  detailType: 'sync.case-requested',
  version: '1',
  detailSchema: z.object({ ...syncData, receivedAt: z.iso.datetime({ offset: true }) }),
} as const satisfies EventDefinition;

/** A city-platform case linked to a ticket was closed: the ticket can be resolved. */
export const syncTicketResolved = {
  source: 'cityhub.sync',
  detailType: 'sync.ticket-resolved',
  version: '1',
  detailSchema: z.object({
    ticketId: idSchema,
    caseId: idSchema,
    closingEventId: idSchema,
    closedAt: z.iso.datetime({ offset: true }),
    areas: z.array(areaKeySchema),
  }),
} as const satisfies EventDefinition;
