import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, queryAll } from '#shared/adapters/dynamo';
import type { SanitationDayReader } from '#shared/app/recompute';
import type { VehicleDayLister } from '#shared/app/replace-reference';
import type { TrackStore } from '#shared/app/vehicle-days';
import type { SegmentCoverage, StoredPoint, VehicleDaySummary } from '#shared/domain/sanitation/track';

const trackPk = (vehicleId: string, day: string) => `track#${vehicleId}#${day}`;
const coveragePk = (day: string, district: string) => `coverage#${day}#${district}`;
const vehicleDayPk = (day: string) => `vehicleday#${day}`;
const TRACK_DAYS_PK = 'trackdays';

/** Points of a chunk as compact JSON: [t, lat, lon, working (1, 0 or null)]. */
const encodePoints = (points: readonly StoredPoint[]) =>
  JSON.stringify(points.map((p) => [p.t, p.lat, p.lon, p.working === undefined ? null : p.working ? 1 : 0]));
const decodePoints = (data: string): StoredPoint[] =>
  (JSON.parse(data) as [number, number, number, number | null][]).map(([t, lat, lon, working]) =>
    working === null ? { t, lat, lon } : { t, lat, lon, working: working === 1 },
  );

/**
 * Sanitation facts in the facts table: GPS points per (vehicle, day) in chunks (one item per received
 * batch part), one summary per (day, vehicle), and per (day, district, segment) the bitmap of each
 * vehicle that cleaned some of it. Every write is a put of a value derived from the points, so
 * reprocessing writes the same thing again.
 */
export class SanitationRepository implements TrackStore, SanitationDayReader, VehicleDayLister {
  /** Vehicle-days (`day#vehicleId`) this repository has put in the index of vehicle-days. */
  private readonly indexedTrackDays = new Set<string>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Stores one chunk of a vehicle's points of one day (idempotent by `key`) and indexes the vehicle-day. */
  async putPoints(
    vehicleId: string,
    day: string,
    key: string,
    points: readonly StoredPoint[],
  ): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: trackPk(vehicleId, day), sk: key, data: encodePoints(points), count: points.length },
      }),
    );
    // The index of vehicle-days only grows: written once per vehicle-day by this repository.
    const trackDay = `${day}#${vehicleId}`;
    if (this.indexedTrackDays.has(trackDay)) return;
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: TRACK_DAYS_PK, sk: trackDay, day, vehicleId },
      }),
    );
    this.indexedTrackDays.add(trackDay);
  }

  /**
   * Takes the lease on recomputing one vehicle-day for `seconds` (so two consumers never write the same
   * vehicle-day's coverage from different point sets); false when another holder's lease is current.
   */
  async lease(
    vehicleId: string,
    day: string,
    holder: string,
    now: number,
    seconds: number,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: `lease#${vehicleId}#${day}`,
            sk: 'coverage',
            holder,
            expiresAt: Math.floor(now / 1000) + seconds,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR holder = :holder',
          ExpressionAttributeValues: { ':now': Math.floor(now / 1000), ':holder': holder },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Gives the lease back (only the holder can). */
  async release(vehicleId: string, day: string, holder: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: `lease#${vehicleId}#${day}`, sk: 'coverage' },
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  /** Every stored point of a vehicle's day (chunks in any order; duplicates possible). */
  async points(vehicleId: string, day: string): Promise<StoredPoint[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': trackPk(vehicleId, day) },
    });
    return items.flatMap((item) => decodePoints(String(item.data)));
  }

  /** Every (day, vehicle) with points. */
  async listVehicleDays(): Promise<{ day: string; vehicleId: string }[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': TRACK_DAYS_PK },
    });
    return items.map((item) => ({ day: String(item.day), vehicleId: String(item.vehicleId) }));
  }

  async getSummary(day: string, vehicleId: string): Promise<VehicleDaySummary | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: vehicleDayPk(day), sk: vehicleId },
        ConsistentRead: true,
      }),
    );
    return Item ? toSummary(Item) : undefined;
  }

  async putSummary(summary: VehicleDaySummary): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: vehicleDayPk(summary.day), sk: summary.vehicleId, ...summary },
      }),
    );
  }

  /** Every vehicle summary of a day. */
  async listSummaries(day: string): Promise<VehicleDaySummary[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': vehicleDayPk(day) },
    });
    return items.map(toSummary);
  }

  /** Sets (or, with `bitmap` undefined, removes) one vehicle's bitmap of one segment on one day. */
  async setSegmentBitmap(
    day: string,
    district: string,
    segmentId: string,
    vehicleId: string,
    bitmap: string | undefined,
  ): Promise<void> {
    const Key = { pk: coveragePk(day, district), sk: segmentId };
    const names = { '#vehicle': vehicleId };
    if (bitmap === undefined) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: 'REMOVE vehicles.#vehicle',
            ConditionExpression: 'attribute_exists(vehicles)',
            ExpressionAttributeNames: names,
          }),
        );
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
      return;
    }
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: 'SET vehicles.#vehicle = :bitmap',
            ConditionExpression: 'attribute_exists(vehicles)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':bitmap': bitmap },
          }),
        );
        return;
      } catch (error) {
        if (!isConditionFailed(error) || attempt > 0) throw error;
      }
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...Key, segmentId, vehicles: { [vehicleId]: bitmap } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    }
  }

  /** Every segment of a district with coverage on a day. */
  async listCoverage(day: string, district: string): Promise<SegmentCoverage[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': coveragePk(day, district) },
    });
    return items.map((item) => ({
      segmentId: String(item.sk),
      vehicles: (item.vehicles ?? {}) as Record<string, string>,
    }));
  }
}

const toSummary = (item: Record<string, unknown>): VehicleDaySummary => ({
  vehicleId: String(item.vehicleId),
  day: String(item.day),
  operatingM: Number(item.operatingM),
  workingMs: Number(item.workingMs),
  digests: (item.digests ?? {}) as Record<string, string>,
  touched: Array.isArray(item.touched) ? (item.touched as string[]) : undefined,
});
