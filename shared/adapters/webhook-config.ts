import * as z from 'zod';
import {
  DEFAULT_DELIVERY_RATE,
  parseRate,
  type Rate,
  rateOfOneConsumer,
} from '#shared/domain/webhooks/rate-limit';
import {
  DEFAULT_DISABLE_AFTER_DAYS,
  DEFAULT_SECRET_OVERLAP_HOURS,
  type TargetPolicy,
} from '#shared/domain/webhooks/subscription';

/**
 * How the webhook functions are configured: target policy, retry schedule, secret overlap and the
 * failing time after which a subscription is disabled (shared/domain/webhooks).
 */
export const webhookEnvSchema = z.object({
  /** `true` only in the local runtime: http targets allowed. */
  WEBHOOK_ALLOW_HTTP: z.enum(['true', 'false']).default('false'),
  /** `true` only in the local runtime: loopback targets allowed. */
  WEBHOOK_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('false'),
  /** Ports subscriber URLs may name besides 443 (and 80 for http), comma-separated; `*` for any (local runtime). */
  WEBHOOK_PORTS: z
    .string()
    .regex(/^(\*|(\d{1,5}(,\d{1,5})*)?)$/, 'must be * or comma-separated port numbers, e.g. 8443,9443')
    .default(''),
  /** Retry delays in seconds, e.g. `1,2,3` (default 5 s … 10 h). */
  RETRY_SCHEDULE: z.string().optional(),
  /** Hours a rotated-out secret still signs deliveries (default 24; fractions allowed). */
  WEBHOOK_SECRET_OVERLAP_HOURS: z.coerce
    .number({ error: 'must be a number of hours, e.g. 24' })
    .min(0, 'must be 0 or more hours')
    .max(24 * 30, 'must be at most 720 hours (30 days)')
    .default(DEFAULT_SECRET_OVERLAP_HOURS),
  /** Days of failing attempts only after which a subscription is disabled (default 5; fractions allowed). */
  WEBHOOK_DISABLE_AFTER_DAYS: z.coerce
    .number({ error: 'must be a number of days, e.g. 5' })
    .positive('must be more than 0 days')
    .max(365, 'must be at most 365 days')
    .default(DEFAULT_DISABLE_AFTER_DAYS),
});

/**
 * The delivery rate per subscription, `perSecond[,burst]`, and how many delivery consumers may run at
 * once (the queue's maximum concurrency): each consumer paces its deliveries at its share of the rate.
 */
export const deliveryRateEnvSchema = z.object({
  WEBHOOK_RATE_PER_SUBSCRIPTION: z.string().default(DEFAULT_DELIVERY_RATE),
  DELIVERY_MAX_CONCURRENCY: z.coerce
    .number({ error: 'must be a whole number of consumers' })
    .int('must be a whole number of consumers')
    .min(1, 'must be 1 or more')
    .default(1),
});

/** The share of the per-subscription delivery rate one consumer keeps to. */
export const consumerRateOf = (env: z.infer<typeof deliveryRateEnvSchema>): Rate =>
  rateOfOneConsumer(
    parseRate(env.WEBHOOK_RATE_PER_SUBSCRIPTION, 'WEBHOOK_RATE_PER_SUBSCRIPTION'),
    env.DELIVERY_MAX_CONCURRENCY,
  );

/** How long (ms) a rotated-out secret still signs deliveries. */
export const secretOverlapMsOf = (env: z.infer<typeof webhookEnvSchema>): number =>
  Math.round(env.WEBHOOK_SECRET_OVERLAP_HOURS * 3_600_000);

/** After how long (ms) of failing attempts only a subscription is disabled. */
export const disableAfterMsOf = (env: z.infer<typeof webhookEnvSchema>): number =>
  Math.round(env.WEBHOOK_DISABLE_AFTER_DAYS * 86_400_000);

export const targetPolicyOf = (env: z.infer<typeof webhookEnvSchema>): TargetPolicy => ({
  allowHttp: env.WEBHOOK_ALLOW_HTTP === 'true',
  allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK === 'true',
  extraPorts:
    env.WEBHOOK_PORTS === '*'
      ? 'any'
      : env.WEBHOOK_PORTS.split(',')
          .filter((port) => port.length > 0)
          .map(Number),
});
