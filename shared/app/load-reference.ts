import type { SupervisionReference } from '#shared/app/open-items';
import { listAreas } from '#shared/domain/area-list';
import { buildReference, type Reference, type ReferenceName } from '#shared/domain/reference';
import { buildSanitationReference, type SanitationReference } from '#shared/domain/sanitation/reference';
import { supervisionThresholdsOf } from '#shared/domain/supervision';
import type { Areas, SupervisionInput } from '#shared/schemas/reference';

/** Where reference sets are read, with a cheap version check per set. */
export interface ReferenceReader {
  /** The current version of a set, or undefined when it was never put. */
  version(name: ReferenceName): Promise<string | undefined>;
  /** The current value of a set, or undefined when it was never put. */
  get<T>(name: ReferenceName): Promise<T | undefined>;
}

/**
 * A loader of reference sets that re-reads and rebuilds them only when one of their versions changed
 * since the last call: a warm function reads the small head items, not the whole sets, per batch.
 */
export const versionCachedLoader = <T>(
  repository: ReferenceReader,
  names: readonly ReferenceName[],
  build: (sets: readonly unknown[], version: string) => T,
): (() => Promise<T>) => {
  let cached: { key: string; value: T } | undefined;
  return async () => {
    const key = (await Promise.all(names.map((name) => repository.version(name)))).join('|');
    if (cached?.key === key) return cached.value;
    const value = build(await Promise.all(names.map((name) => repository.get(name))), key);
    cached = { key, value };
    return value;
  };
};

/** Loads areas and calendar; a set never put is empty (no areas, the default calendar). */
export const referenceLoader = (repository: ReferenceReader): (() => Promise<Reference>) =>
  versionCachedLoader(repository, ['areas', 'calendar'], ([areas, calendar], version) => ({
    ...buildReference(areas, calendar),
    version,
  }));

/** Loads the road and vehicle registries, rebuilding the road network only when either changed. */
export const sanitationReferenceLoader = (
  repository: ReferenceReader,
): (() => Promise<SanitationReference>) =>
  versionCachedLoader(repository, ['roads', 'vehicles'], ([roads, vehicles]) =>
    buildSanitationReference(roads, vehicles),
  );

/**
 * Loads what supervision reads: areas with their names, the calendar and the yellow thresholds (the
 * `supervision` set: `{yellowAt?, categories?}`; the defaults when never put).
 */
export const supervisionReferenceLoader = (
  repository: ReferenceReader,
): (() => Promise<SupervisionReference>) =>
  versionCachedLoader(repository, ['areas', 'calendar', 'supervision'], ([areas, calendar, supervision]) => {
    return {
      ...buildReference(areas, calendar),
      names: new Map(listAreas(areas as Areas | undefined).map((item) => [item.area, item.name])),
      thresholds: supervisionThresholdsOf(supervision as SupervisionInput | undefined),
    };
  });
