import { buildRoadNetwork, type RoadNetwork } from '#shared/domain/sanitation/road-network';
import type { Roads, Vehicle, Vehicles } from '#shared/schemas/reference';

/** The road and vehicle registries, prepared for coverage and indicators. */
export interface SanitationReference {
  readonly network: RoadNetwork;
  readonly vehicles: ReadonlyMap<string, Vehicle>;
}

const noRoads: Roads = { type: 'FeatureCollection', features: [] };

/** The road network and the vehicles by id, from their stored sets (a set never put is empty). */
export const buildSanitationReference = (roads: unknown, vehicles: unknown): SanitationReference => ({
  network: buildRoadNetwork((roads as Roads | undefined) ?? noRoads),
  vehicles: new Map(
    ((vehicles as Vehicles | undefined) ?? []).map((vehicle) => [vehicle.vehicleId, vehicle]),
  ),
});
