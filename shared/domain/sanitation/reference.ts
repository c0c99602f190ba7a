import type { ReferenceRepository } from '#shared/adapters/reference-repository';
import { buildRoadNetwork, type RoadNetwork } from '#shared/domain/sanitation/road-network';
import type { Roads, Vehicle, Vehicles } from '#shared/schemas/reference';

/** The road and vehicle registries, prepared for coverage and indicators. */
export interface SanitationReference {
  readonly network: RoadNetwork;
  readonly vehicles: ReadonlyMap<string, Vehicle>;
}

const noRoads: Roads = { type: 'FeatureCollection', features: [] };

/**
 * Loads the road and vehicle registries, rebuilding the road network only when either set's version
 * changed since the last call (a warm Lambda reads two small head items instead of the whole set).
 */
export const sanitationReferenceLoader = (repository: Pick<ReferenceRepository, 'get' | 'version'>) => {
  let cached: { key: string; value: SanitationReference } | undefined;
  return async (): Promise<SanitationReference> => {
    const versions = await Promise.all([repository.version('roads'), repository.version('vehicles')]);
    const key = versions.join('|');
    if (cached?.key === key) return cached.value;
    const [roads, vehicles] = await Promise.all([
      repository.get<Roads>('roads'),
      repository.get<Vehicles>('vehicles'),
    ]);
    const value = {
      network: buildRoadNetwork(roads ?? noRoads),
      vehicles: new Map((vehicles ?? []).map((vehicle) => [vehicle.vehicleId, vehicle])),
    };
    cached = { key, value };
    return value;
  };
};
