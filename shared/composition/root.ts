import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { AcceptedEventsStore } from '#shared/adapters/accepted-events-store';
import { DayIndexStore } from '#shared/adapters/day-index';
import { createDocumentClient } from '#shared/adapters/dynamo';
import { EntityStore } from '#shared/adapters/entity-store';
import { EventBridgePublisher } from '#shared/adapters/event-publisher';
import { FeedFreshnessStore } from '#shared/adapters/feed-freshness-store';
import { IndicatorsRepository } from '#shared/adapters/indicators-repository';
import { QualityStore } from '#shared/adapters/quality-store';
import { QuarantineStore } from '#shared/adapters/quarantine-store';
import { ReferenceRepository } from '#shared/adapters/reference-repository';
import { SanitationRepository } from '#shared/adapters/sanitation-repository';
import { WebhookRepliesStore } from '#shared/adapters/webhook-replies-store';
import { WebhooksRepository } from '#shared/adapters/webhooks-repository';
import { referenceLoader, sanitationReferenceLoader } from '#shared/app/load-reference';
import type { RecomputeDeps } from '#shared/app/recompute';
import { baseEnvSchema } from '#shared/config';
import { tables } from '#shared/topology';

/** Variables of functions that use the facts table, the indicators table and the bus. */
export const storageEnvSchema = baseEnvSchema.extend({
  [tables.facts.envVar]: z.string().min(1),
  [tables.indicators.envVar]: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
});
export type StorageEnv = z.infer<typeof storageEnvSchema>;

/** The stores and publisher built from the environment, once per cold start (the composition root). */
export const createStorage = (env: StorageEnv) => {
  const documents = createDocumentClient(env.DYNAMODB_ENDPOINT);
  const eventBridge = new EventBridgeClient(
    env.EVENTBRIDGE_ENDPOINT ? { endpoint: env.EVENTBRIDGE_ENDPOINT } : {},
  );
  const days = new DayIndexStore(documents, env.FACTS_TABLE);
  return {
    accepted: new AcceptedEventsStore(documents, env.FACTS_TABLE),
    replies: new WebhookRepliesStore(documents, env.FACTS_TABLE),
    quarantine: new QuarantineStore(documents, env.FACTS_TABLE),
    feeds: new FeedFreshnessStore(documents, env.FACTS_TABLE),
    days,
    entities: new EntityStore(documents, env.FACTS_TABLE, days),
    quality: new QualityStore(documents, env.FACTS_TABLE),
    indicators: new IndicatorsRepository(documents, env.INDICATORS_TABLE),
    reference: new ReferenceRepository(documents, env.FACTS_TABLE),
    sanitation: new SanitationRepository(documents, env.FACTS_TABLE),
    webhooks: new WebhooksRepository(documents, env.FACTS_TABLE),
    publisher: new EventBridgePublisher(eventBridge, env.EVENT_BUS_NAME),
  };
};

/** What recomputing needs, from the storage of one cold start (the road network is cached across calls). */
export const recomputeDepsOf = (
  storage: ReturnType<typeof createStorage>,
  timeZone: string,
): RecomputeDeps => ({
  ...storage,
  loadReference: referenceLoader(storage.reference),
  loadSanitation: sanitationReferenceLoader(storage.reference),
  timeZone,
  now: Date.now,
});
