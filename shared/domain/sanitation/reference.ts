import type { ReferenceRepository } from '#shared/adapters/reference-repository';
import { versionCachedLoader } from '#shared/domain/reference';
import { buildRoadNetwork, type RoadNetwork } from '#shared/domain/sanitation/road-network';
import type { Roads, Vehicle, Vehicles } from '#shared/schemas/reference';

/** The road and vehicle registries, prepared for coverage and indicators. */
export interface SanitationReference {
  readonly network: RoadNetwork;
  readonly vehicles: ReadonlyMap<string, Vehicle>;
}

const noRoads: Roads = { type: 'FeatureCollection', features: [] };

/** Loads the road and vehicle registries, rebuilding the road network only when either changed. */
export const sanitationReferenceLoader = (repository: Pick<ReferenceRepository, 'get' | 'version'>) =>
  versionCachedLoader(
    repository,
    ['roads', 'vehicles'],
    ([roads, vehicles]): SanitationReference => ({
      network: buildRoadNetwork((roads as Roads | undefined) ?? noRoads),
      vehicles: new Map(
        ((vehicles as Vehicles | undefined) ?? []).map((vehicle) => [vehicle.vehicleId, vehicle]),
      ),
    }),
  );
