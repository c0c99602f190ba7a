import { buildAreaRegistry } from '#shared/domain/area-registry';
import { type AreaRegistry, emptyAreaRegistry } from '#shared/domain/areas';
import { defaultCalendar, type WorkingCalendar } from '#shared/domain/calendar';
import type { Areas, CalendarInput } from '#shared/schemas/reference';

/** Names of the reference sets admins replace with `PUT /reference/<name>`. */
export type ReferenceName = 'areas' | 'calendar' | 'roads' | 'vehicles' | 'sync' | 'alerts' | 'supervision';

/** The reference data indicators depend on. */
export interface Reference {
  readonly areas: AreaRegistry;
  readonly calendar: WorkingCalendar;
  /** The versions of the sets it was built from, when loaded from storage (figures computed under it name it). */
  readonly version?: string;
}

/** Areas and calendar from their stored sets; a set never put is empty (no areas, the default calendar). */
export const buildReference = (areas: unknown, calendar: unknown): Reference => {
  const days = calendar as CalendarInput | undefined;
  return {
    areas: areas ? buildAreaRegistry(areas as Areas) : emptyAreaRegistry,
    calendar: days ? { holidays: new Set(days.holidays), workdays: new Set(days.workdays) } : defaultCalendar,
  };
};
