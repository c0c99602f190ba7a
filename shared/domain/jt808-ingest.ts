import * as z from 'zod';
import type { Unwrapped } from '#shared/domain/batch';
import { InvalidInputError } from '#shared/domain/errors';
import { decodeFrames, type WorkingFlagSource } from '#shared/domain/jt808';
import { idSchema } from '#shared/schemas/common';
import { capErrors, describeIssues, MAX_LISTED_ERRORS, toRecordErrors } from '#shared/schemas/messages';

/** One record of `POST /ingest/sanitation/jt808`: a vehicle's JT/T 808 location report and batch upload frames. */
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
 * Reads `{"records": [{eventId, vehicleId, frames: ["7e0200…7e", …]}]}` into sanitation batches: each
 * 0x0200 location report and each item of a 0x0704 location batch upload becomes a point, sub-packaged
 * messages are put back together from the record's frames (see {@link decodeFrames}). Each refusal — a
 * bad frame, a bad batch item, a sub-packaged message with missing or conflicting packages — is listed
 * (and quarantined) under its record's index with the decoder's reason at `frames[i]` (for a
 * sub-packaged message, its first frame in the record), the first {@link MAX_LISTED_ERRORS} of them. A
 * record keeps its good points; a record with no good point is rejected whole.
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
      const decoded = decodeFrames(frames, working);
      const points = decoded.points.map(({ t, lat, lon, speedKmh, working: isWorking }) => ({
        t,
        lat,
        lon,
        speedKmh,
        ...(isWorking === undefined ? {} : { working: isWorking }),
      }));
      // Past the listed ones, refusals only make the last "more problems" entry.
      const errors = decoded.errors
        .slice(0, MAX_LISTED_ERRORS + 1)
        .map(({ frame, reason }) => ({ path: `frames[${frame}]`, message: reason }));
      if (errors.length > 0) result.rejected.push({ index, record: item, errors: capErrors(errors) });
      if (points.length > 0) result.candidates.push({ index, record: { ...record, points }, original: item });
    });
    return result;
  };
