import * as z from 'zod';
import { type IndicatorName, indicatorNames } from '#shared/domain/indicators/catalogue';
import { areaCodeSchema, areaKeySchema, dateSchema, limitParamSchema } from '#shared/schemas/common';

/** Most ticket and case points one `GET /map/events` answer holds, and how many it holds unless told. */
export const MAX_MAP_EVENTS = 5000;
export const DEFAULT_MAP_EVENTS = 2000;

const daySchema = dateSchema.describe('The day, YYYY-MM-DD (local day of the city)');

const mapRoadsQueryObject = z.object({ date: daySchema });
/** `GET /map/roads` parameters. */
export const mapRoadsQuerySchema = mapRoadsQueryObject;
export const mapRoadsQueryParams: readonly string[] = Object.keys(mapRoadsQueryObject.shape);
export type MapRoadsQuery = z.infer<typeof mapRoadsQuerySchema>;

const mapAreasQueryObject = z.object({
  date: daySchema,
  indicator: z
    .enum(indicatorNames as [IndicatorName, ...IndicatorName[]], {
      message: `must be an indicator name (${indicatorNames.join(', ')})`,
    })
    .describe('The indicator whose value each area carries (a name of GET /indicators answers)'),
  level: z
    .enum(['district', 'street'], { message: 'must be district or street' })
    .optional()
    .describe('Only districts or only streets (default both, districts first)'),
});
/** `GET /map/areas` parameters. */
export const mapAreasQuerySchema = mapAreasQueryObject;
export const mapAreasQueryParams: readonly string[] = Object.keys(mapAreasQueryObject.shape);
export type MapAreasQuery = z.infer<typeof mapAreasQuerySchema>;

const mapEventsQueryObject = z.object({
  date: daySchema.describe(
    "The cohort day of the tickets and cases (a ticket's received day, a case's first event's day)",
  ),
  kind: z
    .enum(['ticket', 'case'], { message: 'must be ticket or case' })
    .optional()
    .describe('Only tickets or only cases (default both)'),
  limit: limitParamSchema(MAX_MAP_EVENTS, DEFAULT_MAP_EVENTS).describe(
    `Most points in the answer, 1 to ${MAX_MAP_EVENTS} (default ${DEFAULT_MAP_EVENTS}); see truncated`,
  ),
});
/** `GET /map/events` parameters. */
export const mapEventsQuerySchema = mapEventsQueryObject;
export const mapEventsQueryParams: readonly string[] = Object.keys(mapEventsQueryObject.shape);
export type MapEventsQuery = z.infer<typeof mapEventsQuerySchema>;

const position = z.array(z.number()).describe('[lon, lat] in degrees (WGS 84)');

/** `GET /map/roads`: every registered road segment with the share of it cleaned that day. */
export const roadCoverageMapSchema = z.object({
  type: z.literal('FeatureCollection'),
  date: z.iso.date(),
  coverage: z
    .boolean()
    .describe(
      'False on a day without GPS data: every share is null then (the sanitation indicators are null too)',
    ),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      geometry: z.object({ type: z.literal('LineString'), coordinates: z.array(position) }),
      properties: z.object({
        segmentId: z.string(),
        name: z.string().optional(),
        district: areaCodeSchema,
        street: areaCodeSchema.optional(),
        planned: z.boolean(),
        widthM: z.number(),
        lengthM: z.number().describe('Length in metres, as the coverage engine measures it'),
        cleanedM: z
          .number()
          .nullable()
          .describe(
            'Metres cleaned that day (share × lengthM); null for unplanned segments and days without GPS',
          ),
        share: z
          .number()
          .min(0)
          .max(1)
          .nullable()
          .describe(
            'Share of the segment cleaned that day, the quotient cleanedRoadKm sums (docs/indicators.md); null where cleanedM is',
          ),
      }),
    }),
  ),
});

const polygon = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(position)) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(position))) }),
]);

/** `GET /map/areas`: the registered districts and streets with one indicator's value of the day. */
export const areaIndicatorMapSchema = z.object({
  type: z.literal('FeatureCollection'),
  date: z.iso.date(),
  indicator: z.string().describe('The indicator asked for'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      geometry: polygon,
      properties: z.object({
        area: areaKeySchema,
        code: areaCodeSchema,
        name: z.string().describe('The name the registry gives it'),
        level: z.enum(['district', 'street']),
        parent: areaCodeSchema.optional().describe("A street's district code"),
        value: z
          .number()
          .nullable()
          .describe(
            'The indicator of the area that day; null when nothing was published for it or a rate has no denominator',
          ),
      }),
    }),
  ),
});

/** `GET /map/events`: the day's tickets and cases as points, at most `limit`. */
export const eventPointsMapSchema = z.object({
  type: z.literal('FeatureCollection'),
  date: z.iso.date(),
  total: z.int().min(0).describe('Tickets and cases of the day that have a point (before the limit)'),
  truncated: z
    .boolean()
    .describe('True when total exceeds limit: tickets and cases keep their shares of the limit'),
  unplaced: z
    .int()
    .min(0)
    .describe(
      'Tickets and cases of the day with no point: no location, and no registered street or district polygon',
    ),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      geometry: z.object({ type: z.literal('Point'), coordinates: position }),
      properties: z.object({
        kind: z.enum(['ticket', 'case']),
        id: z.string(),
        category: z.string().nullable().describe('Category of the latest event'),
        status: z
          .enum(['open', 'closed', 'reported', 'filed', 'dispatched', 'suspended', 'cancelled'])
          .describe(
            'Tickets: open or closed. Cases: reported, filed, dispatched, suspended, closed or cancelled',
          ),
        area: areaKeySchema.describe('The most precise area it counts in'),
        placedBy: z
          .enum(['location', 'street', 'district'])
          .describe("Its placing event's location, else the centre of its street's or district's polygon"),
      }),
    }),
  ),
});
