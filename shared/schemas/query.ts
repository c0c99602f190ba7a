import * as z from 'zod';
import { daysBetween } from '#shared/domain/time';
import { areaKeySchema, dateSchema } from '#shared/schemas/common';

/** Longest range one query may span, in days (both ends included). */
export const MAX_QUERY_DAYS = 366;
export const DEFAULT_QUERY_LIMIT = 500;
export const MAX_QUERY_LIMIT = 1000;

const tokenSchema = z.object({ date: dateSchema, area: areaKeySchema });
export type PageToken = z.infer<typeof tokenSchema>;

export const encodePageToken = (token: PageToken): string =>
  Buffer.from(JSON.stringify(token)).toString('base64url');

const pageTokenSchema = z.string().transform((value, context) => {
  try {
    return tokenSchema.parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
  } catch {
    context.addIssue({ code: 'custom', message: 'is not a nextToken this API returned' });
    return z.NEVER;
  }
});

/** `GET /indicators` parameters (CONTRACT §6), after repeated `area` values are gathered into a list. */
export const indicatorQuerySchema = z
  .object({
    date: dateSchema.optional().describe('One day, YYYY-MM-DD (or give from and to)'),
    from: dateSchema.optional().describe('First day of a range, YYYY-MM-DD'),
    to: dateSchema.optional().describe(`Last day of a range (at most ${MAX_QUERY_DAYS} days)`),
    area: z
      .array(areaKeySchema)
      .max(100, 'at most 100 areas per query')
      .default([])
      .describe(
        'Area key (city, district:<code>, street:<code>); repeatable; default city and every district',
      ),
    format: z
      .enum(['json', 'csv'], { message: 'must be json or csv' })
      .default('json')
      .describe('json (default) or csv'),
    limit: z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(1, `must be 1 to ${MAX_QUERY_LIMIT}`)
      .max(MAX_QUERY_LIMIT, `must be 1 to ${MAX_QUERY_LIMIT}`)
      .default(DEFAULT_QUERY_LIMIT)
      .describe(`Items per page, 1 to ${MAX_QUERY_LIMIT} (default ${DEFAULT_QUERY_LIMIT})`),
    nextToken: pageTokenSchema
      .optional()
      .describe('Where the next page starts (from the previous answer, or its x-next-token header for CSV)'),
  })
  .superRefine((query, context) => {
    if (query.date && (query.from || query.to)) {
      context.addIssue({
        code: 'custom',
        path: ['date'],
        message: 'give either date or from and to, not both',
      });
    } else if (!query.date && !(query.from && query.to)) {
      context.addIssue({
        code: 'custom',
        path: ['date'],
        message: 'give date=YYYY-MM-DD, or from=YYYY-MM-DD and to=YYYY-MM-DD',
      });
    } else if (query.from && query.to) {
      const days = daysBetween(query.from, query.to) + 1;
      if (days < 1)
        context.addIssue({ code: 'custom', path: ['to'], message: `is before from (${query.from})` });
      else if (days > MAX_QUERY_DAYS) {
        context.addIssue({
          code: 'custom',
          path: ['to'],
          message: `range spans ${days} days; at most ${MAX_QUERY_DAYS}`,
        });
      }
    }
  })
  .transform(({ date, from, to, ...rest }) => ({
    ...rest,
    from: (date ?? from) as string,
    to: (date ?? to) as string,
  }));
export type IndicatorQuery = z.infer<typeof indicatorQuerySchema>;

/** Reads a raw query string into the shape `indicatorQuerySchema` parses (`area` may repeat). */
export const queryParams = (rawQueryString: string): Record<string, unknown> => {
  const params = new URLSearchParams(rawQueryString);
  const result: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    result[key] = key === 'area' ? values.flatMap((value) => value.split(',')) : values.at(-1);
  }
  return result;
};
