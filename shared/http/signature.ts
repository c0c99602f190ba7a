import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { BadRequestError, UnauthorizedError } from '#shared/http/errors';

/** Headers of a Standard Webhooks 1.0 signed request (lower-case names). */
export type SignedHeaders = Readonly<Record<string, string | undefined>>;

/**
 * Longest `webhook-id` taken. Standard Webhooks sets no limit; ids are short (`msg_` and a few dozen
 * characters) and the hub keys each source's replies by them, in keys DynamoDB caps at 2048 bytes.
 */
export const MAX_WEBHOOK_ID_CHARS = 256;

/** How far `webhook-timestamp` may be off the hub clock (Standard Webhooks: 5 minutes). */
const TOLERANCE_S = 5 * 60;

/** The HMAC key of a Standard Webhooks secret: base64 after the `whsec_` prefix. */
const keyOf = (secret: string): Buffer =>
  Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');

/**
 * Verifies a Standard Webhooks 1.0 signature and returns the `webhook-id`: HMAC-SHA256 over
 * `id.timestamp.body` with node:crypto under each of the source's secrets (several while a secret is
 * rotated: docs/deploy.md), each `v1` signature of the space-separated list compared in constant time
 * with each of them, timestamp within 5 minutes. Throws 401 otherwise, and 400 for a `webhook-id`
 * longer than {@link MAX_WEBHOOK_ID_CHARS}.
 */
export const verifySignature = (
  secrets: string | readonly string[],
  body: string,
  headers: SignedHeaders,
): string => {
  const id = headers['webhook-id'];
  if (id !== undefined && id.length > MAX_WEBHOOK_ID_CHARS) {
    throw new BadRequestError(`webhook-id is ${id.length} characters; at most ${MAX_WEBHOOK_ID_CHARS}`);
  }
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures)
    throw new UnauthorizedError('missing webhook-id, webhook-timestamp or webhook-signature header');
  if (!/^\d{1,12}$/.test(timestamp)) throw new UnauthorizedError('webhook-timestamp must be Unix seconds');
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_S)
    throw new UnauthorizedError('webhook-timestamp is more than 5 minutes off the hub clock');
  // node:crypto: the HMAC of a 5 MB body costs milliseconds, not the tens a JavaScript HMAC takes.
  const expected = (typeof secrets === 'string' ? [secrets] : secrets).map((secret) =>
    Buffer.from(
      createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64'),
    ),
  );
  for (const signature of signatures.split(' ')) {
    const [version, value] = signature.split(',');
    if (version !== 'v1' || !value) continue;
    // The base64 text itself is compared, as the reference library does: no lenient decoding.
    const given = Buffer.from(value);
    for (const candidate of expected) {
      if (given.length === candidate.length && timingSafeEqual(given, candidate)) return id;
    }
  }
  throw new UnauthorizedError('no webhook-signature matches the body signed with a secret of this source');
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
