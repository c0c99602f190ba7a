import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { BadRequestError, UnauthorizedError } from '#shared/http/errors';

/** Headers of a Standard Webhooks 1.0 signed request (lower-case names). */
export type SignedHeaders = Readonly<Record<string, string | undefined>>;

const explain = (message: string): string => {
  if (message.includes('too old') || message.includes('too new')) {
    return 'webhook-timestamp is more than 5 minutes off the hub clock';
  }
  if (message.includes('Missing')) return 'missing webhook-id, webhook-timestamp or webhook-signature header';
  if (message.includes('Invalid Signature Headers')) return 'webhook-timestamp must be Unix seconds';
  return 'no webhook-signature matches the body signed with this source secret';
};

/**
 * Longest `webhook-id` taken. Standard Webhooks sets no limit; ids are short (`msg_` and a few dozen
 * characters) and the hub keys each source's replies by them, in keys DynamoDB caps at 2048 bytes.
 */
export const MAX_WEBHOOK_ID_CHARS = 256;

/**
 * Verifies a Standard Webhooks signature (HMAC-SHA256 over `id.timestamp.body`, compared in constant
 * time, timestamp within 5 minutes) and returns the `webhook-id`; throws 401 otherwise, and 400 for a
 * `webhook-id` longer than {@link MAX_WEBHOOK_ID_CHARS}.
 */
export const verifySignature = (secret: string, body: string, headers: SignedHeaders): string => {
  const id = headers['webhook-id'];
  if (id !== undefined && id.length > MAX_WEBHOOK_ID_CHARS) {
    throw new BadRequestError(`webhook-id is ${id.length} characters; at most ${MAX_WEBHOOK_ID_CHARS}`);
  }
  const webhook = new Webhook(secret);
  const present: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const value = headers[name];
    if (value !== undefined) present[name] = value;
  }
  try {
    webhook.verify(body, present, { jsonParse: false });
  } catch (error) {
    if (error instanceof WebhookVerificationError) throw new UnauthorizedError(explain(error.message));
    throw error;
  }
  return present['webhook-id'] as string;
};

/** Signs a body the way sources must (used by the CLI, the demo and tests). */
export const signHeaders = (
  secret: string,
  id: string,
  body: string,
  at: Date = new Date(),
): Record<string, string> => {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': new Webhook(secret).sign(id, new Date(timestamp * 1000), body),
  };
};
