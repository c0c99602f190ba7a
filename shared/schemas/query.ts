import * as z from 'zod';
import type { AreaListItem } from '#shared/domain/area-list';
import { type IndicatorName, indicatorCatalogue } from '#shared/domain/indicators/catalogue';
import type { IndicatorItem } from '#shared/domain/indicators/item';
import { daysBetween } from '#shared/domain/time';
import {
  type Agree,
  areaCodeSchema,
  areaKeySchema,
  dateSchema,
  encodePageToken as encodeCommonToken,
  limitParamSchema,
  pageTokenSchemaOf,
} from '#shared/schemas/common';
import { sourceSchema } from '#shared/schemas/ingest';

/** Longest range one query may span, in days (both ends included). */
export const MAX_QUERY_DAYS = 366;
export const DEFAULT_QUERY_LIMIT = 500;
export const MAX_QUERY_LIMIT = 1000;

const tokenSchema = z.object({ date: dateSchema, area: areaKeySchema });
export type PageToken = z.infer<typeof tokenSchema>;

export const encodePageToken = (token: PageToken): string => encodeCommonToken(token);

const pageTokenSchema = pageTokenSchemaOf(tokenSchema);

const indicatorQueryObject = z.object({
  date: dateSchema.optional().describe('One day, YYYY-MM-DD (or give from and to)'),
  from: dateSchema.optional().describe('First day of a range, YYYY-MM-DD'),
  to: dateSchema.optional().describe(`Last day of a range (at most ${MAX_QUERY_DAYS} days)`),
  area: z
    .array(areaKeySchema)
    .max(100, 'at most 100 areas per query')
    .default([])
    .describe('Area key (city, district:<code>, street:<code>); repeatable; default city and every district'),
  format: z
    .enum(['json', 'csv'], { message: 'must be json or csv' })
    .default('json')
    .describe('json (default) or csv'),
  limit: limitParamSchema(MAX_QUERY_LIMIT, DEFAULT_QUERY_LIMIT).describe(
    `Items per page, 1 to ${MAX_QUERY_LIMIT} (default ${DEFAULT_QUERY_LIMIT})`,
  ),
  nextToken: pageTokenSchema
    .optional()
    .describe('Where the next page starts (from the previous answer, or its x-next-token header for CSV)'),
});

/** The parameters `GET /indicators` takes; any other is a 400. */
export const indicatorQueryParams: readonly string[] = Object.keys(indicatorQueryObject.shape);

/** `GET /indicators` parameters (CONTRACT §6), after repeated `area` values are gathered into a list. */
export const indicatorQuerySchema = indicatorQueryObject
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

/** Every published indicator of a (day, area), with its Chinese name, meaning and unit; null when a rate has no denominator. */
const indicatorValuesSchema = z.object(
  Object.fromEntries(
    indicatorCatalogue.map((info) => [
      info.name,
      z.number().nullable().describe(`${info.chineseName}: ${info.description} (${info.unit})`),
    ]),
  ) as Record<IndicatorName, z.ZodNullable<z.ZodNumber>>,
);

/** One published (day, area) item of `GET /indicators` (CONTRACT §6). */
export const indicatorItemSchema = z.object({
  date: z.iso.date().describe('Local day of the city, YYYY-MM-DD'),
  area: areaKeySchema.meta({ examples: ['district:dongcheng'] }),
  timezone: z.string().meta({ description: 'Time zone of the day', examples: ['Asia/Shanghai'] }),
  indicators: indicatorValuesSchema,
  revision: z.int().min(1).describe('Starts at 1; goes up by one each time a value changes'),
  computedAt: z.iso.datetime().describe('When the values of this revision were computed'),
});
export type PublishedIndicatorItem = z.infer<typeof indicatorItemSchema>;
// The published item is the stored one without the hub's own bookkeeping.
true satisfies Agree<PublishedIndicatorItem, Omit<IndicatorItem, 'announcedRevision' | 'digest'>>;

/** A JSON answer of `GET /indicators`: items sorted by date then area, and where the next page starts. */
export const indicatorPageSchema = z.object({
  items: z.array(indicatorItemSchema),
  nextToken: z
    .string()
    .optional()
    .describe('Present when more items follow: pass it as nextToken to get them'),
});
export type IndicatorPageAnswer = z.infer<typeof indicatorPageSchema>;

/** One registered district or street without its polygon. */
export const areaListItemSchema = z.object({
  area: areaKeySchema.meta({
    description: 'Its area key in indicator answers',
    examples: ['district:dongcheng'],
  }),
  code: areaCodeSchema.meta({ examples: ['dongcheng'] }),
  name: z.string().meta({ description: 'The name the registry gives it', examples: ['东城区'] }),
  level: z.enum(['district', 'street']),
  parent: areaCodeSchema.optional().describe("A street's district code"),
});
true satisfies Agree<z.infer<typeof areaListItemSchema>, AreaListItem>;

/** `GET /areas`: districts first, each level in the order the registry lists it; none before the first PUT. */
export const areaListSchema = z.object({ items: z.array(areaListItemSchema) });
export type AreaList = z.infer<typeof areaListSchema>;

/** How fresh one feed is (`GET /feeds`). */
export const feedStatusSchema = z.object({
  source: sourceSchema,
  lastAcceptedAt: z.iso
    .datetime()
    .nullable()
    .describe('When the latest batch with an accepted record arrived; null when none ever did'),
  ageSeconds: z.int().min(0).nullable().describe('Whole seconds from then to now; null with lastAcceptedAt'),
});

/** `GET /feeds`: every ingest source's freshness, measured against the hub's clock. */
export const feedsAnswerSchema = z.object({
  now: z.iso.datetime().describe("The hub's clock"),
  items: z.array(feedStatusSchema).describe('One item per source, in a fixed order'),
});
export type FeedsAnswer = z.infer<typeof feedsAnswerSchema>;
