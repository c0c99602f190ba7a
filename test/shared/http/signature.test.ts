import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BadRequestError, UnauthorizedError } from '#shared/http/errors';
import { MAX_WEBHOOK_ID_CHARS, signHeaders, verifySignature } from '#shared/http/signature';

const key = Buffer.from('cityhub-test-signing-key-32bytes');
const secret = `whsec_${key.toString('base64')}`;
const body = '{"records":[]}';

/** The signature built by hand from the Standard Webhooks definition. */
const byHand = (id: string, timestamp: number, payload: string) =>
  `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${payload}`).digest('base64')}`;

const headersAt = (secondsAgo: number, payload = body, id = 'msg_1') => {
  const timestamp = Math.floor(Date.now() / 1000) - secondsAgo;
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': byHand(id, timestamp, payload),
  };
};

const rejection = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
};

describe('verifySignature', () => {
  it('accepts a signature built by hand and returns the webhook-id', () => {
    expect(verifySignature(secret, body, headersAt(0))).toBe('msg_1');
  });

  it('accepts a secret without the whsec_ prefix', () => {
    expect(verifySignature(key.toString('base64'), body, headersAt(0))).toBe('msg_1');
  });

  it('accepts when any of several space-separated signatures matches', () => {
    const headers = headersAt(0);
    headers['webhook-signature'] = `v1,AAAA ${headers['webhook-signature']}`;
    expect(verifySignature(secret, body, headers)).toBe('msg_1');
  });

  it('signs the way it verifies', () => {
    const headers = signHeaders(secret, 'msg_2', body);
    expect(headers['webhook-signature']).toBe(byHand('msg_2', Number(headers['webhook-timestamp']), body));
  });

  it.each([
    [
      'a tampered body',
      () => verifySignature(secret, `${body} `, headersAt(0)),
      'no webhook-signature matches',
    ],
    [
      'another secret',
      () => verifySignature(`whsec_${Buffer.from('x'.repeat(32)).toString('base64')}`, body, headersAt(0)),
      'no webhook-signature matches',
    ],
    [
      'a timestamp older than 5 minutes',
      () => verifySignature(secret, body, headersAt(301)),
      'more than 5 minutes',
    ],
    [
      'a timestamp more than 5 minutes ahead',
      () => verifySignature(secret, body, headersAt(-301)),
      'more than 5 minutes',
    ],
    [
      'a missing signature header',
      () => verifySignature(secret, body, { 'webhook-id': 'x', 'webhook-timestamp': '1' }),
      'missing',
    ],
    [
      'a timestamp that is not a number',
      () => verifySignature(secret, body, { ...headersAt(0), 'webhook-timestamp': 'soon' }),
      'Unix seconds',
    ],
  ])('rejects %s with 401', (_, run, message) => {
    const error = rejection(run);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).statusCode).toBe(401);
    expect((error as Error).message).toContain(message);
  });

  it('skips other versions, malformed entries and signatures of the wrong length in the list', () => {
    const headers = headersAt(0);
    const signature = `v2,${headers['webhook-signature'].slice(3)} garbage v1, v1,AAAA ${headers['webhook-signature']}`;
    expect(verifySignature(secret, body, { ...headers, 'webhook-signature': signature })).toBe('msg_1');
    expect(() =>
      verifySignature(secret, body, { ...headers, 'webhook-signature': 'v1,AAAA v2,xyz garbage' }),
    ).toThrow(UnauthorizedError);
  });

  it('compares the base64 text, as the reference library does: no padding dropped, no whitespace, no base64url', () => {
    const headers = headersAt(0);
    const value = headers['webhook-signature'].slice('v1,'.length);
    expect(value.endsWith('=')).toBe(true);
    for (const variant of [
      value.replace(/=+$/, ''),
      ` ${value}`.replace(' ', '\n'),
      value.replaceAll('+', '-').replaceAll('/', '_'),
    ]) {
      if (variant === value) continue;
      expect(() =>
        verifySignature(secret, body, { ...headers, 'webhook-signature': `v1,${variant}` }),
      ).toThrow(UnauthorizedError);
    }
  });

  describe('while a source secret is rotated', () => {
    const newKey = Buffer.from('cityhub-rotated-signing-key-32by');
    const newSecret = `whsec_${newKey.toString('base64')}`;
    /** Headers of a request signed by hand with the new key. */
    const signedWithNew = () => {
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = createHmac('sha256', newKey).update(`msg_1.${timestamp}.${body}`).digest('base64');
      return {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(timestamp),
        'webhook-signature': `v1,${signature}`,
      };
    };

    it.each([
      ['the new secret', signedWithNew],
      ['the old secret', () => headersAt(0)],
    ])('accepts a request signed with %s while both are configured', (_, headers) => {
      expect(verifySignature([newSecret, secret], body, headers())).toBe('msg_1');
    });

    it('refuses a request signed with the old secret once only the new one is left (401)', () => {
      expect(verifySignature([newSecret], body, signedWithNew())).toBe('msg_1');
      const error = rejection(() => verifySignature([newSecret], body, headersAt(0)));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as UnauthorizedError).statusCode).toBe(401);
      expect((error as Error).message).toContain('no webhook-signature matches');
    });

    it('refuses everything when no secret is configured', () => {
      expect(() => verifySignature([], body, headersAt(0))).toThrow(UnauthorizedError);
    });
  });

  it('accepts a timestamp 4 minutes old', () => {
    expect(verifySignature(secret, body, headersAt(240))).toBe('msg_1');
  });

  it('accepts a webhook-id of the longest length taken', () => {
    const id = 'm'.repeat(MAX_WEBHOOK_ID_CHARS);
    expect(verifySignature(secret, body, headersAt(0, body, id))).toBe(id);
  });

  it('rejects a longer webhook-id with 400 even when signed, since no reply could be keyed by it', () => {
    const error = rejection(() =>
      verifySignature(secret, body, headersAt(0, body, 'm'.repeat(MAX_WEBHOOK_ID_CHARS + 1))),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as Error).message).toBe(
      `webhook-id is ${MAX_WEBHOOK_ID_CHARS + 1} characters; at most ${MAX_WEBHOOK_ID_CHARS}`,
    );
  });
});
