import * as z from 'zod';
import type { Unwrapped } from '#shared/domain/batch';
import { InvalidInputError } from '#shared/domain/errors';
import { decodeLocationFrame, type WorkingFlagSource } from '#shared/domain/jt808';
import { idSchema } from '#shared/schemas/common';
import { capErrors, describeIssues, MAX_LISTED_ERRORS, toRecordErrors } from '#shared/schemas/messages';

/** One record of `POST /ingest/sanitation/jt808`: a vehicle's JT/T 808 location report frames. */
export const jt808RecordSchema = z.looseObject({
  eventId: idSchema,
  vehicleId: idSchema,
  frames: z
    .array(z.string().max(4096))
    .min(1, 'must hold at least 1 frame')
    .max(10_000, 'must hold at most 10000 frames'),
});

const bodySchema = z.object({
  records: z
    .array(z.unknown())
    .min(1, 'records must hold at least 1 record')
    .max(1000, 'records must hold at most 1000 records'),
});

/**
 * Reads `{"records": [{eventId, vehicleId, frames: ["7e0200…7e", …]}]}` into sanitation batches:
 * each good frame becomes a point; each bad frame is listed (and quarantined) under its record's
 * index with the decoder's reason at `frames[i]` (the first {@link MAX_LISTED_ERRORS} of them). A
 * record keeps its good frames; a record with no good frame is rejected whole.
 */
export const unwrapJt808 =
  (working: WorkingFlagSource) =>
  (body: unknown): Unwrapped => {
    const envelope = bodySchema.safeParse(body);
    if (!envelope.success) {
      throw new InvalidInputError(
        `body must be {"records": [...]} with 1 to 1000 records (${describeIssues(envelope.error)})`,
      );
    }
    const result: Unwrapped = { candidates: [], rejected: [] };
    envelope.data.records.forEach((item, index) => {
      const parsed = jt808RecordSchema.safeParse(item);
      if (!parsed.success) {
        result.rejected.push({ index, record: item, errors: toRecordErrors(parsed.error) });
        return;
      }
      const { frames, ...record } = parsed.data;
      const points = [];
      const errors = [];
      for (const [position, frame] of frames.entries()) {
        const decoded = decodeLocationFrame(frame, working);
        if (!decoded.ok) {
          // Past the listed ones, bad frames only make the last "more problems" entry.
          if (errors.length <= MAX_LISTED_ERRORS)
            errors.push({ path: `frames[${position}]`, message: decoded.reason });
          continue;
        }
        const { t, lat, lon, speedKmh, working: isWorking } = decoded.point;
        points.push({ t, lat, lon, speedKmh, ...(isWorking === undefined ? {} : { working: isWorking }) });
      }
      if (errors.length > 0) result.rejected.push({ index, record: item, errors: capErrors(errors) });
      if (points.length > 0) result.candidates.push({ index, record: { ...record, points }, original: item });
    });
    return result;
  };
