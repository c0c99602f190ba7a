import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { AlertMarkStore } from '#shared/adapters/alert-mark-store';
import { CohortLogStore } from '#shared/adapters/cohort-log-store';
import { CoverageUnionStore } from '#shared/adapters/coverage-union-store';
import { DayIndexStore } from '#shared/adapters/day-index';
import { createDocumentClient } from '#shared/adapters/dynamo';
import { EventStore } from '#shared/adapters/event-store';
import { FeedFreshnessStore } from '#shared/adapters/feed-freshness-store';
import { FeedWatchStore } from '#shared/adapters/feed-watch-store';
import { GpsLogStore } from '#shared/adapters/gps-log-store';
import { GpsRecordIdsStore } from '#shared/adapters/gps-record-ids';
import { IndicatorsRepository } from '#shared/adapters/indicators-repository';
import { OpenItemsStore } from '#shared/adapters/open-items-store';
import { OpenOverdueStore } from '#shared/adapters/open-overdue-store';
import { QualityStore } from '#shared/adapters/quality-store';
import { QuarantineStore } from '#shared/adapters/quarantine-store';
import { ReferenceRepository } from '#shared/adapters/reference-repository';
import { SanitationRepository } from '#shared/adapters/sanitation-repository';
import { ensureTable } from '#shared/adapters/table-definitions';
import { WebhookRepliesStore } from '#shared/adapters/webhook-replies-store';
import { sanitationReferenceLoader, supervisionReferenceLoader } from '#shared/app/load-reference';
import { emptyAreaRegistry } from '#shared/domain/areas';
import { defaultCalendar } from '#shared/domain/calendar';
import { tables } from '#shared/topology';

/** Fresh copies of the declared tables in the shared DynamoDB Local, and the stores over them. */
export const createTestTables = async () => {
  const endpoint = inject('dynamoDbEndpoint');
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const suffix = randomUUID().slice(0, 8);
  const names = { facts: `test-facts-${suffix}`, indicators: `test-indicators-${suffix}` };
  const client = new DynamoDBClient({ endpoint });
  await ensureTable(client, tables.facts, names.facts);
  await ensureTable(client, tables.indicators, names.indicators);
  const documents = createDocumentClient(endpoint);
  const days = new DayIndexStore(documents, names.facts);
  return {
    endpoint,
    names,
    documents,
    accepted: new GpsRecordIdsStore(documents, names.facts),
    replies: new WebhookRepliesStore(documents, names.facts),
    quarantine: new QuarantineStore(documents, names.facts),
    feeds: new FeedFreshnessStore(documents, names.facts),
    days,
    entities: new EventStore(documents, names.facts),
    events: new EventStore(documents, names.facts),
    cohorts: new CohortLogStore(documents, names.facts),
    openItems: new OpenItemsStore(documents, names.facts),
    openOverdue: new OpenOverdueStore(documents, names.facts),
    quality: new QualityStore(documents, names.facts),
    indicators: new IndicatorsRepository(documents, names.indicators),
    reference: new ReferenceRepository(documents, names.facts),
    sanitation: new SanitationRepository(documents, names.facts),
    gps: new GpsLogStore(documents, names.facts),
    coverageUnions: new CoverageUnionStore(documents, names.facts),
    alertMarks: new AlertMarkStore(documents, names.facts),
    feedWatch: new FeedWatchStore(documents, names.facts),
    drop: async () => {
      for (const name of Object.values(names)) await client.send(new DeleteTableCommand({ TableName: name }));
      client.destroy();
    },
  };
};

/**
 * What the recompute, the reconciliation and the facts consumer need over test tables: the stores,
 * a publisher, no areas and the default calendar, reference sets from the tables, the city's time
 * zone and a clock.
 */
export const pipelineDeps = <Publisher>(
  db: Awaited<ReturnType<typeof createTestTables>>,
  publisher: Publisher,
  now: () => number,
) => ({
  ...db,
  publisher,
  loadReference: async () => ({ areas: emptyAreaRegistry, calendar: defaultCalendar }),
  loadSanitation: sanitationReferenceLoader(db.reference),
  loadSupervision: supervisionReferenceLoader(db.reference),
  timeZone: 'Asia/Shanghai',
  now,
});
