import type { RoadNetwork } from '#shared/domain/sanitation/road-network';

/** The PostGIS result: seconds for the coverage query, and cleaned metres per segmentId. */
export interface PostgisComparison {
  readonly seconds: number;
  readonly cleanedM: Map<string, number>;
}

/** Placeholder replaced by the PostGIS comparison; returns undefined when PostGIS is not installed. */
export const runPostgisComparison = async (
  _network: RoadNetwork,
  _pieces: readonly number[],
  _log: (message: string) => void,
): Promise<PostgisComparison | undefined> => undefined;
