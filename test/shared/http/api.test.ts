import { describe, expect, it } from 'vitest';
import { type HttpEvent, MAX_JSON_DEPTH, parseJsonBody, textBody } from '#shared/http/api';
import { HttpError } from '#shared/http/errors';

const event = (body: string | Buffer): HttpEvent =>
  ({
    body: typeof body === 'string' ? body : body.toString('base64'),
    isBase64Encoded: typeof body !== 'string',
  }) as HttpEvent;

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as HttpError;
  }
  throw new Error('expected a refusal');
};

describe('textBody', () => {
  it('decodes a base64-encoded UTF-8 body', () => {
    expect(textBody(event(Buffer.from('{"name":"东城"}')))).toBe('{"name":"东城"}');
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xe4, 0xb8]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ])('refuses bytes that are not UTF-8 (%s) with 400 instead of replacing them', (_, bytes) => {
    const error = refusal(() => textBody(event(Buffer.from([0x22, ...bytes, 0x22]))));
    expect(error).toBeInstanceOf(HttpError);
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('body is not valid UTF-8: send JSON encoded as UTF-8');
  });
});

describe('parseJsonBody', () => {
  it('parses a body nested as deep as allowed, brackets inside strings not counted', () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH)}"]]]{{{\\"["${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(JSON.stringify(parseJsonBody(event(deep)))).toBe(deep);
  });

  it.each([MAX_JSON_DEPTH + 1, 10_000, 1_000_000])('refuses arrays nested %d deep with 400', (depth) => {
    const error = refusal(() => parseJsonBody(event(`${'['.repeat(depth)}${']'.repeat(depth)}`)));
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe(`body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('refuses objects nested too deep inside a valid envelope', () => {
    const body = `{"records":[${'{"a":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH)}]}`;
    expect(refusal(() => parseJsonBody(event(body))).statusCode).toBe(400);
  });

  it('answers 400 with the reason for text that is not JSON', () => {
    const error = refusal(() => parseJsonBody(event('{"records": NaN}')));
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/^body is not valid JSON: /);
  });
});
