import type { EventPublisher } from '#shared/adapters/event-publisher';
import type { FactsRepository } from '#shared/adapters/facts-repository';
import type { ReferenceName, ReferenceRepository } from '#shared/adapters/reference-repository';
import type { SanitationRepository } from '#shared/adapters/sanitation-repository';
import { buildAreaRegistry } from '#shared/domain/area-registry';
import { type AreaRegistry, emptyAreaRegistry } from '#shared/domain/areas';
import { defaultCalendar, type WorkingCalendar } from '#shared/domain/calendar';
import { coverageReprocessRequested } from '#shared/events/coverage-reprocess';
import { busEvent } from '#shared/events/definition';
import { factsChanged } from '#shared/events/facts-changed';
import type { Areas, CalendarInput } from '#shared/schemas/reference';

/** The reference data indicators depend on. */
export interface Reference {
  readonly areas: AreaRegistry;
  readonly calendar: WorkingCalendar;
}

/**
 * A loader of reference sets that re-reads and rebuilds them only when one of their versions changed
 * since the last call: a warm function reads the small head items, not the whole sets, per batch.
 */
export const versionCachedLoader = <T>(
  repository: Pick<ReferenceRepository, 'get' | 'version'>,
  names: readonly ReferenceName[],
  build: (sets: readonly unknown[]) => T,
): (() => Promise<T>) => {
  let cached: { key: string; value: T } | undefined;
  return async () => {
    const key = (await Promise.all(names.map((name) => repository.version(name)))).join('|');
    if (cached?.key === key) return cached.value;
    const value = build(await Promise.all(names.map((name) => repository.get(name))));
    cached = { key, value };
    return value;
  };
};

/** Loads areas and calendar; a set never put is empty (no areas, the default calendar). */
export const referenceLoader = (repository: Pick<ReferenceRepository, 'get' | 'version'>) =>
  versionCachedLoader(repository, ['areas', 'calendar'], ([areas, calendar]): Reference => {
    const days = calendar as CalendarInput | undefined;
    return {
      areas: areas ? buildAreaRegistry(areas as Areas) : emptyAreaRegistry,
      calendar: days
        ? { holidays: new Set(days.holidays), workdays: new Set(days.workdays) }
        : defaultCalendar,
    };
  });

/** Days announced per `facts.changed` event when a reference change touches many days (small, so one
 * message is a few seconds of work at city scale). */
const DAYS_PER_EVENT = 10;

export interface ReplaceReferenceDeps {
  readonly reference: Pick<ReferenceRepository, 'put'>;
  readonly facts: Pick<FactsRepository, 'listDays'>;
  readonly sanitation: Pick<SanitationRepository, 'listVehicleDays'>;
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
  const days = await deps.facts.listDays();
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
    const vehicleDays = await deps.sanitation.listVehicleDays();
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
