import * as z from 'zod';
import type { DeliveryAttempt, Subscription } from '#shared/domain/webhooks/subscription';
import { type Agree, areaKeySchema, instantSchema, limitParamSchema } from '#shared/schemas/common';
import { caseEventTypes, ticketEventTypes } from '#shared/schemas/ingest';

/** Every event type a subscription can receive (CONTRACT §7). */
export const webhookEventTypes = [
  ...ticketEventTypes.map((type) => `ticket.${type}` as const),
  ...caseEventTypes.map((type) => `case.${type}` as const),
  // Supervision notices (CONTRACT §10): an open item turned yellow, or passed its deadline.
  'ticket.deadline-approaching',
  'ticket.overdue',
  'case.deadline-approaching',
  'case.overdue',
  'indicators.updated',
  'sync.case-requested',
  'sync.ticket-resolved',
  'subscription.disabled',
  'indicator.alert',
  'feed.silent',
  'feed.resumed',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** An event type, or a family ending in `.*` (`ticket.*`, `case.*`, `sync.*`, `feed.*`), or `*` for all. */
export const eventPatternSchema = z
  .string()
  .refine(
    (pattern) =>
      pattern === '*' ||
      (webhookEventTypes as readonly string[]).includes(pattern) ||
      (pattern.endsWith('.*') && webhookEventTypes.some((type) => type.startsWith(pattern.slice(0, -1)))),
    {
      message:
        'unknown event type: use e.g. ticket.*, case.closed, indicators.updated, indicator.alert, feed.*, sync.*, subscription.disabled (or * for all)',
    },
  );

/** True when an event type is one a pattern selects. */
export const matchesEventPattern = (pattern: string, type: string): boolean =>
  pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1)));

export const createSubscriptionSchema = z.object({
  url: z.url({ message: 'must be an absolute URL' }).max(2048),
  events: z.array(eventPatternSchema).min(1, 'name at least one event type').max(50),
  areas: z.array(areaKeySchema).max(200).optional(),
  description: z.string().max(500).optional(),
});
export type CreateSubscription = z.infer<typeof createSubscriptionSchema>;

export const patchSubscriptionSchema = z
  .object({
    status: z.enum(['active', 'disabled']).optional(),
    events: z.array(eventPatternSchema).min(1).max(50).optional(),
    areas: z.array(areaKeySchema).max(200).optional(),
    description: z.string().max(500).optional(),
    rotateSecret: z.literal(true).optional(),
  })
  .refine(
    (patch) => Object.keys(patch).length > 0,
    'name at least one of status, events, areas, description, rotateSecret',
  );
export type PatchSubscription = z.infer<typeof patchSubscriptionSchema>;

export const replayRequestSchema = z
  .object({ since: instantSchema, until: instantSchema.optional() })
  .refine(({ since, until }) => !until || Date.parse(until) >= Date.parse(since), {
    message: 'until is before since',
    path: ['until'],
  });

/** `PUT /reference/sync`: which ticket categories the city platform takes over (`*` matches any run of characters). */
export const syncRulesSchema = z.object({
  ticketCategoriesToCityPlatform: z.array(z.string().trim().min(1).max(200)).max(1000).default([]),
});
export type SyncRules = z.infer<typeof syncRulesSchema>;

/** `PUT /reference/sync`: how many categories were registered. */
export const syncRulesAnswerSchema = z.object({
  ticketCategoriesToCityPlatform: z.int().min(0),
});
export type SyncRulesAnswer = z.infer<typeof syncRulesAnswerSchema>;

/** A `*` glob as a predicate on categories. */
export const categoryMatcher = (patterns: readonly string[]) => {
  const regexes = patterns.map(
    (pattern) =>
      new RegExp(
        `^${pattern
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ),
  );
  return (category: string) => regexes.some((regex) => regex.test(category));
};

/** `GET /subscriptions/{id}/deliveries` parameters. */
export const deliveriesQuerySchema = z.object({
  limit: limitParamSchema(1000, 100).describe('At most this many attempts, 1 to 1000 (default 100)'),
});

/** A subscription as the API shows it: never its secret. */
export const subscriptionViewSchema = z.object({
  id: z.string().meta({ examples: ['sub_0b7e4c1e-8d5f-4c52-9a7e-2f3d7f1b9c10'] }),
  url: z.string().describe('Where deliveries are POSTed'),
  events: z.array(z.string()).describe('Event types and families (ticket.*, case.closed, *) it receives'),
  areas: z.array(z.string()).describe('Area keys it is limited to; empty for every area'),
  description: z.string().optional(),
  status: z.enum(['active', 'disabled']),
  createdAt: z.iso.datetime(),
  disabledReason: z
    .string()
    .optional()
    .describe('Why the hub disabled it (the endpoint answered 410, or every attempt failed for days)'),
  failingSince: z.iso
    .datetime()
    .optional()
    .describe('Since when every delivery attempt has failed; absent while deliveries succeed'),
});
export type SubscriptionView = z.infer<typeof subscriptionViewSchema>;
true satisfies Agree<SubscriptionView, Subscription>;

/** `POST /subscriptions` (201): the new subscription with its secret, which is shown only here. */
export const createdSubscriptionSchema = subscriptionViewSchema
  .omit({ createdAt: true, disabledReason: true, failingSince: true })
  .extend({
    secret: z
      .string()
      .describe('Standard Webhooks secret (whsec_…) that signs every delivery; shown only now'),
  });
export type CreatedSubscription = z.infer<typeof createdSubscriptionSchema>;

/** `PATCH /subscriptions/{id}`: the subscription, with its new secret when rotateSecret was asked. */
export const patchedSubscriptionSchema = subscriptionViewSchema.extend({
  secret: z
    .string()
    .optional()
    .describe(
      'Only after rotateSecret: the new secret, shown this once; the one it replaced still signs deliveries until previousSecretValidUntil',
    ),
  previousSecretValidUntil: z.iso
    .datetime()
    .optional()
    .describe(
      'Only after rotateSecret: until when deliveries also carry the signature of the replaced secret',
    ),
});
export type PatchedSubscription = z.infer<typeof patchedSubscriptionSchema>;

/** `GET /subscriptions`. */
export const subscriptionListSchema = z.object({ items: z.array(subscriptionViewSchema) });
export type SubscriptionList = z.infer<typeof subscriptionListSchema>;

/** One delivery attempt, kept 30 days. */
export const deliveryAttemptSchema = z.object({
  eventId: z.string(),
  type: z.string().meta({ examples: ['ticket.received'] }),
  attempt: z.int().min(1).describe('1 for the first try'),
  statusCode: z.int().optional().describe("The endpoint's status; absent when no answer came"),
  error: z.string().optional().describe('Why the attempt failed, when it did'),
  durationMs: z.number().min(0),
  at: z.iso.datetime(),
});
true satisfies Agree<z.infer<typeof deliveryAttemptSchema>, DeliveryAttempt>;

/** `GET /subscriptions/{id}/deliveries`: newest first. */
export const deliveryListSchema = z.object({ items: z.array(deliveryAttemptSchema) });
export type DeliveryList = z.infer<typeof deliveryListSchema>;

/** `POST /subscriptions/{id}/replay` (202). */
export const replayAnswerSchema = z.object({
  replayed: z.int().min(0).describe('Deliveries queued: events of the window the subscription wants'),
});
export type ReplayAnswer = z.infer<typeof replayAnswerSchema>;
