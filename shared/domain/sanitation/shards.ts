/**
 * Vehicles are spread over a fixed number of shards: a shard's vehicle-day states live in one item and
 * its points in one log, so a batch of the whole fleet writes one item per shard, not one per vehicle.
 * Changing the count moves vehicles between shards: it is a constant of the storage layout.
 */
export const GPS_SHARDS = 32;

/** The shard of a vehicle: FNV-1a of its id (UTF-16 code units), modulo {@link GPS_SHARDS}. */
export const shardOf = (vehicleId: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < vehicleId.length; i += 1) {
    hash ^= vehicleId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % GPS_SHARDS;
};
