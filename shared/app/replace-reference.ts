import type { DayIndex, EventPublisher } from '#shared/app/ports';
import type { ReferenceName } from '#shared/domain/reference';
import { coverageReprocessRequested } from '#shared/events/coverage-reprocess';
import { busEvent } from '#shared/events/definition';
import { factsChanged } from '#shared/events/facts-changed';

/** Days announced per `facts.changed` event when a reference change touches many days (small, so one
 * message is a few seconds of work at city scale). */
const DAYS_PER_EVENT = 10;

/** Where reference sets are replaced. */
export interface ReferenceWriter {
  put(name: ReferenceName, value: unknown, now: number): Promise<void>;
}

/** The vehicle-days that have stored points. */
export interface VehicleDayLister {
  listVehicleDays(): Promise<{ day: string; vehicleId: string }[]>;
}

export interface ReplaceReferenceDeps {
  readonly reference: ReferenceWriter;
  readonly days: Pick<DayIndex, 'listDays'>;
  readonly gps: VehicleDayLister;
  readonly publisher: EventPublisher;
  readonly now: () => number;
}

/** Vehicle-days per reprocessing event. */
const VEHICLE_DAYS_PER_EVENT = 500;

/**
 * Replaces a reference set and has every day with data recomputed (areas move records between
 * areas, the calendar moves case deadlines, roads and vehicles change planned lengths and
 * attendance, on any day). Roads and vehicles also change what each vehicle's points cleaned, so
 * every stored vehicle-day goes back to the coverage engine. Returns how many days will be recomputed.
 */
export const replaceReference = async (
  name: ReferenceName,
  value: unknown,
  deps: ReplaceReferenceDeps,
): Promise<number> => {
  await deps.reference.put(name, value, deps.now());
  const days = await deps.days.listDays();
  const events = [];
  for (let start = 0; start < days.length; start += DAYS_PER_EVENT) {
    events.push(
      busEvent(factsChanged, {
        days: days.slice(start, start + DAYS_PER_EVENT),
        reason: `reference ${name} replaced`,
      }),
    );
  }
  if (name === 'roads' || name === 'vehicles') {
    const vehicleDays = await deps.gps.listVehicleDays();
    for (let start = 0; start < vehicleDays.length; start += VEHICLE_DAYS_PER_EVENT) {
      events.push(
        busEvent(coverageReprocessRequested, {
          vehicleDays: vehicleDays.slice(start, start + VEHICLE_DAYS_PER_EVENT),
          reason: `reference ${name} replaced`,
        }),
      );
    }
  }
  await deps.publisher.publish(events);
  return days.length;
};
