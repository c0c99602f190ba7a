import type * as z from 'zod';
import { InvalidInputError } from '#shared/domain/errors';
import { describeIssues } from '#shared/schemas/issues';

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
