import * as z from 'zod';
import type { TargetPolicy } from '#shared/domain/webhooks/subscription';

/** How the webhook functions are configured: target policy and retry schedule (shared/domain/webhooks). */
export const webhookEnvSchema = z.object({
  /** `true` only in the local runtime: http targets allowed. */
  WEBHOOK_ALLOW_HTTP: z.enum(['true', 'false']).default('false'),
  /** `true` only in the local runtime: loopback targets allowed. */
  WEBHOOK_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('false'),
  /** Retry delays in seconds, e.g. `1,2,3` (default 5 s … 10 h). */
  RETRY_SCHEDULE: z.string().optional(),
});

export const targetPolicyOf = (env: z.infer<typeof webhookEnvSchema>): TargetPolicy => ({
  allowHttp: env.WEBHOOK_ALLOW_HTTP === 'true',
  allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK === 'true',
});
