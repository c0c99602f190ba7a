import { randomUUID } from 'node:crypto';
import pMap from 'p-map';
import pRetry from 'p-retry';
import type { DayIndex, EventPublisher } from '#shared/app/ports';
import { announceChangedDays } from '#shared/app/record-entity-event';
import {
  recomputeVehicleDay,
  storeTrackPart,
  type TrackDeps,
  type VehicleDayKey,
} from '#shared/app/vehicle-days';
import { CoverageMarker } from '#shared/domain/sanitation/coverage';
import type { SanitationReference } from '#shared/domain/sanitation/reference';
import { coverageReprocessRequested } from '#shared/events/coverage-reprocess';
import { deliveredEventSchema } from '#shared/events/delivered';
import { sanitationRecordAccepted } from '#shared/events/record-accepted';

export interface CoverageDeps extends TrackDeps {
  readonly days: Pick<DayIndex, 'markDay'>;
  readonly publisher: EventPublisher;
  readonly loadSanitation: () => Promise<SanitationReference>;
}

/** What a batch of coverage messages did. */
export interface CoverageOutcome {
  /** Days whose sanitation facts changed (already announced as `facts.changed`). */
  readonly changedDays: string[];
  /** Messages to retry: unreadable, not stored, or whose vehicle-day failed. */
  readonly failedMessages: string[];
  readonly failures: { message?: string; vehicleDay?: string; error: string }[];
}

const keyOf = ({ vehicleId, day }: VehicleDayKey) => `${day}#${vehicleId}`;
/** Longest a vehicle-day's recompute may hold its lease (the coverage function's timeout). */
const LEASE_SECONDS = 120;
/** Vehicle-days recomputed at once: each waits mostly on DynamoDB. */
const VEHICLE_DAY_CONCURRENCY = 4;

/** Another consumer holds the vehicle-day's lease. */
class LeaseHeldError extends Error {}

/**
 * Leases are held for one vehicle-day's recompute (milliseconds): wait a little before giving up — 5
 * tries, 200, 400, 800 and 1600 ms apart (3 s in all).
 */
const LEASE_RETRY = { retries: 4, factor: 2, minTimeout: 200 } as const;

const leaseWithRetries = (key: VehicleDayKey, holder: string, deps: CoverageDeps): Promise<boolean> =>
  pRetry(
    async () => {
      if (!(await deps.sanitation.lease(key.vehicleId, key.day, holder, Date.now(), LEASE_SECONDS))) {
        throw new LeaseHeldError(`vehicle-day ${keyOf(key)} is leased by another consumer`);
      }
      return true;
    },
    { ...LEASE_RETRY, shouldRetry: ({ error }) => error instanceof LeaseHeldError },
  ).catch((error: unknown) => {
    if (error instanceof LeaseHeldError) return false;
    throw error;
  });

/**
 * Handles one batch of coverage messages: stores the points of each accepted GPS batch part, then
 * recomputes each vehicle-day the batch touches once (however many messages touch it).
 */
export const processTrackMessages = async (
  messages: readonly { id: string; body: string }[],
  deps: CoverageDeps,
): Promise<CoverageOutcome> => {
  const keysOf = new Map<string, VehicleDayKey[]>();
  const failed = new Set<string>();
  const failures: CoverageOutcome['failures'] = [];
  for (const message of messages) {
    try {
      const event = deliveredEventSchema.parse(JSON.parse(message.body));
      if (event['detail-type'] === coverageReprocessRequested.detailType) {
        keysOf.set(message.id, coverageReprocessRequested.detailSchema.parse(event.detail).vehicleDays);
      } else {
        const detail = sanitationRecordAccepted.detailSchema.parse(event.detail);
        keysOf.set(message.id, await storeTrackPart(detail.record, detail.part.index, deps));
      }
    } catch (error) {
      failed.add(message.id);
      failures.push({ message: message.id, error: (error as Error).message });
    }
  }
  const unique = new Map<string, VehicleDayKey>();
  for (const keys of keysOf.values()) for (const key of keys) unique.set(keyOf(key), key);
  const changedDays = new Set<string>();
  const failedKeys = new Set<string>();
  if (unique.size > 0) {
    const reference = await deps.loadSanitation();
    // Shared by the vehicle-days in flight: coverage is marked synchronously, one vehicle-day at a time.
    const marker = new CoverageMarker(reference.network);
    const holder = randomUUID();
    await pMap(
      unique,
      async ([id, key]) => {
        // Every failure stays with its vehicle-day, so one failing lease or write never abandons the others.
        let leased = false;
        try {
          leased = await leaseWithRetries(key, holder, deps);
          if (!leased) {
            // Another consumer is recomputing this vehicle-day: come back once it is done.
            failedKeys.add(id);
            failures.push({ vehicleDay: id, error: 'being recomputed by another consumer; retried' });
            return;
          }
          await recomputeVehicleDay(key, reference, deps, marker, async (day) => {
            changedDays.add(day);
            await deps.days.markDay(day);
            await announceChangedDays([day], 'coverage changed', deps);
          });
        } catch (error) {
          failedKeys.add(id);
          failures.push({ vehicleDay: id, error: (error as Error).message });
        } finally {
          // A lease left behind expires after LEASE_SECONDS; releasing it is only quicker.
          if (leased) await deps.sanitation.release(key.vehicleId, key.day, holder).catch(() => undefined);
        }
      },
      { concurrency: VEHICLE_DAY_CONCURRENCY },
    );
  }
  for (const [message, keys] of keysOf)
    if (keys.some((key) => failedKeys.has(keyOf(key)))) failed.add(message);
  return { changedDays: [...changedDays].sort(), failedMessages: [...failed], failures };
};
