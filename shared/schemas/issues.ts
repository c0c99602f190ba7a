import type * as z from 'zod';
import type { RecordError } from '#shared/schemas/ingest';

/** A zod issue path as a readable JSON path: `points[3].lat`; the record itself is `$`. */
export const formatPath = (path: readonly PropertyKey[]): string => {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '$' : text;
};

/** The issues of a failed parse as `{path, message}` pairs. */
export const toRecordErrors = (error: z.ZodError): RecordError[] =>
  error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));

/** One line naming every problem, for 400 answers. */
export const describeIssues = (error: z.ZodError): string =>
  error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
