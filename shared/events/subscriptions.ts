import * as z from 'zod';
import type { EventDefinition } from '#shared/events/definition';

/**
 * The hub disabled a subscription: its endpoint answered `410 Gone`, or every delivery attempt failed
 * for the configured time (CONTRACT §10). The fanout turns it into the `subscription.disabled` webhook.
 */
export const subscriptionDisabled = {
  source: 'cityhub.subscriptions',
  detailType: 'subscription.disabled',
  version: '1',
  detailSchema: z.object({
    subscriptionId: z.string().min(1),
    /** The endpoint's origin (scheme, host, port): never its path or query, which may carry a token. */
    origin: z.string(),
    description: z.string().optional(),
    cause: z.enum(['gone', 'failing']),
    reason: z.string(),
    disabledAt: z.iso.datetime({ offset: true }),
    failingSince: z.iso.datetime({ offset: true }).optional(),
  }),
} as const satisfies EventDefinition;
export type SubscriptionDisabledDetail = z.infer<typeof subscriptionDisabled.detailSchema>;
