import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { referenceLoader, versionCachedLoader } from '#shared/app/load-reference';
import { announceChangedFacts, recordEntityEvent } from '#shared/app/record-entity-event';
import { createStorage, storageEnvSchema } from '#shared/composition/root';
import { loadEnv } from '#shared/config';
import type { EntityFacts } from '#shared/domain/entity-facts';
import { localDate, toEpochMs } from '#shared/domain/time';
import { deliveredDetail } from '#shared/events/delivered';
import { entityRecordAcceptedDetailSchema } from '#shared/events/record-accepted';
import type { SyncRules } from '#shared/schemas/subscriptions';

const env = loadEnv(storageEnvSchema);
const logger = new Logger({ serviceName: 'cityhub-facts' });
const storage = createStorage(env);
const baseDeps = { ...storage, timeZone: env.CITY_TIMEZONE };
const loadReference = referenceLoader(storage.reference);
const loadSyncRules = versionCachedLoader(
  storage.reference,
  ['sync'],
  ([rules]): SyncRules => (rules as SyncRules | undefined) ?? { ticketCategoriesToCityPlatform: [] },
);

/**
 * Consumes accepted ticket and case events (SQS batches from the bus), stores each with its entity,
 * reports the records that failed, and announces the entities' new facts for their cohorts.
 */
export const lambdaHandler = async (event: SQSEvent, context: Context) => {
  const changed: EntityFacts[] = [];
  let eventsFrom: string | undefined;
  const [{ areas }, rules] = await Promise.all([loadReference(), loadSyncRules()]);
  const deps = { ...baseDeps, sync: { rules, areas } };
  const recordHandler = async (record: SQSRecord) => {
    const detail = deliveredDetail(record.body, entityRecordAcceptedDetailSchema);
    changed.push(await recordEntityEvent(detail, deps));
    const day = localDate(toEpochMs(detail.record.occurredAt), env.CITY_TIMEZONE);
    if (eventsFrom === undefined || day < eventsFrom) eventsFrom = day;
  };
  try {
    return await processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), { context });
  } finally {
    await announceChangedFacts(changed, 'entity events stored', deps, eventsFrom);
  }
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
