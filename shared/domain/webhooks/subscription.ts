/** A subscription as stored (the secret included: it signs every delivery). */
export interface Subscription {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly areas: readonly string[];
  readonly description?: string | undefined;
  readonly status: 'active' | 'disabled';
  readonly secret: string;
  readonly createdAt: string;
  readonly disabledReason?: string | undefined;
}

/** Delivery attempts and the events replays read are kept 30 days, so a replay spans at most that. */
export const WEBHOOK_RETENTION_S = 30 * 86_400;

/** One delivery attempt, kept 30 days. */
export interface DeliveryAttempt {
  readonly eventId: string;
  readonly type: string;
  readonly attempt: number;
  readonly statusCode?: number | undefined;
  readonly error?: string | undefined;
  readonly durationMs: number;
  readonly at: string;
}

/**
 * Where webhooks may go: deployed, only https to public addresses on port 443 (or ports an allow-list
 * names); locally also http, loopback and any port.
 */
export interface TargetPolicy {
  readonly allowHttp: boolean;
  readonly allowLoopback: boolean;
  /** Ports besides 443 (and 80 for http) a URL may name; `any` in the local runtime. */
  readonly extraPorts: readonly number[] | 'any';
}
