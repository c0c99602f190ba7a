import type { AreaKey, Location } from '#shared/schemas/common';

/** The fields of a record that can place it in an area. */
export interface PlacementFields {
  readonly district?: string | undefined;
  readonly street?: string | undefined;
  readonly location?: Location | undefined;
}

/** Known districts and streets, and (when polygons are registered) a point locator. */
export interface AreaRegistry {
  /** District codes. */
  readonly districts: ReadonlySet<string>;
  /** Street code → its parent district code. */
  readonly streetParents: ReadonlyMap<string, string>;
  /** Street and district containing a point, from the registered polygons. */
  readonly locate: (location: Location) => { district?: string; street?: string };
}

/** A registry that knows no areas: records are placed by the codes they carry. */
export const emptyAreaRegistry: AreaRegistry = {
  districts: new Set(),
  streetParents: new Map(),
  locate: () => ({}),
};

export const cityArea: AreaKey = 'city';
export const districtArea = (code: string): AreaKey => `district:${code}`;
export const streetArea = (code: string): AreaKey => `street:${code}`;

/**
 * The areas a record counts in (CONTRACT §3): always `city`; by its street (whose district is the
 * street's registered parent, else the record's own district), else its district, else the street and
 * district whose polygons contain its location.
 */
export const placeRecord = (fields: PlacementFields, registry: AreaRegistry): AreaKey[] => {
  let { district, street } = fields;
  if (!street && !district && fields.location) ({ district, street } = registry.locate(fields.location));
  if (street) district = registry.streetParents.get(street) ?? district;
  const areas: AreaKey[] = [cityArea];
  if (district) areas.push(districtArea(district));
  if (street) areas.push(streetArea(street));
  return areas;
};

/** True when a record carries anything that can place it. */
export const hasPlacement = (fields: PlacementFields): boolean =>
  Boolean(fields.street || fields.district || fields.location);
