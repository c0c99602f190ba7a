import bbox from '@turf/bbox';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import Flatbush from 'flatbush';
import type { AreaRegistry } from '#shared/domain/areas';
import type { Location } from '#shared/schemas/common';
import type { AreaFeature, Areas } from '#shared/schemas/reference';

/** A spatial index over polygons of one level: bounding boxes in Flatbush, exact test with turf. */
const polygonIndex = (features: readonly AreaFeature[]) => {
  if (features.length === 0) return () => undefined;
  const index = new Flatbush(features.length);
  for (const feature of features) {
    const [minX, minY, maxX, maxY] = bbox(feature.geometry);
    index.add(minX, minY, maxX, maxY);
  }
  index.finish();
  return (location: Location): string | undefined => {
    const candidates = index
      .search(location.lon, location.lat, location.lon, location.lat)
      .sort((a, b) => a - b);
    const hit = candidates.find((candidate) =>
      booleanPointInPolygon([location.lon, location.lat], (features[candidate] as AreaFeature).geometry),
    );
    return hit === undefined ? undefined : features[hit]?.properties.code;
  };
};

/** The registry of the districts and streets an admin put with `PUT /reference/areas`. */
export const buildAreaRegistry = (areas: Areas): AreaRegistry => {
  const districts = areas.features.filter((feature) => feature.properties.level === 'district');
  const streets = areas.features.filter((feature) => feature.properties.level === 'street');
  const inDistrict = polygonIndex(districts);
  const inStreet = polygonIndex(streets);
  const streetParents = new Map(
    streets.map((feature) => [feature.properties.code, feature.properties.parent ?? '']),
  );
  return {
    districts: new Set(districts.map((feature) => feature.properties.code)),
    streetParents,
    locate: (location) => {
      const street = inStreet(location);
      if (street) return { street, district: streetParents.get(street) };
      const district = inDistrict(location);
      return district ? { district } : {};
    },
  };
};
