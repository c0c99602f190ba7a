import { InvalidInputError } from '#shared/domain/errors';
import { ingestBodySchema, type RecordError } from '#shared/schemas/ingest';
import { describeIssues } from '#shared/schemas/messages';

/** A record to validate, with the index of the body item it came from. */
export interface Candidate {
  readonly index: number;
  readonly record: unknown;
  /** The body item, when the record was translated from it (kept in the quarantine instead). */
  readonly original?: unknown;
}

/** What a body holds: records to validate, and items already rejected while reading it. */
export interface Unwrapped {
  readonly candidates: Candidate[];
  readonly rejected: { index: number; record: unknown; errors: RecordError[] }[];
}

/** Reads `{"records": [...]}`; anything else is a 400. */
export const unwrapRecords = (body: unknown): Unwrapped => {
  const envelope = ingestBodySchema.safeParse(body);
  if (!envelope.success) {
    throw new InvalidInputError(
      `body must be {"records": [...]} with 1 to 1000 records (${describeIssues(envelope.error)})`,
    );
  }
  return { candidates: envelope.data.records.map((record, index) => ({ index, record })), rejected: [] };
};
