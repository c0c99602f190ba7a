import { createHash } from 'node:crypto';
import type { EventPublisher } from '#shared/app/ports';
import { type Unwrapped, unwrapRecords } from '#shared/domain/batch';
import type { EntityKind } from '#shared/domain/entity-events';
import { ConflictError, DependencyError } from '#shared/domain/errors';
import { toEpochMs } from '#shared/domain/time';
import { recordAcceptedEvents } from '#shared/events/record-accepted';
import {
  type CityPlatformRecord,
  type HotlineRecord,
  type IngestAnswer,
  knownFields,
  MAX_RECORD_BYTES,
  parseRecord,
  type RecordError,
  type SanitationRecord,
  type Source,
} from '#shared/schemas/ingest';
import { capErrors, excerpt } from '#shared/schemas/messages';

/** What recognises a GPS record when it comes again: its eventId, its vehicle and its earliest point. */
export interface GpsRecordId {
  readonly eventId: string;
  readonly vehicleId: string;
  /** Epoch ms of the record's earliest point (by time, not by position in `points`). */
  readonly firstPointMs: number;
}

/**
 * The GPS records accepted before: how a resent record is recognised as a duplicate. A record is
 * recognised by its eventId among the records of vehicles of its shard whose earliest point falls in
 * the same minute (the store keeps eventIds in such buckets).
 */
export interface AcceptedGpsRecords {
  /** The eventIds of these records that were accepted before. */
  findAccepted(records: readonly GpsRecordId[]): Promise<Set<string>>;
  /** Remembers that these records were accepted. */
  markAccepted(records: readonly GpsRecordId[]): Promise<void>;
}

/** What storing one event found: stored now, stored by an earlier try of this request, or stored before. */
export type StoreOutcome = 'stored' | 'stored-by-this-request' | 'duplicate';

/**
 * Where ticket and case events are stored, each once per entity: the write is conditional on the
 * event's absence, so it is also the deduplication.
 */
export interface EventWriter {
  /**
   * The stored events among these, by `eventPairKey`, with the webhook-id each came with (an
   * eventually consistent read: an event stored a moment ago may be missed).
   */
  findStored(
    kind: EntityKind,
    events: readonly { entityId: string; eventId: string }[],
  ): Promise<Map<string, string | undefined>>;
  /**
   * Stores each event unless its entity has an event with its id; an event stored under the same
   * `webhookId` (an earlier try of this request that failed to publish) counts as this request's.
   * The events name distinct (entity, event) pairs.
   */
  storeEvents(
    kind: EntityKind,
    events: readonly { entityId: string; event: { eventId: string } }[],
    webhookId: string,
    acceptedAt: string,
  ): Promise<StoreOutcome[]>;
}

/** The key of one event of one entity. */
export const eventPairKey = (entityId: string, eventId: string): string =>
  JSON.stringify([entityId, eventId]);

/** The first answer to each `webhook-id` of a source, kept 24 hours (CONTRACT §2). */
/** The first answer to a webhook-id: its status, its body, and the digest of the request's body. */
export interface StoredReply {
  readonly status: 202 | 422;
  readonly answer: IngestAnswer;
  /** SHA-256 of the request's body (base64url); absent on answers kept before digests were. */
  readonly bodyDigest?: string | undefined;
}

/**
 * The GPS records one small request brought, kept with its webhook-id's answer (the one write the
 * request costs anyway) instead of taking a bus entry of their own; see {@link ingest}.
 */
export interface RelayedRecords {
  /** When ingest accepted them (ISO 8601). */
  readonly acceptedAt: string;
  /** The records to announce: those accepted now and those sent again (announced again, as ingest does). */
  readonly records: readonly SanitationRecord[];
}

/** GPS records packed to travel with their request's answer (opaque to ingest). */
export type RelayPayload = Uint8Array;

export interface WebhookReplies {
  /** The first answer to a webhook-id, if one is kept. */
  findReply(source: Source, webhookId: string, now: number): Promise<StoredReply | undefined>;
  /**
   * The records packed to travel with this answer, when that costs the answer's write nothing more
   * (its item stays within one write unit); undefined otherwise.
   */
  packRelay(
    source: Source,
    webhookId: string,
    reply: StoredReply,
    now: number,
    relayed: RelayedRecords,
  ): RelayPayload | undefined;
  /**
   * Keeps the answer (with the records to relay, if given) unless the webhook-id has one already (a
   * request with the same id answered meanwhile); returns that earlier answer, or undefined when this
   * one was kept. Records kept with an answer reach the bus through the store's stream (`relay`).
   */
  saveReply(
    source: Source,
    webhookId: string,
    reply: StoredReply,
    now: number,
    relay?: RelayPayload,
  ): Promise<StoredReply | undefined>;
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
  readonly accepted: AcceptedGpsRecords;
  readonly events: EventWriter;
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
  /**
   * SHA-256 of the body as received (base64url): a webhook-id answers again only the same body.
   * Default: the digest of the parsed body as JSON.
   */
  readonly bodyDigest?: string | undefined;
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
  readonly status: 202 | 422;
  readonly answer: IngestAnswer;
  /** The first answer to the webhook-id, given again: nothing was ingested by this request. */
  readonly replayed?: boolean;
}

/**
 * Takes one signed batch: answers a replayed webhook-id from its first answer; otherwise validates
 * each record, publishes the new ones to the bus, then stores each ticket or case event with its
 * entity (one conditional write: an event another request stored meanwhile is answered as a duplicate
 * and counts once) or marks each GPS record accepted, and quarantines the rejected ones. Nothing is
 * acknowledged before it is on the bus and stored. Records accepted before are answered as duplicates
 * and announced again for their consumers (never stored again): a source's resend is the way back for
 * a record whose first announcement ended in a dead-letter queue. A small GPS request's records are
 * stored with its answer instead, and reach the bus through the relay (see {@link relay}).
 */
export const ingest = async (request: IngestRequest, deps: IngestDeps): Promise<IngestOutcome> => {
  const bodyDigest =
    request.bodyDigest ?? createHash('sha256').update(JSON.stringify(request.body)).digest('base64url');
  const now = deps.now();
  if (request.source === 'sanitation') {
    // Validation and the GPS dedupe read store nothing: a small request's records then travel with
    // its answer, whose conditional write is also the webhook-id's check.
    const batch = await prepare(request, deps, now);
    const relayed = await relay(request, batch, bodyDigest, deps, now);
    return relayed ?? answerOnce(request, bodyDigest, now, deps, () => take(request, batch, deps, now));
  }
  return answerOnce(request, bodyDigest, now, deps, async () =>
    take(request, await prepare(request, deps, now), deps, now),
  );
};

/**
 * Answers a webhook-id once: a replayed id from its first answer; otherwise takes the batch and keeps
 * its answer. Two requests with one webhook-id at the same moment both run: their records count once
 * (the stores are conditional), and the one that answers second answers with the first one's answer.
 */
const answerOnce = async (
  request: IngestRequest,
  bodyDigest: string,
  now: number,
  deps: IngestDeps,
  takeBatch: () => Promise<IngestOutcome>,
): Promise<IngestOutcome> => {
  const { source, webhookId } = request;
  const first = await deps.replies.findReply(source, webhookId, now);
  if (first) return replay(first, webhookId, bodyDigest);
  const outcome = await takeBatch();
  const earlier = await deps.replies.saveReply(
    source,
    webhookId,
    { status: outcome.status, answer: outcome.answer, bodyDigest },
    now,
  );
  if (!earlier) return outcome;
  // Another body under the same id, sent at the same moment, was answered first: this one's records
  // are taken by now, and its own answer says so (a 409 would claim nothing was).
  if (earlier.bodyDigest !== undefined && earlier.bodyDigest !== bodyDigest) return outcome;
  return replay(earlier, webhookId, bodyDigest);
};

/**
 * A small GPS request: its records travel with its answer (when they fit in the answer's one write
 * unit), which the replies' stream takes to the relay function; they cost no bus entry or queue
 * message of their own, and the relay marks them accepted with those of other requests. The answer is
 * written only if the webhook-id has none: a replayed id gets its first answer (or 409 for another
 * body), and nothing of this request is kept. Undefined when the request is not one to relay.
 */
const relay = async (
  request: IngestRequest,
  batch: PreparedBatch,
  bodyDigest: string,
  deps: IngestDeps,
  now: number,
): Promise<IngestOutcome | undefined> => {
  const { source, webhookId } = request;
  const { fresh, resent, rejected, acceptedAt } = batch;
  // A request with rejected records goes the usual way: they are quarantined before its answer is
  // kept, so a failure in between loses none of them, and a refused id quarantines nothing.
  if (fresh.size + resent.length === 0 || rejected.length > 0) return undefined;
  const outcome = answerOf(fresh.size, batch.valid.length, rejected, batch.warnings);
  const reply = { status: outcome.status, answer: outcome.answer, bodyDigest };
  const relayed: RelayedRecords = {
    acceptedAt,
    // The new records, and those sent again (announced again, as ingest does for a resend).
    records: [...fresh.values(), ...resent].map(({ record }) => record as SanitationRecord),
  };
  const payload = deps.replies.packRelay(source, webhookId, reply, now, relayed);
  if (!payload) return undefined;
  const earlier = await deps.replies.saveReply(source, webhookId, reply, now, payload);
  if (earlier) return replay(earlier, webhookId, bodyDigest);
  await markFresh(source, fresh.size, acceptedAt, deps);
  return outcome;
};

/**
 * The first answer to a webhook-id, with its own status (CONTRACT §10), when the body is the one it
 * answered; another body under a used id is refused (409), as it would otherwise be dropped.
 */
const replay = (first: StoredReply, webhookId: string, bodyDigest: string): IngestOutcome => {
  if (first.bodyDigest !== undefined && first.bodyDigest !== bodyDigest)
    throw new ConflictError(
      `webhook-id ${excerpt(webhookId)} was used for a different body within the last 24 hours; ` +
        'send this body under a new webhook-id',
    );
  return { status: first.status, answer: first.answer, replayed: true };
};

/** A valid record, with the key that recognises it when it comes again. */
interface ValidRecord {
  readonly key: string;
  /** The record as received (unknown fields kept: the bus and webhooks carry them). */
  readonly record: { eventId: string };
  /** The ticket or case it is an event of, and the event as stored: its known fields only. */
  readonly entity?: { kind: EntityKind; entityId: string; known: { eventId: string } } | undefined;
  /** What recognises a GPS record when it comes again. */
  readonly gps?: GpsRecordId | undefined;
}

/** The id of a GPS record for dedupe: its earliest point is the one with the smallest time. */
export const gpsRecordId = ({ eventId, vehicleId, points }: SanitationRecord): GpsRecordId => {
  let firstPointMs = Number.POSITIVE_INFINITY;
  for (const point of points) firstPointMs = Math.min(firstPointMs, toEpochMs(point.t));
  return { eventId, vehicleId, firstPointMs };
};

const gpsIdsOf = (records: Iterable<ValidRecord>): GpsRecordId[] =>
  [...records].flatMap(({ gps }) => (gps ? [gps] : []));

const validRecord = (source: Source, record: { eventId: string }): ValidRecord => {
  if (source === 'sanitation')
    return { key: record.eventId, record, gps: gpsRecordId(record as SanitationRecord) };
  const known = knownFields(source, record as HotlineRecord | CityPlatformRecord);
  const entity =
    source === 'hotline'
      ? { kind: 'ticket' as const, entityId: (record as HotlineRecord).ticketId, known }
      : { kind: 'case' as const, entityId: (record as CityPlatformRecord).caseId, known };
  return { key: eventPairKey(entity.entityId, record.eventId), record, entity };
};

/**
 * The records to publish: as new (`fresh`), GPS records not accepted before and ticket and case events
 * not stored yet, or stored by an earlier try of this request (its publish failed, or its answer was
 * lost); as sent again (`resent`), those accepted by an earlier request. A resent record is a duplicate
 * and is stored or marked nothing more, but it is announced again, so that one whose first
 * announcement never reached its consumer (a dead letter) is taken now; the consumers are idempotent.
 */
const toPublish = async (
  source: Source,
  valid: readonly ValidRecord[],
  webhookId: string,
  deps: IngestDeps,
): Promise<{ fresh: Map<string, ValidRecord>; resent: ValidRecord[] }> => {
  const unique = new Map<string, ValidRecord>();
  for (const entry of valid) if (!unique.has(entry.key)) unique.set(entry.key, entry);
  const resent: ValidRecord[] = [];
  const takeResent = (key: string) => {
    const entry = unique.get(key);
    if (entry) resent.push(entry);
    unique.delete(key);
  };
  if (unique.size === 0) return { fresh: unique, resent };
  if (source === 'sanitation') {
    for (const key of await deps.accepted.findAccepted(gpsIdsOf(unique.values()))) takeResent(key);
    return { fresh: unique, resent };
  }
  const stored = await deps.events.findStored(
    kindOf(source),
    [...unique.values()].map(({ record, entity }) => ({
      entityId: entity?.entityId ?? '',
      eventId: record.eventId,
    })),
  );
  for (const [key, by] of stored) if (by !== webhookId) takeResent(key);
  return { fresh: unique, resent };
};

/**
 * Stores the published ticket and case events (GPS records are marked accepted instead) and
 * returns the keys of those that turn out to be duplicates: stored meanwhile by another request.
 */
const store = async (
  source: Source,
  published: readonly ValidRecord[],
  webhookId: string,
  acceptedAt: string,
  deps: IngestDeps,
): Promise<Set<string>> => {
  if (source === 'sanitation') {
    await deps.accepted.markAccepted(gpsIdsOf(published));
    return new Set();
  }
  const outcomes = await deps.events.storeEvents(
    kindOf(source),
    published.map(({ record, entity }) => ({
      entityId: entity?.entityId ?? '',
      event: entity?.known ?? record,
    })),
    webhookId,
    acceptedAt,
  );
  return new Set(published.filter((_, index) => outcomes[index] === 'duplicate').map(({ key }) => key));
};

/** Most warnings an answer lists (a batch of 1000 records with a stray field each would list 1000). */
const MAX_WARNINGS = 100;

const kindOf = (source: Source): EntityKind => (source === 'hotline' ? 'ticket' : 'case');

/** A validated batch, with what its records are: new, or sent again after they were accepted. */
interface PreparedBatch {
  readonly valid: readonly ValidRecord[];
  readonly rejected: readonly { index: number; record: unknown; errors: RecordError[] }[];
  readonly warnings: readonly { index: number; path: string; message: string }[];
  readonly fresh: Map<string, ValidRecord>;
  readonly resent: readonly ValidRecord[];
  readonly acceptedAt: string;
}

/** Validates a batch and looks up which of its records were accepted before; stores nothing. */
const prepare = async (request: IngestRequest, deps: IngestDeps, now: number): Promise<PreparedBatch> => {
  const { source } = request;

  const unwrapped = (request.unwrap ?? unwrapRecords)(request.body);
  const rejectedAt = new Map(unwrapped.rejected.map((entry) => [entry.index, entry]));
  const valid: ValidRecord[] = [];
  const warnings: { index: number; path: string; message: string }[] = [];
  for (const { index, record, original } of unwrapped.candidates) {
    const parsed = parseRecord(source, record);
    const bytes = parsed.success ? recordBytes(parsed.data) : 0;
    if (parsed.success && bytes <= MAX_RECORD_BYTES) {
      valid.push(validRecord(source, parsed.data));
      // Records made from another format (Open311, JT/T 808) keep that format's fields on purpose.
      if (!request.unwrap) warnings.push(...parsed.warnings.map((warning) => ({ index, ...warning })));
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

  const { fresh, resent } = await toPublish(source, valid, request.webhookId, deps);
  return { valid, rejected, warnings, fresh, resent, acceptedAt: new Date(now).toISOString() };
};

/** Takes a prepared batch: publishes its records, stores them, quarantines the rejected ones. */
const take = async (
  request: IngestRequest,
  batch: PreparedBatch,
  deps: IngestDeps,
  now: number,
): Promise<IngestOutcome> => {
  const { source } = request;
  const { valid, rejected, warnings, fresh, resent, acceptedAt } = batch;
  await publishRecords(
    source,
    acceptedAt,
    [...fresh.values()].map(({ record }) => record),
    resent.map(({ record }) => record),
    deps,
  );
  // Stored once on the bus: if this request dies in between, the facts consumer stores the events it
  // gets (a resend finds them stored, or publishes them again, which the conditional write absorbs).
  let duplicates: Set<string>;
  try {
    duplicates = await store(source, [...fresh.values()], request.webhookId, acceptedAt, deps);
  } catch (error) {
    // On the bus but not stored here: the facts consumer stores them; a resend finds them stored.
    throw new DependencyError(`could not store records: ${(error as Error).message}`);
  }
  for (const key of duplicates) fresh.delete(key);
  if (rejected.length > 0) await deps.quarantine.quarantine(source, rejected, request.requestId, now);
  await markFresh(source, fresh.size, acceptedAt, deps);
  return answerOf(fresh.size, valid.length, rejected, warnings);
};

/**
 * Feed freshness (GET /feeds): one write per batch that brought new records, not one per record. It
 * only informs the dashboard, so failing it never fails a batch whose records are already accepted.
 */
const markFresh = async (source: Source, fresh: number, acceptedAt: string, deps: IngestDeps) => {
  if (fresh > 0) await deps.feeds.markFeedFresh(source, acceptedAt).catch(() => undefined);
};

/** The answer to a batch (CONTRACT §4): 202 when any record was taken, 422 when all were rejected. */
const answerOf = (
  accepted: number,
  valid: number,
  rejected: readonly { index: number; errors: RecordError[] }[],
  warnings: readonly { index: number; path: string; message: string }[],
): IngestOutcome => {
  const answer: IngestAnswer = {
    accepted,
    duplicates: valid - accepted,
    rejected: rejected.map(({ index, errors }) => ({ index, errors })),
    ...(warnings.length > 0 ? { warnings: warnings.slice(0, MAX_WARNINGS) } : {}),
  };
  return { status: answer.accepted + answer.duplicates > 0 ? 202 : 422, answer };
};

/** Announces records on the bus: new ones, and those sent again after they were accepted. */
const publishRecords = async (
  source: Source,
  acceptedAt: string,
  fresh: readonly { eventId: string }[],
  resent: readonly { eventId: string }[],
  deps: IngestDeps,
): Promise<void> => {
  try {
    await deps.publisher.publish([
      ...recordAcceptedEvents(source, acceptedAt, fresh),
      ...recordAcceptedEvents(source, acceptedAt, resent, true),
    ]);
  } catch (error) {
    throw new DependencyError(`could not publish records to the bus: ${(error as Error).message}`);
  }
};
