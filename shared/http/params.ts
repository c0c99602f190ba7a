import type * as z from 'zod';
import { InvalidInputError } from '#shared/domain/errors';
import { type HttpEvent, parseJsonBody } from '#shared/http/api';
import { describeIssues, unknownNameMessage } from '#shared/schemas/messages';
import { queryParams } from '#shared/schemas/query';

/** Parses request input with a schema; a failure is a 400 naming every bad parameter. */
export const parseInput = <Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
): z.infer<Schema> => {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new InvalidInputError(`invalid ${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
};

/** Parses a request's JSON body with a schema; `what` names the body in the 400's message. */
export const parseBody = <Schema extends z.ZodType>(
  schema: Schema,
  event: HttpEvent,
  what: string,
): z.infer<Schema> => parseInput(schema, parseJsonBody(event), what);

/**
 * Parses a request's query string with a schema (a 400 says `invalid query: …`). With `known`, the
 * parameter names the route takes, a parameter it does not take is a 400 too, naming the one meant.
 */
export const parseQuery = <Schema extends z.ZodType>(
  schema: Schema,
  event: HttpEvent,
  known?: readonly string[],
): z.infer<Schema> => {
  const params = queryParams(event.rawQueryString ?? '');
  const unknown = known ? Object.keys(params).filter((name) => !known.includes(name)) : [];
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `invalid query: ${unknown.map((name) => unknownNameMessage('parameter', name, known ?? [])).join('; ')} ` +
        `(this route takes ${known?.join(', ')})`,
    );
  }
  return parseInput(schema, params, 'query');
};
