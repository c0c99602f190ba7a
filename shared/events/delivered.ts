import * as z from 'zod';

/** The envelope EventBridge wraps around a detail when it delivers to a queue. */
export const deliveredEventSchema = z.looseObject({
  id: z.string(),
  source: z.string(),
  'detail-type': z.string(),
  time: z.string(),
  detail: z.unknown(),
});

/** Parses an SQS message body holding an EventBridge event and validates its detail. */
export const deliveredDetail = <Schema extends z.ZodType>(body: string, schema: Schema): z.infer<Schema> =>
  schema.parse(deliveredEventSchema.parse(JSON.parse(body)).detail);
