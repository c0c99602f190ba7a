import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { AlertMarkStore } from '#shared/adapters/alert-mark-store';
import { CohortLogStore } from '#shared/adapters/cohort-log-store';
import { CoverageUnionStore } from '#shared/adapters/coverage-union-store';
import { DayIndexStore } from '#shared/adapters/day-index';
import { deadLetterQueuesEnvSchema, SqsDeadLetterQueues } from '#shared/adapters/dead-letter-queues';
import { createDocumentClient } from '#shared/adapters/dynamo';
import { EventBridgePublisher } from '#shared/adapters/event-publisher';
import { EventStore } from '#shared/adapters/event-store';
import { FeedFreshnessStore } from '#shared/adapters/feed-freshness-store';
import { FeedWatchStore } from '#shared/adapters/feed-watch-store';
import { GpsLogStore } from '#shared/adapters/gps-log-store';
import { GpsRecordIdsStore } from '#shared/adapters/gps-record-ids';
import { IndicatorsRepository } from '#shared/adapters/indicators-repository';
import { OpenItemsStore, RecentlyListedOpenItems } from '#shared/adapters/open-items-store';
import { OpenOverdueStore } from '#shared/adapters/open-overdue-store';
import { QualityStore } from '#shared/adapters/quality-store';
import { QuarantineStore } from '#shared/adapters/quarantine-store';
import { ReferenceRepository } from '#shared/adapters/reference-repository';
import { SanitationRepository } from '#shared/adapters/sanitation-repository';
import { WebhookRepliesStore } from '#shared/adapters/webhook-replies-store';
import { WebhooksRepository } from '#shared/adapters/webhooks-repository';
import type { AdminDeps } from '#shared/app/admin';
import type { AlertChecksDeps } from '#shared/app/alerts';
import {
  type ReferenceReader,
  referenceLoader,
  sanitationReferenceLoader,
  supervisionReferenceLoader,
  versionCachedLoader,
} from '#shared/app/load-reference';
import { type MapDeps, mapAreaSetOf } from '#shared/app/map';
import type { OpenItemsDeps } from '#shared/app/open-items';
import type { ReconcileDeps } from '#shared/app/reconcile';
import { baseEnvSchema } from '#shared/config';
import { alertAreasOf } from '#shared/domain/alerts';
import { listAreas } from '#shared/domain/area-list';
import {
  type AlertsSet,
  type Areas,
  DEFAULT_FEED_SILENCE_MINUTES,
  noAlerts,
  type Roads,
} from '#shared/schemas/reference';
import { tables } from '#shared/topology';

/**
 * How long the query function keeps a listing of the open-items index: the dashboard's panel asks for
 * its red and yellow pages and the counts together every 30 s, and they read one listing.
 */
const OPEN_ITEMS_KEPT_MS = 3_000;

/** Variables of functions that use the facts, indicators and replies tables and the bus. */
export const storageEnvSchema = baseEnvSchema.extend({
  [tables.facts.envVar]: z.string().min(1),
  [tables.indicators.envVar]: z.string().min(1),
  [tables.replies.envVar]: z.string().min(1),
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
  const events = new EventStore(documents, env.FACTS_TABLE);
  return {
    accepted: new GpsRecordIdsStore(documents, env.FACTS_TABLE),
    replies: new WebhookRepliesStore(documents, env.REPLIES_TABLE),
    quarantine: new QuarantineStore(documents, env.FACTS_TABLE),
    feeds: new FeedFreshnessStore(documents, env.FACTS_TABLE),
    days,
    entities: events,
    events,
    cohorts: new CohortLogStore(documents, env.FACTS_TABLE),
    openItems: new OpenItemsStore(documents, env.FACTS_TABLE),
    openOverdue: new OpenOverdueStore(documents, env.FACTS_TABLE),
    quality: new QualityStore(documents, env.FACTS_TABLE),
    indicators: new IndicatorsRepository(documents, env.INDICATORS_TABLE),
    reference: new ReferenceRepository(documents, env.FACTS_TABLE),
    sanitation: new SanitationRepository(documents, env.FACTS_TABLE),
    gps: new GpsLogStore(documents, env.FACTS_TABLE),
    coverageUnions: new CoverageUnionStore(documents, env.FACTS_TABLE),
    webhooks: new WebhooksRepository(documents, env.FACTS_TABLE),
    alertMarks: new AlertMarkStore(documents, env.FACTS_TABLE),
    feedWatch: new FeedWatchStore(documents, env.FACTS_TABLE),
    publisher: new EventBridgePublisher(eventBridge, env.EVENT_BUS_NAME),
  };
};

/** Variables of a function that runs the alert checks: storage, and the default feed silence. */
export const alertChecksEnvSchema = storageEnvSchema.extend({
  /** Minutes without accepted records after which a source that `PUT /reference/alerts` leaves out is silent. */
  FEED_SILENCE_MINUTES: z.coerce
    .number()
    .int('must be a whole number of minutes')
    .min(1)
    .max(10_080)
    .default(DEFAULT_FEED_SILENCE_MINUTES),
});

/**
 * What `checkAlerts` and `checkFeeds` (shared/app/alerts.ts) need, from the storage of one cold start:
 * the alerts set and the areas are re-read only when an admin replaced them.
 */
export const alertChecksDepsOf = (
  storage: Pick<AlertChecksDeps, 'indicators' | 'alertMarks' | 'feeds' | 'feedWatch' | 'publisher'> & {
    readonly reference: ReferenceReader;
  },
  env: Pick<z.infer<typeof alertChecksEnvSchema>, 'CITY_TIMEZONE' | 'FEED_SILENCE_MINUTES'>,
): AlertChecksDeps => ({
  loadAlerts: versionCachedLoader(
    storage.reference,
    ['alerts'],
    ([alerts]) => (alerts as AlertsSet | undefined) ?? noAlerts,
  ),
  loadAreas: versionCachedLoader(storage.reference, ['areas'], ([areas]) =>
    alertAreasOf(listAreas(areas as Areas | undefined)),
  ),
  indicators: storage.indicators,
  alertMarks: storage.alertMarks,
  feeds: storage.feeds,
  feedWatch: storage.feedWatch,
  publisher: storage.publisher,
  timeZone: env.CITY_TIMEZONE,
  defaultSilenceMinutes: env.FEED_SILENCE_MINUTES,
});

/**
 * What recomputing and reconciling need, from the storage of one cold start (the road network is
 * cached across calls).
 */
export const recomputeDepsOf = (storage: ReturnType<typeof createStorage>, timeZone: string) =>
  ({
    ...storage,
    loadReference: referenceLoader(storage.reference),
    loadSanitation: sanitationReferenceLoader(storage.reference),
    loadSupervision: supervisionReferenceLoader(storage.reference),
    timeZone,
    now: Date.now,
  }) satisfies ReconcileDeps & OpenItemsDeps;

/** Variables of the admin function: storage, and the dead-letter queues it may move back. */
export const adminEnvSchema = storageEnvSchema.extend({
  /** JSON: per queue name, its dead-letter queue's `url` and `arn` and the queue's `sourceArn`. */
  DEAD_LETTER_QUEUES: deadLetterQueuesEnvSchema,
  SQS_ENDPOINT: z.url().optional(),
});

/**
 * What the admin routes need: recomputing, reference writes, the quarantine, the quality findings and
 * the dead-letter queues.
 */
export const adminDepsOf = (
  storage: ReturnType<typeof createStorage>,
  env: z.infer<typeof adminEnvSchema>,
): AdminDeps => ({
  ...recomputeDepsOf(storage, env.CITY_TIMEZONE),
  deadLetters: new SqsDeadLetterQueues(
    new SQSClient(env.SQS_ENDPOINT ? { endpoint: env.SQS_ENDPOINT } : {}),
    env.DEAD_LETTER_QUEUES,
  ),
});

const noRoads: Roads = { type: 'FeatureCollection', features: [] };

/** Variables of the query function, which reads the indicators and a few facts but never the bus. */
export const queryEnvSchema = baseEnvSchema.extend({
  [tables.indicators.envVar]: z.string().min(1),
  [tables.facts.envVar]: z.string().min(1),
});

/** What the analyst routes read: indicators, feed freshness, the area list, and the map of a day. */
export const queryDepsOf = (env: z.infer<typeof queryEnvSchema>) => {
  const documents = createDocumentClient(env.DYNAMODB_ENDPOINT);
  const reference = new ReferenceRepository(documents, env.FACTS_TABLE);
  const indicators = new IndicatorsRepository(documents, env.INDICATORS_TABLE);
  const map: MapDeps = {
    loadRoads: versionCachedLoader(
      reference,
      ['roads'],
      ([roads]) => (roads as Roads | undefined) ?? noRoads,
    ),
    sanitation: {
      gps: new GpsLogStore(documents, env.FACTS_TABLE),
      coverageUnions: new CoverageUnionStore(documents, env.FACTS_TABLE),
      sanitation: new SanitationRepository(documents, env.FACTS_TABLE),
      loadSanitation: sanitationReferenceLoader(reference),
      timeZone: env.CITY_TIMEZONE,
      now: Date.now,
    },
    loadAreas: versionCachedLoader(reference, ['areas'], ([areas]) =>
      mapAreaSetOf(areas as Areas | undefined),
    ),
    indicators,
    // Never compacts: the map's reads write nothing (the recompute compacts the logs it reads).
    cohorts: new CohortLogStore(documents, env.FACTS_TABLE, Number.POSITIVE_INFINITY),
    events: new EventStore(documents, env.FACTS_TABLE),
    now: Date.now,
  };
  return {
    indicators,
    feeds: new FeedFreshnessStore(documents, env.FACTS_TABLE),
    /** The area list, re-read only when an admin replaced the areas since the last call. */
    loadAreaList: versionCachedLoader(reference, ['areas'], ([areas]) =>
      listAreas(areas as Areas | undefined),
    ),
    map,
    /** Open items: the index, and the areas, calendar and thresholds they are lit by. */
    openItems: {
      openItems: new RecentlyListedOpenItems(documents, env.FACTS_TABLE, OPEN_ITEMS_KEPT_MS),
      loadSupervision: supervisionReferenceLoader(reference),
      timeZone: env.CITY_TIMEZONE,
      now: Date.now,
    } satisfies OpenItemsDeps,
    now: Date.now,
  };
};
