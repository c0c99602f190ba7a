import * as z from 'zod';
import { areaKeySchema, instantSchema } from '#shared/schemas/common';
import { caseEventTypes, ticketEventTypes } from '#shared/schemas/ingest';

/** Every event type a subscription can receive (CONTRACT §7). */
export const webhookEventTypes = [
  ...ticketEventTypes.map((type) => `ticket.${type}` as const),
  ...caseEventTypes.map((type) => `case.${type}` as const),
  'indicators.updated',
  'sync.case-requested',
  'sync.ticket-resolved',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** An event type, or a family ending in `.*` (`ticket.*`, `case.*`, `sync.*`), or `*` for all. */
export const eventPatternSchema = z
  .string()
  .refine(
    (pattern) =>
      pattern === '*' ||
      (webhookEventTypes as readonly string[]).includes(pattern) ||
      (pattern.endsWith('.*') && webhookEventTypes.some((type) => type.startsWith(pattern.slice(0, -1)))),
    {
      message:
        'unknown event type: use e.g. ticket.*, case.closed, indicators.updated, sync.* (or * for all)',
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
  limit: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be 1 to 1000')
    .max(1000, 'must be 1 to 1000')
    .default(100)
    .describe('At most this many attempts, 1 to 1000 (default 100)'),
});
