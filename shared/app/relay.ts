import { type AcceptedGpsRecords, gpsRecordId, type RelayedRecords } from '#shared/app/ingest';
import type { EventPublisher } from '#shared/app/ports';
import { sanitationAcceptedEvents } from '#shared/events/record-accepted';

/** What relaying did: records and requests put on the bus, in how many events. */
export interface RelayOutcome {
  readonly requests: number;
  readonly records: number;
  readonly events: number;
}

/**
 * Puts the GPS records of small requests on the bus, packed (the records of many requests share a bus
 * entry and a coverage queue message, as a platform's minute of the whole fleet does), then marks them
 * accepted, a write per (shard, minute) bucket for all the requests' records. The packed event's
 * `acceptedAt` is the latest of its requests'. Relaying again what was relayed before changes nothing
 * downstream (the coverage engine keeps points as a set, marks are a set), so a failed batch is simply
 * retried. Until its records are marked, a request sent again under another webhook-id is answered as
 * accepted (CONTRACT §10 allows it of a concurrent resend); its points still count once.
 */
export const relayRecords = async (
  requests: readonly RelayedRecords[],
  deps: { readonly publisher: EventPublisher; readonly accepted: AcceptedGpsRecords },
): Promise<RelayOutcome> => {
  const records = requests.flatMap((request) => request.records);
  if (records.length === 0) return { requests: requests.length, records: 0, events: 0 };
  const acceptedAt = requests
    .map((request) => request.acceptedAt)
    .reduce((latest, at) => (Date.parse(at) > Date.parse(latest) ? at : latest));
  const events = sanitationAcceptedEvents(acceptedAt, records);
  await deps.publisher.publish(events);
  await deps.accepted.markAccepted(records.map(gpsRecordId));
  return { requests: requests.length, records: records.length, events: events.length };
};
