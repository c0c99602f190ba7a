import type { EventPublisher } from '#shared/adapters/event-publisher';
import type { FactsRepository } from '#shared/adapters/facts-repository';
import { DependencyError, InProgressError, InvalidInputError } from '#shared/domain/errors';
import { recordAcceptedEvents } from '#shared/events/record-accepted';
import {
  type IngestAnswer,
  ingestBodySchema,
  MAX_RECORD_BYTES,
  parseRecord,
  type RecordError,
  type Source,
} from '#shared/schemas/ingest';
import { capErrors, describeIssues } from '#shared/schemas/issues';

/** What ingest needs from the outside world. */
export interface IngestDeps {
  readonly facts: Pick<
    FactsRepository,
    | 'findAccepted'
    | 'markAccepted'
    | 'markFeedFresh'
    | 'claimReply'
    | 'releaseReply'
    | 'saveReply'
    | 'quarantine'
  >;
  readonly publisher: EventPublisher;
  readonly now: () => number;
}

/** One verified ingest request. */
export interface IngestRequest {
  readonly source: Source;
  /** The parsed JSON body. */
  readonly body: unknown;
  /** The Standard Webhooks `webhook-id` the request was signed with. */
  readonly webhookId: string;
  /** Request id, to group quarantined records of one request. */
  readonly requestId: string;
  /** Reads the records out of the body; default: `{"records": [...]}` (CONTRACT §4). */
  readonly unwrap?: (body: unknown) => Unwrapped;
}

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

/** Size of a record as JSON, without the points of a sanitation batch (they travel in parts). */
const recordBytes = (record: object): number =>
  Buffer.byteLength(JSON.stringify('points' in record ? { ...record, points: [] } : record));

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

/** The HTTP status and body of an ingest answer (CONTRACT §4). */
export interface IngestOutcome {
  readonly status: 200 | 202 | 422;
  readonly answer: IngestAnswer;
}

/**
 * Takes one signed batch: answers a replayed webhook-id from its first answer (and a webhook-id still
 * in flight with 409); otherwise validates
 * each record, drops eventIds accepted before, publishes the rest to the bus, remembers them, and
 * quarantines the rejected ones. Nothing is acknowledged before it is on the bus.
 */
export const ingest = async (request: IngestRequest, deps: IngestDeps): Promise<IngestOutcome> => {
  const { source, webhookId } = request;
  const now = deps.now();
  const claim = await deps.facts.claimReply(source, webhookId, now);
  if (!claim.claimed) {
    if (claim.answer) return { status: 200, answer: claim.answer };
    throw new InProgressError(
      `a request with webhook-id ${webhookId} is still being processed; retry in a few seconds`,
    );
  }
  try {
    const outcome = await processBatch(request, deps, now);
    await deps.facts.saveReply(source, webhookId, outcome.answer, now);
    return outcome;
  } catch (error) {
    await deps.facts.releaseReply(source, webhookId).catch(() => undefined);
    throw error;
  }
};

const processBatch = async (
  request: IngestRequest,
  deps: IngestDeps,
  now: number,
): Promise<IngestOutcome> => {
  const { source } = request;

  const unwrapped = (request.unwrap ?? unwrapRecords)(request.body);
  const rejectedAt = new Map(unwrapped.rejected.map((entry) => [entry.index, entry]));
  const valid: { eventId: string; record: unknown }[] = [];
  for (const { index, record, original } of unwrapped.candidates) {
    const parsed = parseRecord(source, record);
    const bytes = parsed.success ? recordBytes(parsed.data) : 0;
    if (parsed.success && bytes <= MAX_RECORD_BYTES) {
      valid.push({ eventId: parsed.data.eventId, record: parsed.data });
      continue;
    }
    const errors = parsed.success
      ? [
          {
            path: '$',
            message: `record is ${bytes} bytes as JSON; at most ${MAX_RECORD_BYTES} (points not counted)`,
          },
        ]
      : parsed.errors;
    const earlier = rejectedAt.get(index);
    if (earlier) earlier.errors.push(...errors);
    else rejectedAt.set(index, { index, record: original ?? record, errors });
  }
  const rejected = [...rejectedAt.values()]
    .map((entry) => ({ ...entry, errors: capErrors(entry.errors) }))
    .sort((a, b) => a.index - b.index);

  const acceptedBefore = await deps.facts.findAccepted(
    source,
    valid.map(({ eventId }) => eventId),
  );
  const fresh = new Map<string, unknown>();
  for (const { eventId, record } of valid) {
    if (!acceptedBefore.has(eventId) && !fresh.has(eventId)) fresh.set(eventId, record);
  }

  const acceptedAt = new Date(now).toISOString();
  try {
    await deps.publisher.publish(
      [...fresh.values()].flatMap((record) => recordAcceptedEvents(source, acceptedAt, record)),
    );
  } catch (error) {
    throw new DependencyError(`could not publish records to the bus: ${(error as Error).message}`);
  }
  await deps.facts.markAccepted(source, [...fresh.keys()], acceptedAt);
  if (rejected.length > 0) await deps.facts.quarantine(source, rejected, request.requestId, now);
  // Feed freshness (GET /feeds): one write per batch that brought new records, not one per record. It
  // only informs the dashboard, so failing it never fails a batch whose records are already accepted.
  if (fresh.size > 0) await deps.facts.markFeedFresh(source, acceptedAt).catch(() => undefined);

  const answer: IngestAnswer = {
    accepted: fresh.size,
    duplicates: valid.length - fresh.size,
    rejected: rejected.map(({ index, errors }) => ({ index, errors })),
  };
  return { status: answer.accepted + answer.duplicates > 0 ? 202 : 422, answer };
};
