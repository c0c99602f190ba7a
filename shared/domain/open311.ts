import type { Unwrapped } from '#shared/domain/batch';
import { InvalidInputError } from '#shared/domain/errors';
import { describeIssues, toRecordErrors } from '#shared/schemas/messages';
import { open311BodySchema, open311RequestSchema, open311ToTicketEvents } from '#shared/schemas/open311';

/**
 * Reads `{"requests": [...]}` of Open311 GeoReport v2 service requests into hotline ticket events;
 * a request that is not valid GeoReport is rejected with its index, like a bad record.
 */
export const unwrapOpen311 = (body: unknown): Unwrapped => {
  const envelope = open311BodySchema.safeParse(body);
  if (!envelope.success) {
    throw new InvalidInputError(
      `body must be {"requests": [...]} with 1 to 1000 service requests (${describeIssues(envelope.error)})`,
    );
  }
  const result: Unwrapped = { candidates: [], rejected: [] };
  envelope.data.requests.forEach((item, index) => {
    const parsed = open311RequestSchema.safeParse(item);
    if (!parsed.success) {
      result.rejected.push({ index, record: item, errors: toRecordErrors(parsed.error) });
      return;
    }
    for (const record of open311ToTicketEvents(parsed.data))
      result.candidates.push({ index, record, original: item });
  });
  return result;
};
