import type { EventPublisher } from '#shared/app/ports';
import { type Unwrapped, unwrapRecords } from '#shared/domain/batch';
import { DependencyError, InProgressError } from '#shared/domain/errors';
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

/** The eventIds accepted before, per source: how a resent record is recognised as a duplicate. */
export interface AcceptedEvents {
  /** Which of these eventIds were accepted before for `source`. */
  findAccepted(source: Source, eventIds: readonly string[]): Promise<Set<string>>;
  /** Remembers that these eventIds were accepted for `source`. */
  markAccepted(source: Source, eventIds: readonly string[], acceptedAt: string): Promise<void>;
}

/** The outcome of claiming a webhook-id: ours to process, or the first answer, or still in progress. */
export type WebhookClaim = { claimed: true } | { claimed: false; answer?: IngestAnswer };

/** The first answer to each `webhook-id` (CONTRACT §2). */
export interface WebhookReplies {
  /** Claims a webhook-id for one request, or returns the first answer (none while it is in flight). */
  claimReply(source: Source, webhookId: string, now: number): Promise<WebhookClaim>;
  /** Gives up a claim (the request failed before answering), so the source's retry is processed. */
  releaseReply(source: Source, webhookId: string): Promise<void>;
  /** Stores the answer to a claimed webhook-id. */
  saveReply(source: Source, webhookId: string, answer: IngestAnswer, now: number): Promise<void>;
}

/** Where rejected records are kept with their errors (`GET /quarantine`). */
export interface Quarantine {
  quarantine(
    source: Source,
    entries: readonly { index: number; record: unknown; errors: RecordError[] }[],
    requestId: string,
    now: number,
  ): Promise<void>;
}

/** Records when a feed last had records accepted (`GET /feeds`). */
export interface FeedFreshnessWriter {
  markFeedFresh(source: Source, acceptedAt: string): Promise<void>;
}

/** What ingest needs from the outside world. */
export interface IngestDeps {
  readonly accepted: AcceptedEvents;
  readonly replies: WebhookReplies;
  readonly quarantine: Quarantine;
  readonly feeds: FeedFreshnessWriter;
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

/** Size of a record as JSON, without the points of a sanitation batch (they travel in parts). */
const recordBytes = (record: object): number =>
  Buffer.byteLength(JSON.stringify('points' in record ? { ...record, points: [] } : record));

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
  const claim = await deps.replies.claimReply(source, webhookId, now);
  if (!claim.claimed) {
    if (claim.answer) return { status: 200, answer: claim.answer };
    throw new InProgressError(
      `a request with webhook-id ${webhookId} is still being processed; retry in a few seconds`,
    );
  }
  try {
    const outcome = await processBatch(request, deps, now);
    await deps.replies.saveReply(source, webhookId, outcome.answer, now);
    return outcome;
  } catch (error) {
    await deps.replies.releaseReply(source, webhookId).catch(() => undefined);
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

  const acceptedBefore = await deps.accepted.findAccepted(
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
  await deps.accepted.markAccepted(source, [...fresh.keys()], acceptedAt);
  if (rejected.length > 0) await deps.quarantine.quarantine(source, rejected, request.requestId, now);
  // Feed freshness (GET /feeds): one write per batch that brought new records, not one per record. It
  // only informs the dashboard, so failing it never fails a batch whose records are already accepted.
  if (fresh.size > 0) await deps.feeds.markFeedFresh(source, acceptedAt).catch(() => undefined);

  const answer: IngestAnswer = {
    accepted: fresh.size,
    duplicates: valid.length - fresh.size,
    rejected: rejected.map(({ index, errors }) => ({ index, errors })),
  };
  return { status: answer.accepted + answer.duplicates > 0 ? 202 : 422, answer };
};
