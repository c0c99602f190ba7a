import * as z from 'zod';
import { type IndicatorName, indicatorNames } from '#shared/domain/indicators/catalogue';
import { areaCodeSchema, areaKeySchema, dateSchema } from '#shared/schemas/common';
import { type Source, sources } from '#shared/schemas/ingest';
import { excerpt, unknownFieldsError, unknownNameMessage } from '#shared/schemas/messages';

const position = z
  .array(z.number())
  .min(2)
  .max(3)
  .refine(
    ([lon = 0, lat = 0]) => lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90,
    'must be [lon, lat] in degrees',
  );
const ring = z
  .array(position)
  .min(4, 'a linear ring needs at least 4 positions')
  .refine((points) => {
    const first = points[0];
    const last = points.at(-1);
    return first !== undefined && last !== undefined && first[0] === last[0] && first[1] === last[1];
  }, 'a linear ring must end where it starts');

const polygonGeometry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: z.array(ring).min(1) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(ring).min(1)).min(1) }),
]);

/** One district or street polygon (CONTRACT §3). */
export const areaFeatureSchema = z.object({
  type: z.literal('Feature'),
  geometry: polygonGeometry,
  properties: z.object({
    code: areaCodeSchema,
    name: z.string().trim().min(1).max(200),
    level: z.enum(['district', 'street']),
    parent: areaCodeSchema.optional(),
  }),
});
export type AreaFeature = z.infer<typeof areaFeatureSchema>;

/** `PUT /reference/areas`: districts and streets; codes unique per level; each street names a listed district. */
export const areasSchema = z
  .object({ type: z.literal('FeatureCollection'), features: z.array(areaFeatureSchema).max(10_000) })
  .superRefine(({ features }, context) => {
    const seen = new Set<string>();
    const districts = new Set(
      features.filter((f) => f.properties.level === 'district').map((f) => f.properties.code),
    );
    features.forEach(({ properties }, index) => {
      const key = `${properties.level}:${properties.code}`;
      if (seen.has(key)) {
        context.addIssue({
          code: 'custom',
          path: ['features', index, 'properties', 'code'],
          message: `${excerpt(key)} is listed twice`,
        });
      }
      seen.add(key);
      if (properties.level === 'street' && (!properties.parent || !districts.has(properties.parent))) {
        context.addIssue({
          code: 'custom',
          path: ['features', index, 'properties', 'parent'],
          message: `street ${excerpt(properties.code)} must name a district of this collection as parent (got ${excerpt(properties.parent ?? 'none')})`,
        });
      }
    });
  });
export type Areas = z.infer<typeof areasSchema>;

/** `PUT /reference/calendar`: holidays and make-up working days (CONTRACT §3). */
export const calendarSchema = z
  .object({
    holidays: z.array(dateSchema).max(10_000).default([]),
    workdays: z.array(dateSchema).max(10_000).default([]),
  })
  .superRefine(({ holidays, workdays }, context) => {
    const both = holidays.filter((date) => workdays.includes(date));
    if (both.length > 0) {
      context.addIssue({
        code: 'custom',
        path: ['workdays'],
        message: `dates cannot be both holiday and workday: ${both.slice(0, 10).join(', ')}${both.length > 10 ? ` and ${both.length - 10} more` : ''}`,
      });
    }
  });
export type CalendarInput = z.infer<typeof calendarSchema>;

/** One road segment (CONTRACT §3). */
export const roadFeatureSchema = z.object({
  type: z.literal('Feature'),
  geometry: z.object({
    type: z.literal('LineString'),
    coordinates: z.array(position).min(2, 'a LineString needs at least 2 positions'),
  }),
  properties: z.object({
    segmentId: z.string().trim().min(1).max(128),
    name: z.string().max(200).optional(),
    district: areaCodeSchema,
    street: areaCodeSchema.optional(),
    widthM: z.number().positive().max(200).default(15),
    level: z.number().int().min(1).max(4).optional(),
    planned: z.boolean().default(true),
  }),
});
export type RoadFeature = z.infer<typeof roadFeatureSchema>;

/** `PUT /reference/roads`: road segments with unique segmentIds. */
export const roadsSchema = z
  .object({ type: z.literal('FeatureCollection'), features: z.array(roadFeatureSchema).max(200_000) })
  .superRefine(({ features }, context) => {
    const seen = new Set<string>();
    features.forEach(({ properties }, index) => {
      if (seen.has(properties.segmentId)) {
        context.addIssue({
          code: 'custom',
          path: ['features', index, 'properties', 'segmentId'],
          message: `segment ${properties.segmentId} is listed twice`,
        });
      }
      seen.add(properties.segmentId);
    });
  });
export type Roads = z.infer<typeof roadsSchema>;

export const vehicleTypes = ['sweeper', 'washer', 'sprinkler', 'garbage_truck', 'other'] as const;

/** `PUT /reference/vehicles`: the fleet, one entry per vehicle. */
export const vehiclesSchema = z
  .array(
    z.object({
      vehicleId: z.string().trim().min(1).max(128),
      type: z.enum(vehicleTypes),
      district: areaCodeSchema,
    }),
  )
  .max(100_000)
  .superRefine((vehicles, context) => {
    const seen = new Set<string>();
    vehicles.forEach(({ vehicleId }, index) => {
      if (seen.has(vehicleId)) {
        context.addIssue({
          code: 'custom',
          path: [index, 'vehicleId'],
          message: `vehicle ${vehicleId} is listed twice`,
        });
      }
      seen.add(vehicleId);
    });
  });
export type Vehicles = z.infer<typeof vehiclesSchema>;
export type Vehicle = Vehicles[number];

const countSchema = z.int().min(0);
const recomputingDaysSchema = countSchema.describe('Days with data, each queued to be recomputed');

/** `PUT /reference/areas`: what was registered. */
export const areasAnswerSchema = z.object({
  districts: countSchema,
  streets: countSchema,
  recomputingDays: recomputingDaysSchema,
});
export type AreasAnswer = z.infer<typeof areasAnswerSchema>;

/** `PUT /reference/calendar`: what was registered. */
export const calendarAnswerSchema = z.object({
  holidays: countSchema,
  workdays: countSchema,
  recomputingDays: recomputingDaysSchema,
});
export type CalendarAnswer = z.infer<typeof calendarAnswerSchema>;

/** `PUT /reference/roads`: what was registered (coverage is recomputed too). */
export const roadsAnswerSchema = z.object({
  segments: countSchema,
  plannedSegments: countSchema.describe('Segments with planned: true'),
  recomputingDays: recomputingDaysSchema,
});
export type RoadsAnswer = z.infer<typeof roadsAnswerSchema>;

/** `PUT /reference/vehicles`: what was registered (coverage is recomputed too). */
export const vehiclesAnswerSchema = z.object({
  vehicles: countSchema,
  recomputingDays: recomputingDaysSchema,
});
export type VehiclesAnswer = z.infer<typeof vehiclesAnswerSchema>;

/** Minutes of silence after which a feed counts silent, unless `PUT /reference/alerts` or FEED_SILENCE_MINUTES says otherwise. */
export const DEFAULT_FEED_SILENCE_MINUTES = 60;

/** The areas an alert rule watches: a whole level, or a list of area keys. */
export const alertAreasSchema = z.union(
  [
    z.enum(['district', 'street', 'city']),
    z.array(areaKeySchema).min(1, 'name at least one area').max(1000, 'name at most 1000 areas'),
  ],
  {
    error: () => 'must be "district", "street", "city" or a list of area keys such as ["district:dongcheng"]',
  },
);

/** `HH:MM`, 24-hour, city time. */
const localTimeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM (00:00 to 23:59), city time');

const ruleFields = ['id', 'indicator', 'areas', 'below', 'above', 'at'];

/** One alert rule: an indicator of some areas below or above a threshold, checked from a time of day on. */
export const alertRuleSchema = z
  .strictObject(
    {
      id: z
        .string()
        .max(64, 'must be at most 64 characters')
        .regex(/^[a-z0-9][a-z0-9-]*$/, 'must match ^[a-z0-9][a-z0-9-]*$ (lower-case letters, digits, dashes)')
        .describe('Names the rule in indicator.alert events and their webhook ids'),
      indicator: z
        .enum(indicatorNames as [IndicatorName, ...IndicatorName[]], {
          error: (issue) =>
            typeof issue.input === 'string'
              ? unknownNameMessage('indicator', issue.input, indicatorNames)
              : 'must be an indicator name (a name of GET /indicators answers)',
        })
        .describe('An indicator name of GET /indicators answers'),
      areas: alertAreasSchema.describe(
        'Every registered district, every registered street, the city, or these area keys',
      ),
      below: z.number().optional().describe('Breaks the rule when the value is less than this'),
      above: z.number().optional().describe('Breaks the rule when the value is more than this'),
      at: localTimeSchema.describe('From this time of the day on (city time) the day is checked'),
    },
    { error: unknownFieldsError(ruleFields) },
  )
  .refine((rule) => (rule.below === undefined) !== (rule.above === undefined), {
    message: 'give exactly one of below and above',
    // Said beside the rule's other problems, not only once they are fixed.
    when: ({ value }) => typeof value === 'object' && value !== null,
  });
export type AlertRule = z.infer<typeof alertRuleSchema>;

const silenceMinutesSchema = z
  .int('must be a whole number of minutes')
  .min(1, 'must be 1 to 10080 minutes')
  .max(10_080, 'must be 1 to 10080 minutes');

/** `PUT /reference/alerts`: indicator alert rules, and after how many minutes without records each feed is silent. */
export const alertsSchema = z
  .object({
    rules: z.array(alertRuleSchema).max(500).default([]),
    feeds: z
      .strictObject(
        {
          hotline: silenceMinutesSchema.optional(),
          'city-platform': silenceMinutesSchema.optional(),
          sanitation: silenceMinutesSchema.optional(),
        } satisfies Record<Source, z.ZodType>,
        { error: unknownFieldsError(sources, 'source') },
      )
      .default({})
      .describe(
        `Minutes without accepted records after which a source is silent (default ${DEFAULT_FEED_SILENCE_MINUTES})`,
      ),
  })
  .superRefine(({ rules }, context) => {
    const seen = new Set<string>();
    rules.forEach(({ id }, index) => {
      if (seen.has(id)) {
        context.addIssue({
          code: 'custom',
          path: ['rules', index, 'id'],
          message: `rule ${id} is listed twice`,
        });
      }
      seen.add(id);
    });
  });
export type AlertsSet = z.infer<typeof alertsSchema>;

/** The alerts set in force before any `PUT /reference/alerts`: no rules, every feed at the default silence. */
export const noAlerts: AlertsSet = { rules: [], feeds: {} };

/** `PUT /reference/alerts`: what was registered. */
export const alertsAnswerSchema = z.object({
  rules: countSchema,
  feeds: countSchema.describe('Sources given their own silence minutes'),
});
export type AlertsAnswer = z.infer<typeof alertsAnswerSchema>;

/** A share of a time limit strictly between 0 and 1. */
const yellowShareSchema = z
  .number()
  .gt(0, 'must be a share of the time limit above 0 and below 1')
  .lt(1, 'must be a share of the time limit above 0 and below 1');

/** `PUT /reference/supervision`: from which share of its time limit an open item shows yellow. */
export const supervisionSchema = z.strictObject(
  {
    yellowAt: yellowShareSchema.default(0.75).describe('For every category not listed (default 0.75)'),
    categories: z
      .record(z.string().trim().min(1).max(200), yellowShareSchema)
      .default({})
      .describe('Per ticket or case category, its own share'),
  },
  { error: unknownFieldsError(['yellowAt', 'categories']) },
);
export type SupervisionInput = z.infer<typeof supervisionSchema>;

/** `PUT /reference/supervision`: what was registered. */
export const supervisionAnswerSchema = z.object({
  yellowAt: z.number(),
  categories: countSchema.describe('Categories given their own share'),
});
export type SupervisionAnswer = z.infer<typeof supervisionAnswerSchema>;
