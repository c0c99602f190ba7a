import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { batchGet, isConditionFailed, queryAll } from '#shared/adapters/dynamo';
import { emptyHead, type GpsLog, type GpsLogEntry, type ShardDayHead } from '#shared/app/coverage';
import type { VehicleDayLister } from '#shared/app/replace-reference';
import { GPS_SHARDS } from '#shared/domain/sanitation/shards';
import type { VehicleDayChange, VehicleHead } from '#shared/domain/sanitation/vehicle-day';

const headPk = (day: string, shard: number) => `gpshead#${day}#${shard}`;
const logPk = (day: string, shard: number) => `gpslog#${day}#${shard}`;
const versionSk = (version: number) => `v${String(version).padStart(10, '0')}`;
/** The index of shard-days with GPS data (`<day>#<shard>`), written with each shard-day's first entry. */
const SHARD_DAYS_PK = 'gpsdays';
/** The index of vehicle-days stored before the GPS log. */
const LEGACY_TRACK_DAYS_PK = 'trackdays';
/** Gzipped changes per log item: well under DynamoDB's 400 KB (a transaction takes 4 MB, so 13 of them). */
const MAX_ITEM_BYTES = 300_000;

/** A transaction cancelled because a condition failed. */
const isCancelledByCondition = (error: unknown): boolean =>
  error instanceof Error &&
  error.name === 'TransactionCanceledException' &&
  ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).some(
    (reason) => reason.Code === 'ConditionalCheckFailed',
  );

const gzipJson = (value: unknown): Buffer => gzipSync(JSON.stringify(value));
const gunzipJson = <T>(data: unknown): T => JSON.parse(gunzipSync(data as Uint8Array).toString('utf8')) as T;

/** One log item's worth of changes; `continues` when the next part completes a change split over both. */
interface Part {
  readonly data: Buffer;
  readonly continues: boolean;
}

/** Changes split so that each part fits an item; a change with too many points is split by its points. */
const encodeChanges = (changes: readonly VehicleDayChange[]): Part[] => {
  const data = gzipJson(changes);
  if (data.length <= MAX_ITEM_BYTES) return [{ data, continues: false }];
  if (changes.length > 1) {
    const half = Math.ceil(changes.length / 2);
    return [...encodeChanges(changes.slice(0, half)), ...encodeChanges(changes.slice(half))];
  }
  const [change] = changes as [VehicleDayChange];
  if (change.points.length <= 1)
    throw new Error(`a change of vehicle ${change.vehicleId} does not fit an item`);
  // The first part carries the points' first half and nothing else; the second the rest and the change.
  const half = Math.ceil(change.points.length / 2);
  const carrier: VehicleDayChange = {
    vehicleId: change.vehicleId,
    head: change.head,
    points: change.points.slice(0, half),
    cells: {},
    ...(change.replace ? { replace: true } : {}),
  };
  return [
    ...encodeChanges([carrier]).map((part) => ({ ...part, continues: true })),
    ...encodeChanges([{ ...change, points: change.points.slice(half), replace: false }]),
  ];
};

/** Items one transaction writes at most (DynamoDB takes 100 items and 4 MB: 13 parts of 300 KB). */
const PARTS_PER_TRANSACTION = 12;

/** Parts grouped for writing: a change split over parts stays within one group, written at once. */
const groupParts = (parts: readonly Part[]): Part[][] => {
  const groups: Part[][] = [];
  let group: Part[] = [];
  for (const part of parts) {
    group.push(part);
    if (!part.continues && group.length >= PARTS_PER_TRANSACTION) {
      groups.push(group);
      group = [];
    }
  }
  if (group.length > 0) groups.push(group);
  for (const one of groups)
    if (one.length > PARTS_PER_TRANSACTION + 1)
      throw new Error(`a change of ${one.length} log items is larger than one transaction takes`);
  return groups;
};

const toHead = (item: Record<string, unknown>): ShardDayHead => ({
  version: Number(item.version),
  vehicles: new Map(Object.entries(gunzipJson<Record<string, VehicleHead>>(item.data))),
});

/**
 * The GPS log in the facts table (key design: docs/architecture.md): per (day, shard) the entries
 * `gpslog#<day>#<shard>` / `v<version>` holding gzipped vehicle-day changes, and the head
 * `gpshead#<day>#<shard>` / `head` with every vehicle's latest head and the version it includes.
 */
export class GpsLogStore implements GpsLog, VehicleDayLister {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async readHead(day: string, shard: number): Promise<ShardDayHead> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: headPk(day, shard), sk: 'head' },
        ConsistentRead: true,
      }),
    );
    return Item ? toHead(Item) : emptyHead();
  }

  async readHeads(day: string, shards?: readonly number[]): Promise<Map<number, ShardDayHead>> {
    const keys = (shards ?? Array.from({ length: GPS_SHARDS }, (_, shard) => shard)).map((shard) => ({
      pk: headPk(day, shard),
      sk: 'head',
    }));
    const items = await batchGet(this.client, this.table, keys, undefined, true);
    return new Map(
      items.map((item) => [
        Number(String(item.pk).slice(String(item.pk).lastIndexOf('#') + 1)),
        toHead(item),
      ]),
    );
  }

  async readEntries(day: string, shard: number, afterVersion = 0): Promise<GpsLogEntry[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk > :after',
      ExpressionAttributeValues: { ':pk': logPk(day, shard), ':after': versionSk(afterVersion) },
      ConsistentRead: true,
    });
    return items.map((item) => ({
      version: Number(item.version),
      changes: gunzipJson<VehicleDayChange[]>(item.data),
    }));
  }

  async append(
    day: string,
    shard: number,
    after: number,
    changes: readonly VehicleDayChange[],
  ): Promise<number | undefined> {
    const condition = 'attribute_not_exists(pk)';
    let version = after;
    for (const group of groupParts(encodeChanges(changes))) {
      const items = group.map(({ data }, index) => ({
        pk: logPk(day, shard),
        sk: versionSk(version + 1 + index),
        version: version + 1 + index,
        data,
      }));
      try {
        if (items.length === 1) {
          await this.client.send(
            new PutCommand({ TableName: this.table, Item: items[0], ConditionExpression: condition }),
          );
        } else {
          // A change split over several entries is written whole or not at all: readers never fold half of it.
          await this.client.send(
            new TransactWriteCommand({
              TransactItems: items.map((Item) => ({
                Put: { TableName: this.table, Item, ConditionExpression: condition },
              })),
            }),
          );
        }
      } catch (error) {
        // Another writer took the version: the caller reads again (groups written so far are whole changes).
        if (isConditionFailed(error) || isCancelledByCondition(error)) return undefined;
        throw error;
      }
      version += items.length;
    }
    return version;
  }

  async writeHead(day: string, shard: number, head: ShardDayHead): Promise<void> {
    try {
      const { Attributes } = await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: headPk(day, shard),
            sk: 'head',
            version: head.version,
            data: gzipJson(Object.fromEntries(head.vehicles)),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR version < :version',
          ExpressionAttributeValues: { ':version': head.version },
          ReturnValues: 'ALL_OLD',
        }),
      );
      // A shard-day's first head: the index of shard-days names it (written again if a try failed here).
      if (!Attributes) {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: SHARD_DAYS_PK, sk: `${day}#${shard}`, day, shard },
          }),
        );
      }
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  /**
   * Every (day, vehicle) with stored points: the vehicles of the heads of every indexed shard-day, and
   * the vehicle-days indexed before the GPS log (`trackdays`), which join the log when reprocessed.
   */
  async listVehicleDays(): Promise<{ day: string; vehicleId: string }[]> {
    const partition = (pk: string) =>
      queryAll(this.client, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      });
    const [indexed, legacy] = await Promise.all([partition(SHARD_DAYS_PK), partition(LEGACY_TRACK_DAYS_PK)]);
    const keys = indexed.map((item) => ({ pk: headPk(String(item.day), Number(item.shard)), sk: 'head' }));
    const heads = await batchGet(this.client, this.table, keys, undefined, true);
    const found = new Map<string, { day: string; vehicleId: string }>();
    const add = (day: string, vehicleId: string) => found.set(`${day}#${vehicleId}`, { day, vehicleId });
    for (const item of heads)
      for (const vehicleId of toHead(item).vehicles.keys())
        add(String(item.pk).split('#')[1] ?? '', vehicleId);
    for (const item of legacy) add(String(item.day), String(item.vehicleId));
    return [...found.values()].sort((a, b) =>
      a.day < b.day ? -1 : a.day > b.day ? 1 : a.vehicleId < b.vehicleId ? -1 : 1,
    );
  }
}
