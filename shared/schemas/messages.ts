import { closest, distance } from 'fastest-levenshtein';
import * as z from 'zod';

/**
 * How cityhub words what was wrong with a caller's input: problems of a record as `{path, message}`
 * pairs, one-line summaries of a failed parse for 400 answers, and caller-given values quoted short.
 */

/** One problem found in a record: a JSON path into the record and what is wrong there. */
export const recordErrorSchema = z.object({
  path: z.string().describe('JSON path into the record, e.g. points[3].lat; $ is the record itself'),
  message: z.string().describe('What is wrong there and how to fix it'),
});
export type RecordError = z.infer<typeof recordErrorSchema>;

/** A zod issue path as a readable JSON path: `points[3].lat`; the record itself is `$`. */
export const formatPath = (path: readonly PropertyKey[]): string => {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '$' : text;
};

/**
 * Most problems listed for one rejected record (in the answer and in the quarantine) or in one 400
 * message: a record of 10,000 bad points has 30,000, which would make answers of megabytes and
 * quarantine items over DynamoDB's 400 KB. The first ones say what to fix.
 */
export const MAX_LISTED_ERRORS = 20;

/** The last entry of a list of problems cut to {@link MAX_LISTED_ERRORS}. */
export const moreErrorsNotListed: RecordError = {
  path: '$',
  message: `more problems than the ${MAX_LISTED_ERRORS} listed; fix these and send the record again`,
};

/** Longest caller-given value a message quotes whole (ids, paths, codes). */
export const MAX_QUOTED_CHARS = 100;

/** A caller-given value to quote in a message: whole when short, else its start and its length. */
export const excerpt = (value: string): string =>
  value.length <= MAX_QUOTED_CHARS
    ? value
    : `${value.slice(0, MAX_QUOTED_CHARS)}… (${value.length} characters)`;

/** The first {@link MAX_LISTED_ERRORS} problems, and a last entry saying there were more. */
export const capErrors = (errors: RecordError[]): RecordError[] =>
  errors.length <= MAX_LISTED_ERRORS ? errors : [...errors.slice(0, MAX_LISTED_ERRORS), moreErrorsNotListed];

/** The issues of a failed parse as `{path, message}` pairs, prefixed with `prefix` (e.g. `['points', 3]`). */
export const toRecordErrors = (error: z.ZodError, prefix: readonly PropertyKey[] = []): RecordError[] =>
  error.issues.map((issue) => ({ path: formatPath([...prefix, ...issue.path]), message: issue.message }));

/** One line naming the first {@link MAX_LISTED_ERRORS} problems, for 400 answers. */
export const describeIssues = (error: z.ZodError): string => {
  const listed = error.issues
    .slice(0, MAX_LISTED_ERRORS)
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    .join('; ');
  const more = error.issues.length - MAX_LISTED_ERRORS;
  return more > 0 ? `${listed}; and ${more} more problems` : listed;
};

/**
 * The known name a caller most likely meant by `name`: the closest by edit distance, when at most a
 * third of the name (and at least one letter) differs; undefined when none is that close.
 */
export const closestName = (name: string, known: readonly string[]): string | undefined => {
  if (known.length === 0) return undefined;
  const lower = name.toLowerCase();
  const best = closest(
    lower,
    known.map((candidate) => candidate.toLowerCase()),
  );
  const limit = Math.max(1, Math.floor(name.length / 3));
  return distance(lower, best) <= limit
    ? known.find((candidate) => candidate.toLowerCase() === best)
    : undefined;
};

/** `unknown <what> "occuredAt"; did you mean "occurredAt"?`, or without the question when nothing is close. */
export const unknownNameMessage = (what: string, name: string, known: readonly string[]): string => {
  const meant = closestName(name, known);
  return `unknown ${what} "${excerpt(name)}"${meant ? `; did you mean "${meant}"?` : ''}`;
};

/**
 * The `error` option of a strict object: each field it does not know named, with the one meant
 * (`unknown field "yelowAt"; did you mean "yellowAt"?`; `what` words it otherwise, e.g. `source`);
 * other issues keep their own messages.
 */
export const unknownFieldsError =
  (known: readonly string[], what = 'field') =>
  (issue: z.core.$ZodRawIssue): string | undefined =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => unknownNameMessage(what, key, known)).join('; ')
      : undefined;
