import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '#shared/adapters/dynamo';
import type { LegacySanitationReader } from '#shared/app/sanitation-day';
import type { SegmentCoverage, VehicleDaySummary } from '#shared/domain/sanitation/track';
import type { PointRow } from '#shared/domain/sanitation/vehicle-day';

const trackPk = (vehicleId: string, day: string) => `track#${vehicleId}#${day}`;
const coveragePk = (day: string, district: string) => `coverage#${day}#${district}`;
const vehicleDayPk = (day: string) => `vehicleday#${day}`;

/**
 * Days covered before the GPS log: points per (vehicle, day), one summary per (day, vehicle) and, per
 * (day, district, segment), the bitmap of each vehicle that cleaned some of it. Only read: a vehicle's
 * points move into the GPS log with its next batch of that day, and until then its summary and bitmaps
 * count (key design: docs/architecture.md).
 */
export class SanitationRepository implements LegacySanitationReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** A vehicle-day's points stored before the GPS log (chunks of compact JSON `[t, lat, lon, working]`). */
  async legacyPoints(vehicleId: string, day: string): Promise<PointRow[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': trackPk(vehicleId, day) },
    });
    return items.flatMap((item) => JSON.parse(String(item.data)) as PointRow[]);
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
