import * as z from 'zod';
import type { qualityReport } from '#shared/domain/quality';
import { daysBetween } from '#shared/domain/time';
import { type Agree, areaKeySchema, dateSchema, limitParamSchema } from '#shared/schemas/common';
import { sourceSchema } from '#shared/schemas/ingest';
import { recordErrorSchema, unknownFieldsError } from '#shared/schemas/messages';
import { MAX_QUERY_DAYS } from '#shared/schemas/query';
import type { QueueName } from '#shared/topology';

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

/** `GET /quarantine` parameters. */
export const quarantineQuerySchema = z.object({
  source: sourceSchema.describe('Feed'),
  limit: limitParamSchema(1000, 100).describe('At most this many records, 1 to 1000 (default 100)'),
});

/** `GET /admin/quality` parameters: a range of days (at most 366), both ends included. */
export const qualityQuerySchema = z
  .object({
    from: dateSchema.describe('First day, YYYY-MM-DD'),
    to: dateSchema.describe('Last day (at most 366 days)'),
  })
  .superRefine((range, context) => rangeCheck('from')(range, context));

/** What recomputing one day did. */
export const dayOutcomeSchema = z.object({
  date: z.iso.date(),
  areas: z.int().min(0).describe('Areas that have data that day'),
  changed: z.array(areaKeySchema).describe('Areas whose values changed (a new revision was written)'),
  removed: z
    .array(areaKeySchema)
    .describe('Areas that no longer have data that day (their items were removed)'),
});

/** `POST /admin/recompute`: every day of the range, recomputed. */
export const recomputeAnswerSchema = z.object({ days: z.array(dayOutcomeSchema) });
export type RecomputeAnswer = z.infer<typeof recomputeAnswerSchema>;

/** A rejected record kept 30 days for `GET /quarantine`. */
export const quarantinedRecordSchema = z.object({
  source: sourceSchema,
  arrivedAt: z.iso.datetime(),
  requestId: z.string().describe('Request that brought it; records of one request share it'),
  index: z.int().min(0).describe('Position of the item in its request body'),
  errors: z.array(recordErrorSchema),
  record: z.string().describe('The record as received, as JSON, cut to 64 KiB'),
  truncated: z.boolean().describe('Whether record was cut'),
});
export type QuarantinedRecord = z.infer<typeof quarantinedRecordSchema>;

/** `GET /quarantine`: newest first. */
export const quarantineListSchema = z.object({ items: z.array(quarantinedRecordSchema) });
export type QuarantineList = z.infer<typeof quarantineListSchema>;

const countSchema = z.int().min(0);

/** `GET /admin/quality`: area codes the registry does not know, with record counts per code and per source. */
export const qualityReportSchema = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  unknownCodes: z
    .array(
      z.object({
        code: z
          .string()
          .meta({ description: 'district:<code> or street:<code>', examples: ['district:nowhere'] }),
        records: countSchema.describe('Records that name it'),
        bySource: z.partialRecord(sourceSchema, countSchema).describe('Records per source'),
      }),
    )
    .describe('Most records first'),
  bySource: z
    .partialRecord(sourceSchema, z.object({ records: countSchema, codes: countSchema }))
    .describe('Per source: records naming an unknown code, and how many codes'),
});
export type QualityReport = z.infer<typeof qualityReportSchema>;
true satisfies Agree<QualityReport, ReturnType<typeof qualityReport>>;

/** The queues whose dead letters `POST /admin/redrive` moves (the keys of shared/topology.ts `queues`). */
export const redriveQueueNames = ['facts', 'coverage', 'fanout', 'delivery', 'recompute'] as const;
true satisfies Agree<(typeof redriveQueueNames)[number], QueueName>;

/**
 * `POST /admin/redrive` body: one queue or every queue; a dry run moves nothing. Other fields are
 * refused, so that a misspelt `dryRun` never turns a dry run into a real one.
 */
export const redriveRequestSchema = z.strictObject(
  {
    queue: z
      .enum(redriveQueueNames)
      .optional()
      .describe('The queue whose dead letters to move back (default: every queue)'),
    dryRun: z
      .boolean()
      .default(false)
      .describe('List what would move (count and a sample) without moving anything'),
  },
  { error: unknownFieldsError(['queue', 'dryRun']) },
);
export type RedriveRequest = z.infer<typeof redriveRequestSchema>;

/** One dead letter of a sample. */
export const deadLetterSampleSchema = z.object({
  messageId: z.string(),
  detailType: z
    .string()
    .optional()
    .describe('detail-type of the bus event the message carries, when it carries one'),
  error: z
    .string()
    .optional()
    .describe(
      'Why it failed, when the queue knows (locally: the last error; on AWS only for events the bus could not deliver)',
    ),
});
export type DeadLetterSample = z.infer<typeof deadLetterSampleSchema>;

/** What redriving one queue found or did. */
export const redriveQueueOutcomeSchema = z.object({
  queue: z.enum(redriveQueueNames),
  deadLetters: z.int().min(0).describe('Messages in the dead-letter queue (approximate on AWS)'),
  sample: z.array(deadLetterSampleSchema).describe('Up to 10 of them (dry run only; empty otherwise)'),
  moved: z
    .int()
    .min(0)
    .describe('Messages moved back to the queue (0 in a dry run); on AWS the move runs on after the answer'),
  taskHandle: z.string().optional().describe('The SQS message move task moving them (AWS)'),
});
export type RedriveQueueOutcome = z.infer<typeof redriveQueueOutcomeSchema>;

/** `POST /admin/redrive` answer. */
export const redriveAnswerSchema = z.object({
  dryRun: z.boolean(),
  queues: z.array(redriveQueueOutcomeSchema),
  moved: z.int().min(0).describe('Sum of moved over the queues'),
});
export type RedriveAnswer = z.infer<typeof redriveAnswerSchema>;
