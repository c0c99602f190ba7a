import * as z from 'zod';
import { daysBetween } from '#shared/domain/time';
import { dateSchema } from '#shared/schemas/common';
import { sourceSchema } from '#shared/schemas/ingest';
import { MAX_QUERY_DAYS } from '#shared/schemas/query';

const rangeCheck =
  (fromKey: string) =>
  ({ from, to }: { from: string; to?: string | undefined }, context: z.RefinementCtx) => {
    if (!to) return;
    const days = daysBetween(from, to) + 1;
    if (days < 1)
      context.addIssue({ code: 'custom', path: ['to'], message: `is before ${fromKey} (${from})` });
    else if (days > MAX_QUERY_DAYS) {
      context.addIssue({
        code: 'custom',
        path: ['to'],
        message: `range spans ${days} days; at most ${MAX_QUERY_DAYS}`,
      });
    }
  };

/** `POST /admin/recompute` body: one day, or a range with `to` (at most 366 days). */
export const recomputeRequestSchema = z
  .object({ date: dateSchema, to: dateSchema.optional() })
  .superRefine(({ date, to }, context) => rangeCheck('date')({ from: date, to }, context));

const limitSchema = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(1, 'must be 1 to 1000')
  .max(1000, 'must be 1 to 1000');

/** `GET /quarantine` parameters. */
export const quarantineQuerySchema = z.object({
  source: sourceSchema.describe('Feed'),
  limit: limitSchema.default(100).describe('At most this many records, 1 to 1000 (default 100)'),
});

/** `GET /admin/quality` parameters: a range of days (at most 366), both ends included. */
export const qualityQuerySchema = z
  .object({
    from: dateSchema.describe('First day, YYYY-MM-DD'),
    to: dateSchema.describe('Last day (at most 366 days)'),
  })
  .superRefine((range, context) => rangeCheck('from')(range, context));
