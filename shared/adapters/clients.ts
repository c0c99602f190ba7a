import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { createDocumentClient } from '#shared/adapters/dynamo';
import { EventBridgePublisher } from '#shared/adapters/event-publisher';
import { FactsRepository } from '#shared/adapters/facts-repository';
import { IndicatorsRepository } from '#shared/adapters/indicators-repository';
import { ReferenceRepository } from '#shared/adapters/reference-repository';
import { SanitationRepository } from '#shared/adapters/sanitation-repository';
import { WebhooksRepository } from '#shared/adapters/webhooks-repository';
import { baseEnvSchema } from '#shared/config';
import type { RecomputeDeps } from '#shared/domain/recompute';
import { referenceLoader } from '#shared/domain/reference';
import { sanitationReferenceLoader } from '#shared/domain/sanitation/reference';
import { tables } from '#shared/topology';

/** Variables of functions that use the facts table, the indicators table and the bus. */
export const storageEnvSchema = baseEnvSchema.extend({
  [tables.facts.envVar]: z.string().min(1),
  [tables.indicators.envVar]: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
});
export type StorageEnv = z.infer<typeof storageEnvSchema>;

/** The repositories and publisher built from the environment, once per cold start. */
export const createStorage = (env: StorageEnv) => {
  const documents = createDocumentClient(env.DYNAMODB_ENDPOINT);
  const eventBridge = new EventBridgeClient(
    env.EVENTBRIDGE_ENDPOINT ? { endpoint: env.EVENTBRIDGE_ENDPOINT } : {},
  );
  return {
    facts: new FactsRepository(documents, env.FACTS_TABLE),
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
