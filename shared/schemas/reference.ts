import { z } from 'zod';
import { areaCodeSchema, dateSchema } from '#shared/schemas/common';

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
          message: `${key} is listed twice`,
        });
      }
      seen.add(key);
      if (properties.level === 'street' && (!properties.parent || !districts.has(properties.parent))) {
        context.addIssue({
          code: 'custom',
          path: ['features', index, 'properties', 'parent'],
          message: `street ${properties.code} must name a district of this collection as parent (got ${properties.parent ?? 'none'})`,
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
        message: `dates cannot be both holiday and workday: ${both.join(', ')}`,
      });
    }
  });
export type CalendarInput = z.infer<typeof calendarSchema>;
