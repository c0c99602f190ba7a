import * as z from 'zod';
import { areaCodeSchema, idSchema, instantSchema, locationSchema } from '#shared/schemas/common';
import {
  capErrors,
  closestName,
  excerpt,
  formatPath,
  MAX_LISTED_ERRORS,
  type RecordError,
  recordErrorSchema,
  toRecordErrors,
} from '#shared/schemas/messages';

/** The problems of a rejected record, listed in the answer and kept in the quarantine. */
export type { RecordError };

/** The three feeds cityhub takes in (CONTRACT §4). */
export const sources = ['hotline', 'city-platform', 'sanitation'] as const;
export const sourceSchema = z.enum(sources);
export type Source = z.infer<typeof sourceSchema>;

export const ticketEventTypes = [
  'received',
  'dispatched',
  'replied',
  'closed',
  'reopened',
  'callback',
] as const;

/** One 12345 hotline ticket lifecycle event. Unknown fields are kept. */
export const hotlineRecordSchema = z.looseObject({
  eventId: idSchema,
  ticketId: idSchema,
  type: z.enum(ticketEventTypes),
  occurredAt: instantSchema,
  category: z.string().trim().min(1, 'must not be empty').max(200),
  severity: z.enum(['minor', 'major', 'difficult']).optional(),
  deadlineAt: instantSchema.optional(),
  district: areaCodeSchema.optional(),
  street: areaCodeSchema.optional(),
  location: locationSchema.optional(),
  satisfaction: z.enum(['satisfied', 'neutral', 'dissatisfied']).optional(),
  channel: z.string().max(100).optional(),
});
export type HotlineRecord = z.infer<typeof hotlineRecordSchema>;

export const caseEventTypes = [
  'reported',
  'filed',
  'dispatched',
  'handled',
  'rework',
  'closed',
  'suspended',
  'resumed',
  'extended',
  'cancelled',
] as const;

/** One digital city-management (数字城管) case lifecycle event. Unknown fields are kept. */
export const cityPlatformRecordSchema = z.looseObject({
  eventId: idSchema,
  caseId: idSchema,
  type: z.enum(caseEventTypes),
  occurredAt: instantSchema,
  kind: z.enum(['component', 'event']).optional(),
  category: z.string().trim().min(1, 'must not be empty').max(200),
  subcategory: z.string().max(200).optional(),
  deadlineAt: instantSchema.optional(),
  urgent: z.boolean().optional(),
  district: areaCodeSchema.optional(),
  street: areaCodeSchema.optional(),
  grid: z.string().max(100).optional(),
  location: locationSchema.optional(),
  origin: z.enum(['inspector', 'hotline', 'video', 'public']).optional(),
  linkedTicketId: idSchema.optional(),
});
export type CityPlatformRecord = z.infer<typeof cityPlatformRecordSchema>;

/** Most points in one sanitation batch (CONTRACT §4). */
export const MAX_POINTS_PER_BATCH = 10_000;

export const trackPointSchema = z.object({
  t: instantSchema,
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  speedKmh: z.number().min(0).optional(),
  working: z.boolean().optional(),
});

/** One batch of GPS points of one sanitation vehicle. Unknown fields are kept. */
export const sanitationRecordSchema = z.looseObject({
  eventId: idSchema,
  vehicleId: idSchema,
  points: z
    .array(trackPointSchema)
    .min(1, 'must hold at least 1 point')
    .max(MAX_POINTS_PER_BATCH, `must hold at most ${MAX_POINTS_PER_BATCH} points`),
});
export type SanitationRecord = z.infer<typeof sanitationRecordSchema>;

/** A ticket event as stored in its ticket: the known fields only (the bus archive keeps the whole record). */
export const hotlineEventSchema = z.object(hotlineRecordSchema.shape);
/** A case event as stored in its case: the known fields only. */
export const cityPlatformEventSchema = z.object(cityPlatformRecordSchema.shape);

const hotlineKeys = new Set(Object.keys(hotlineRecordSchema.shape));
const cityPlatformKeys = new Set(Object.keys(cityPlatformRecordSchema.shape));

/**
 * The known fields of a record that already passed its schema, without parsing it again: its unknown
 * top-level fields dropped (nested objects such as `location` kept no unknown fields when parsed).
 */
export const knownFields = <Record extends HotlineRecord | CityPlatformRecord>(
  source: 'hotline' | 'city-platform',
  record: Record,
): Record => {
  const keys = source === 'hotline' ? hotlineKeys : cityPlatformKeys;
  return Object.fromEntries(Object.entries(record).filter(([key]) => keys.has(key))) as Record;
};

/** Largest record accepted, as JSON (a sanitation batch without its points): events travel on the bus whole. */
export const MAX_RECORD_BYTES = 64 * 1024;

/** Record schema of each source. */
export const recordSchemas = {
  hotline: hotlineRecordSchema,
  'city-platform': cityPlatformRecordSchema,
  sanitation: sanitationRecordSchema,
} as const satisfies Record<Source, z.ZodType<{ eventId: string }>>;

const sanitationWithoutPointsSchema = sanitationRecordSchema.omit({ points: true });

/**
 * Problems of the points of a sanitation batch, looked for point by point until more than
 * {@link MAX_LISTED_ERRORS} are found: a batch of 10,000 bad points costs no more than one of a few, where
 * parsing it whole would build 30,000 issues (and 1000 such records, gigabytes).
 */
const firstBadPoints = (record: unknown): RecordError[] => {
  const points =
    typeof record === 'object' && record !== null && 'points' in record ? record.points : undefined;
  if (!Array.isArray(points) || points.length > MAX_POINTS_PER_BATCH) return [];
  const errors: RecordError[] = [];
  for (let index = 0; index < points.length && errors.length <= MAX_LISTED_ERRORS; index += 1) {
    const parsed = trackPointSchema.safeParse(points[index]);
    if (!parsed.success) errors.push(...toRecordErrors(parsed.error, ['points', index]));
  }
  return errors;
};

/** The top-level field names of each source's records. */
const recordKeys: Readonly<Record<Source, readonly string[]>> = {
  hotline: [...hotlineKeys],
  'city-platform': [...cityPlatformKeys],
  sanitation: Object.keys(sanitationRecordSchema.shape),
};

/** An unknown field of a record, and the known one it most likely misspells (if any is close). */
interface UnknownField {
  readonly name: string;
  readonly meant: string | undefined;
}

const unknownFieldsOf = (source: Source, record: unknown): UnknownField[] => {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return [];
  const known = recordKeys[source];
  return Object.keys(record)
    .filter((name) => !known.includes(name))
    .map((name) => ({ name, meant: closestName(name, known) }));
};

const unknownFieldProblem = ({ name, meant }: UnknownField): RecordError => ({
  path: formatPath([name]),
  message: `unknown field "${excerpt(name)}"${meant ? `; did you mean "${meant}"?` : ''}`,
});

/**
 * A record of a source, parsed, with warnings about its unknown top-level fields (accepted, kept on
 * the bus event, unused); or its problems, at most {@link MAX_LISTED_ERRORS} and a last "more" entry.
 */
export type ParsedRecord =
  | {
      readonly success: true;
      readonly data: z.infer<(typeof recordSchemas)[Source]>;
      readonly warnings: RecordError[];
    }
  | { readonly success: false; readonly errors: RecordError[] };

/**
 * Validates one record of `source` with its schema, listing at most {@link MAX_LISTED_ERRORS} problems.
 * A rejected record's unknown fields that are close to a known name are problems too (`unknown field
 * "occuredAt"; did you mean "occurredAt"?`), so the missing field's error names the misspelling; an
 * accepted record's unknown fields are warnings.
 */
export const parseRecord = (source: Source, record: unknown): ParsedRecord => {
  const unknown = unknownFieldsOf(source, record);
  const misspelt = unknown.filter((field) => field.meant !== undefined).map(unknownFieldProblem);
  if (source === 'sanitation') {
    const badPoints = firstBadPoints(record);
    if (badPoints.length > 0) {
      const rest = sanitationWithoutPointsSchema.safeParse(record);
      return {
        success: false,
        errors: capErrors([...misspelt, ...(rest.success ? [] : toRecordErrors(rest.error)), ...badPoints]),
      };
    }
  }
  const parsed = recordSchemas[source].safeParse(record);
  if (!parsed.success) {
    return { success: false, errors: capErrors([...misspelt, ...toRecordErrors(parsed.error)]) };
  }
  const warnings = unknown.map((field) => {
    const problem = unknownFieldProblem(field);
    return { ...problem, message: `${problem.message} (accepted; cityhub does not use it)` };
  });
  return { success: true, data: parsed.data, warnings: capErrors(warnings) };
};

/** Limits of one ingest request (CONTRACT §4). */
export const ingestLimits = { maxRecords: 1000, maxBytes: 5 * 1024 * 1024 } as const;

/** The envelope every ingest body must have; records are validated one by one afterwards. */
export const ingestBodySchema = z.object({
  records: z
    .array(z.unknown())
    .min(1, 'records must hold at least 1 record')
    .max(ingestLimits.maxRecords, `records must hold at most ${ingestLimits.maxRecords} records`),
});

/** The answer to an ingest request (202, 422, and replays of either). */
export const ingestAnswerSchema = z.object({
  accepted: z.int().min(0).describe('Records stored now'),
  duplicates: z.int().min(0).describe('Records whose eventId was accepted before (nothing changed)'),
  rejected: z
    .array(
      z.object({
        index: z.int().min(0).describe('Position of the item in the body'),
        errors: z
          .array(recordErrorSchema)
          .describe(`At most ${MAX_LISTED_ERRORS}, then one saying there are more`),
      }),
    )
    .describe('Items refused (and quarantined), in body order'),
  warnings: z
    .array(
      z.object({
        index: z.int().min(0).describe('Position of the record in the body'),
        path: z.string().describe('The field, e.g. colour'),
        message: z.string().describe('What is odd about it, e.g. unknown field "colour"'),
      }),
    )
    .optional()
    .describe('Present when accepted records carry fields cityhub does not know: accepted, unused'),
});
export type IngestAnswer = z.infer<typeof ingestAnswerSchema>;
