import * as z from 'zod';
import { areaCodeSchema, dateSchema } from '#shared/schemas/common';
import { excerpt } from '#shared/schemas/messages';

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
