import { ratio } from '#shared/domain/indicators/ratio';
import type { SanitationReference } from '#shared/domain/sanitation/reference';
import { cleansRoads } from '#shared/domain/sanitation/track';
import type { AreaKey } from '#shared/schemas/common';

/** Working time a vehicle needs in a day to count as attending (CONTRACT §5). */
export const ATTENDANCE_MS = 30 * 60_000;

/** A day's sanitation facts: what each vehicle did, and how many cells of each segment were cleaned. */
export interface SanitationDay {
  readonly reference: SanitationReference;
  /** Per vehicle: working pieces' length (m) and duration (ms). */
  readonly vehicles: ReadonlyMap<string, { operatingM: number; workingMs: number }>;
  /** Cleaned cells per segment index (the union over vehicles). */
  readonly cleanedCells: ReadonlyMap<number, number>;
}

export type SanitationValues = {
  plannedRoadKm: number | null;
  cleanedRoadKm: number | null;
  roadCleaningRate: number | null;
  mechanizedCleaningRate: number | null;
  operatingKm: number | null;
  vehicleAttendanceRate: number | null;
};

interface Tally {
  plannedM: number;
  cleanedM: number;
  plannedArea: number;
  cleanedArea: number;
  fleetArea: boolean;
  operatingM: number;
  registered: number;
  attended: number;
}

const emptyTally = (): Tally => ({
  plannedM: 0,
  cleanedM: 0,
  plannedArea: 0,
  cleanedArea: 0,
  fleetArea: false,
  operatingM: 0,
  registered: 0,
  attended: 0,
});

/**
 * Sanitation indicators of every area with planned roads or registered sweepers and washers: road
 * lengths by the segments' own district and street; operating length and attendance by the vehicles'
 * registry district (so streets have none). Pure.
 */
export const computeSanitation = (day: SanitationDay): Map<AreaKey, SanitationValues> => {
  const tallies = new Map<AreaKey, Tally>();
  const tally = (area: AreaKey) => {
    let found = tallies.get(area);
    if (!found) {
      found = emptyTally();
      tallies.set(area, found);
    }
    return found;
  };
  day.reference.network.segments.forEach((segment, index) => {
    if (!segment.planned) return;
    const cleanedM = (segment.lengthM * (day.cleanedCells.get(index) ?? 0)) / segment.cells;
    const areas: AreaKey[] = ['city', `district:${segment.district}`];
    if (segment.street) areas.push(`street:${segment.street}`);
    for (const area of areas) {
      const t = tally(area);
      t.plannedM += segment.lengthM;
      t.cleanedM += cleanedM;
      t.plannedArea += segment.lengthM * segment.widthM;
      t.cleanedArea += cleanedM * segment.widthM;
    }
  });
  for (const vehicle of day.reference.vehicles.values()) {
    if (!cleansRoads(vehicle.type)) continue;
    const did = day.vehicles.get(vehicle.vehicleId);
    for (const area of ['city', `district:${vehicle.district}`] as AreaKey[]) {
      const t = tally(area);
      t.fleetArea = true;
      t.registered += 1;
      t.operatingM += did?.operatingM ?? 0;
      if ((did?.workingMs ?? 0) >= ATTENDANCE_MS) t.attended += 1;
    }
  }
  const result = new Map<AreaKey, SanitationValues>();
  for (const [area, t] of tallies) {
    result.set(area, {
      plannedRoadKm: t.plannedM / 1000,
      cleanedRoadKm: t.cleanedM / 1000,
      roadCleaningRate: ratio(t.cleanedM, t.plannedM),
      mechanizedCleaningRate: ratio(t.cleanedArea, t.plannedArea),
      operatingKm: t.fleetArea ? t.operatingM / 1000 : null,
      vehicleAttendanceRate: ratio(t.attended, t.registered),
    });
  }
  return result;
};
