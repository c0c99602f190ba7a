import * as z from 'zod';
import { areaKeySchema, encodePageToken, limitParamSchema, pageTokenSchemaOf } from '#shared/schemas/common';

export const DEFAULT_OPEN_ITEMS_LIMIT = 500;
export const MAX_OPEN_ITEMS_LIMIT = 1000;

/** Where the next page of open items starts: after this item of the deadline order. */
const tokenSchema = z.object({ deadline: z.string(), key: z.string() });
export type OpenItemsToken = z.infer<typeof tokenSchema>;

export const encodeOpenItemsToken = (token: OpenItemsToken): string => encodePageToken(token);

const lightSchema = z.enum(['green', 'yellow', 'red', 'paused'], {
  message: 'must be green, yellow, red or paused',
});

const openItemsQueryObject = z.object({
  area: z
    .array(areaKeySchema)
    .max(100, 'at most 100 areas per query')
    .default([])
    .describe('Area key (city, district:<code>, street:<code>); repeatable; items placed in any of them'),
  kind: z
    .enum(['ticket', 'case'], { message: 'must be ticket or case' })
    .optional()
    .describe('Only tickets or only cases (default both)'),
  light: lightSchema.optional().describe('Only items with this light (default all)'),
  format: z
    .enum(['json', 'csv'], { message: 'must be json or csv' })
    .default('json')
    .describe('json (default) or csv'),
  limit: limitParamSchema(MAX_OPEN_ITEMS_LIMIT, DEFAULT_OPEN_ITEMS_LIMIT).describe(
    `Items per page, 1 to ${MAX_OPEN_ITEMS_LIMIT} (default ${DEFAULT_OPEN_ITEMS_LIMIT})`,
  ),
  nextToken: pageTokenSchemaOf(tokenSchema)
    .optional()
    .describe('Where the next page starts (from the previous answer, or its x-next-token header for CSV)'),
});

/** `GET /open-items` parameters (CONTRACT §10, Supervision); any other is a 400. */
export const openItemsQuerySchema = openItemsQueryObject;
export const openItemsQueryParams: readonly string[] = Object.keys(openItemsQueryObject.shape);
export type OpenItemsQueryParams = z.infer<typeof openItemsQuerySchema>;

/** One open ticket or case with its deadline and light. */
export const openItemSchema = z.object({
  kind: z.enum(['ticket', 'case']),
  id: z.string(),
  category: z.string().nullable(),
  startedAt: z.string().describe("When its limit started: a ticket's receipt, a case's filing (RFC 3339)"),
  deadline: z.string().describe('Its deadline (RFC 3339, CONTRACT §5 rules)'),
  usedShare: z
    .number()
    .describe(
      'Share of its limit used: working time for cases, calendar time for tickets; above 1 past the deadline',
    ),
  light: lightSchema.describe(
    'green; yellow from the threshold (75 % unless set); red past the deadline; paused while suspended',
  ),
  overdueMinutes: z.number().int().describe('Whole minutes past the deadline (0 before it)'),
  area: areaKeySchema.describe('The most precise area that places it'),
  areaName: z.string().describe('That area’s registered name (全市 for the city)'),
  areas: z.array(areaKeySchema).describe('Every area that places it, from the city down'),
});

/** Open items of an area per light. */
export const lightCountsSchema = z.object({
  area: areaKeySchema,
  name: z.string(),
  green: z.number().int(),
  yellow: z.number().int(),
  red: z.number().int(),
  paused: z.number().int(),
});

/** The JSON answer of `GET /open-items`. */
export const openItemsAnswerSchema = z.object({
  now: z.string().describe('The hub’s time the lights are computed at (RFC 3339)'),
  counts: z
    .array(lightCountsSchema)
    .describe(
      'Per light, the open items of the city and of each district among those of the area and kind asked for (every light, every page)',
    ),
  items: z.array(openItemSchema),
  nextToken: z
    .string()
    .optional()
    .describe('Present when more items follow: pass it as nextToken to get them'),
});
