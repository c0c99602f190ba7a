import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DependencyError, InProgressError, InvalidInputError } from '#shared/domain/errors';
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

/** The raw body as a string (API Gateway may hand it over base64-encoded). */
export const rawBody = (event: HttpEvent): string =>
  event.body === undefined
    ? ''
    : event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body;

/** Size of the body in bytes, as sent. */
export const bodyBytes = (event: HttpEvent): number =>
  event.body === undefined
    ? 0
    : event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').length
      : Buffer.byteLength(event.body);

/** Parses a JSON body; answers 400 with the parser's reason when it is not JSON. */
export const parseJsonBody = (event: HttpEvent): unknown => {
  try {
    return JSON.parse(rawBody(event));
  } catch (error) {
    throw new HttpError(400, `body is not valid JSON: ${(error as Error).message}`);
  }
};

/**
 * Maps errors to answers: an `HttpError` becomes `{"error": message}` with its status; anything else
 * is logged and answered 500 without internals.
 */
export const httpErrors = (logger: Logger): MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    const { error } = request;
    if (error instanceof HttpError) {
      request.response = json(error.statusCode, { error: error.message }, { ...error.headers });
      return;
    }
    if (error instanceof InvalidInputError) {
      request.response = json(400, { error: error.message });
      return;
    }
    if (error instanceof InProgressError) {
      request.response = json(409, { error: error.message }, { 'retry-after': '2' });
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
