import { isUtf8 } from 'node:buffer';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  ConflictError,
  DependencyError,
  InvalidInputError,
  RefusedRequestError,
  UnknownResourceError,
} from '#shared/domain/errors';
import { HttpError } from '#shared/http/errors';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** A JSON answer. */
export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

/** Size of the body in bytes, as sent. */
export const bodyBytes = (event: HttpEvent): number =>
  event.body === undefined
    ? 0
    : event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').length
      : Buffer.byteLength(event.body);

/**
 * The body as text. JSON is UTF-8 (RFC 8259): a base64-encoded body whose bytes are not UTF-8 is a 400
 * rather than text with replacement characters standing in for the bytes that were sent.
 */
export const textBody = (event: HttpEvent): string => {
  if (event.body === undefined) return '';
  if (!event.isBase64Encoded) return event.body;
  const bytes = Buffer.from(event.body, 'base64');
  if (!isUtf8(bytes)) throw new HttpError(400, 'body is not valid UTF-8: send JSON encoded as UTF-8');
  return bytes.toString('utf8');
};

/** Deepest nesting of arrays and objects a JSON body may have; cityhub's deepest input (GeoJSON) needs 8. */
export const MAX_JSON_DEPTH = 64;

/** True when arrays and objects in JSON text nest deeper than `limit` (brackets in strings not counted). */
const nestsDeeperThan = (text: string, limit: number): boolean => {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index += 1;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (code === 0x5d || code === 0x7d) depth -= 1;
  }
  return false;
};

/**
 * Parses a JSON body (with `parse`, a route's own reading of JSON); answers 400 with the parser's
 * reason when it is not JSON, when its bytes are not UTF-8, or when it nests deeper than
 * {@link MAX_JSON_DEPTH} levels (which no cityhub input needs, and which would exhaust the stack of
 * whatever serializes it next).
 */
export const parseJsonBody = (event: HttpEvent, parse: (text: string) => unknown = JSON.parse): unknown => {
  const text = textBody(event);
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new HttpError(400, `body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return parse(text);
  } catch (error) {
    throw new HttpError(400, `body is not valid JSON: ${(error as Error).message}`);
  }
};

/** Domain errors about the caller's request, whose messages the caller sees, with their status. */
const callerErrors: readonly [new (message: string) => Error, number][] = [
  [InvalidInputError, 400],
  [UnknownResourceError, 404],
  [ConflictError, 409],
  [RefusedRequestError, 422],
];

/**
 * Maps errors to answers: an `HttpError` becomes `{"error": message}` with its status, and so do the
 * domain's errors (invalid input 400, unknown resource 404, conflict 409, refused request 422,
 * failed dependency 503); anything else is logged and answered 500 without internals.
 */
export const httpErrors = (logger: Logger): MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    const { error } = request;
    if (error instanceof HttpError) {
      request.response = json(error.statusCode, { error: error.message }, { ...error.headers });
      return;
    }
    const status = callerErrors.find(([type]) => error instanceof type)?.[1];
    if (error && status !== undefined) {
      request.response = json(status, { error: error.message });
      return;
    }
    if (error instanceof DependencyError) {
      logger.error('dependency failed', { error });
      request.response = json(
        503,
        { error: 'a dependency failed and nothing was acknowledged; retry' },
        { 'retry-after': '5' },
      );
      return;
    }
    logger.error('request failed', { error: error ?? undefined });
    request.response = json(500, { error: 'internal error; the request can be retried' });
  },
});
