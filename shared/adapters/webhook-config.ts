import * as z from 'zod';
import type { TargetPolicy } from '#shared/domain/webhooks/subscription';

/** How the webhook functions are configured: target policy and retry schedule (shared/domain/webhooks). */
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
});

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
