import { chronological, type EntityKind } from '#shared/domain/entity-events';
import { deriveTicket } from '#shared/domain/tickets';
import { localDate, toEpochMs } from '#shared/domain/time';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';

type EntityEvent = HotlineRecord | CityPlatformRecord;

/** The cohort day of an entity (CONTRACT §5): tickets by earliest `received`, cases by earliest event. */
export const cohortDayOf = (kind: EntityKind, entityId: string, events: EntityEvent[], timeZone: string) => {
  if (kind === 'ticket') return deriveTicket(entityId, events as HotlineRecord[], timeZone).cohortDay;
  const first = chronological(events)[0];
  return first ? localDate(toEpochMs(first.occurredAt), timeZone) : undefined;
};
