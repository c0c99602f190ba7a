import * as z from 'zod';
import { shardOf } from '#shared/domain/sanitation/shards';
import type { BusEvent, EventDefinition } from '#shared/events/definition';
import {
  cityPlatformRecordSchema,
  hotlineRecordSchema,
  type SanitationRecord,
  type Source,
  sanitationRecordSchema,
} from '#shared/schemas/ingest';

const acceptedAt = z.iso.datetime({ offset: true });

/** A hotline ticket event that passed validation and dedupe at ingest. */
export const hotlineRecordAccepted = {
  source: 'cityhub.ingest',
  detailType: 'hotline.record-accepted',
  version: '1',
  detailSchema: z.object({ source: z.literal('hotline'), acceptedAt, record: hotlineRecordSchema }),
} as const satisfies EventDefinition;

/** A city-platform case event that passed validation and dedupe at ingest. */
export const cityPlatformRecordAccepted = {
  source: 'cityhub.ingest',
  detailType: 'city-platform.record-accepted',
  version: '1',
  detailSchema: z.object({
    source: z.literal('city-platform'),
    acceptedAt,
    record: cityPlatformRecordSchema,
  }),
} as const satisfies EventDefinition;

/**
 * A sanitation GPS batch that passed validation and dedupe at ingest, one record (or part of one) per
 * event. Superseded by {@link sanitationRecordsAccepted}; still read, for events published before.
 */
export const sanitationRecordAccepted = {
  source: 'cityhub.ingest',
  detailType: 'sanitation.record-accepted',
  version: '1',
  detailSchema: z.object({
    source: z.literal('sanitation'),
    acceptedAt,
    record: sanitationRecordSchema,
    /** Large batches travel in parts of at most 1000 points (EventBridge entries hold 256 KB). */
    part: z.object({ index: z.number().int().min(0), count: z.number().int().min(1) }),
  }),
} as const satisfies EventDefinition;

/**
 * Sanitation GPS batches that passed validation and dedupe at ingest, packed: one event carries as
 * many records as fit in one 64 KB EventBridge chunk, so a platform's minute of the whole fleet is a
 * few bus entries and queue messages, not one per vehicle. A record too large for one event travels
 * as several records with the same eventId, each with a share of the points (points are a set).
 */
export const sanitationRecordsAccepted = {
  source: 'cityhub.ingest',
  detailType: 'sanitation.records-accepted',
  version: '1',
  detailSchema: z.object({
    source: z.literal('sanitation'),
    acceptedAt,
    records: z.array(sanitationRecordSchema).min(1),
  }),
} as const satisfies EventDefinition;

/** The accepted-record event of each source. */
export const recordAccepted = {
  hotline: hotlineRecordAccepted,
  'city-platform': cityPlatformRecordAccepted,
  sanitation: sanitationRecordsAccepted,
} as const satisfies Record<Source, EventDefinition>;

/**
 * A hotline ticket event sent again by its source after it was accepted: published once more for the
 * facts consumer alone (the bus rule to the fanout does not take it, so subscribers are not sent it
 * again), so that an event whose first announcement was lost (a dead letter) still reaches its
 * entity's facts. Same detail as {@link hotlineRecordAccepted}.
 */
export const hotlineRecordResent = {
  ...hotlineRecordAccepted,
  detailType: 'hotline.record-resent',
} as const satisfies EventDefinition;

/** A city-platform case event sent again after it was accepted; see {@link hotlineRecordResent}. */
export const cityPlatformRecordResent = {
  ...cityPlatformRecordAccepted,
  detailType: 'city-platform.record-resent',
} as const satisfies EventDefinition;

/** The resent-record event of each entity source. */
const recordResent = {
  hotline: hotlineRecordResent,
  'city-platform': cityPlatformRecordResent,
} as const satisfies Record<Exclude<Source, 'sanitation'>, EventDefinition>;

/** Detail of an accepted entity event (ticket or case), as the facts consumer reads it. */
export const entityRecordAcceptedDetailSchema = z.discriminatedUnion('source', [
  hotlineRecordAccepted.detailSchema,
  cityPlatformRecordAccepted.detailSchema,
]);
export type EntityRecordAcceptedDetail = z.infer<typeof entityRecordAcceptedDetailSchema>;

/**
 * Bytes of records' JSON one packed event carries at most: with its envelope (source, detail-type,
 * acceptedAt) it stays within one 64 KB chunk, the unit EventBridge and SQS bill.
 */
export const PACKED_EVENT_BYTES = 60_000;

/** The records' JSON as one packed event would carry it, points sliced to fit {@link PACKED_EVENT_BYTES}. */
const fitRecord = (record: SanitationRecord): SanitationRecord[] => {
  const bytes = Buffer.byteLength(JSON.stringify(record));
  if (bytes <= PACKED_EVENT_BYTES || record.points.length <= 1) return [record];
  const pieces = Math.ceil(bytes / PACKED_EVENT_BYTES) + 1;
  const size = Math.ceil(record.points.length / pieces);
  const parts: SanitationRecord[] = [];
  for (let from = 0; from < record.points.length; from += size)
    parts.push(...fitRecord({ ...record, points: record.points.slice(from, from + size) }));
  return parts;
};

/**
 * The bus events announcing accepted sanitation records: records packed into events of at most
 * {@link PACKED_EVENT_BYTES} of JSON (a larger record split by its points), in the order of their
 * vehicles' shards, so that each event reaches few shards of the coverage engine's log.
 */
export const sanitationAcceptedEvents = (
  acceptedAt: string,
  records: readonly SanitationRecord[],
): BusEvent[] => {
  const events: BusEvent[] = [];
  let packed: SanitationRecord[] = [];
  let bytes = 0;
  const flush = () => {
    if (packed.length === 0) return;
    events.push({
      definition: sanitationRecordsAccepted,
      detail: { source: 'sanitation', acceptedAt, records: packed },
    });
    packed = [];
    bytes = 0;
  };
  const byShard = records
    .map((record, index) => ({ record, index, shard: shardOf(record.vehicleId) }))
    .sort((a, b) => a.shard - b.shard || a.index - b.index);
  for (const { record } of byShard) {
    for (const part of fitRecord(record)) {
      const size = Buffer.byteLength(JSON.stringify(part)) + 1;
      if (bytes + size > PACKED_EVENT_BYTES) flush();
      packed.push(part);
      bytes += size;
    }
  }
  flush();
  return events;
};

/**
 * The bus events announcing accepted records of `source` (the publisher validates each detail): one
 * event per ticket or case event; sanitation records packed ({@link sanitationAcceptedEvents}).
 * With `resent`, the records were accepted before and come again: ticket and case events go out as
 * `<source>.record-resent` ({@link hotlineRecordResent}); GPS records as accepted ones, as the
 * coverage engine is their only consumer.
 */
export const recordAcceptedEvents = (
  source: Source,
  acceptedAt: string,
  records: readonly unknown[],
  resent = false,
): BusEvent[] =>
  source === 'sanitation'
    ? sanitationAcceptedEvents(acceptedAt, records as SanitationRecord[])
    : records.map((record) => ({
        definition: resent ? recordResent[source] : recordAccepted[source],
        detail: { source, acceptedAt, record },
      }));
