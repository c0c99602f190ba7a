/**
 * What DynamoDB Local's Java process spends per item, by kind of call: the local runtime's limit. The
 * hub of `npm start` runs on DynamoDB Local in memory, and on a machine of few cores that process,
 * not the hub, decides how many records a second are counted end to end (the throughput suite
 * measures both sides). Each call kind runs on fresh keys, a few at once as the handlers send them,
 * after a warm-up of the same calls; CPU is the process's user + system time from /proc.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchExecuteStatementCommand,
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import { startDynamoDbLocal } from '#infra/local/dynamodb-local';
import { freePort } from '#infra/local/servers';
import { ensureTable } from '#shared/adapters/table-definitions';
import { tables } from '#shared/topology';
import { type Figure, progress, runSuite } from '../figures.ts';
import { processCpuMs } from '../process-cpu.ts';

const SUITE = 'dynamodb-local';
const TABLE = 'probe';
const ITEMS = Number(process.env.BENCH_DYNAMODB_LOCAL_ITEMS ?? 10_000);
/** Items of one entity a Query reads: a ticket's lifecycle. */
const EVENTS_PER_ENTITY = 4;
/** About a stored hotline event: keys, webhook-id, acceptance time and the record. */
const RECORD_BYTES = 400;

type Item = { pk: string; sk: string; w: string; acceptedAt: string; record: string };
const itemOf = (round: string, entity: number, event = 0): Item => ({
  pk: `${round}#${entity}`,
  sk: `2026-03-02T08:00:0${event}.000Z#e${entity}-${event}`,
  w: `msg_${round}_${entity}`,
  acceptedAt: '2026-03-02T08:00:10.000Z',
  record: 'r'.repeat(RECORD_BYTES),
});
const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, index * size + size),
  );

runSuite(SUITE, async () => {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const local = await startDynamoDbLocal(await freePort());
  const { pid } = local;
  if (pid === undefined) throw new Error('DynamoDB Local started without a process id');
  const raw = new DynamoDBClient({ endpoint: local.endpoint });
  const client = DynamoDBDocumentClient.from(raw);
  try {
    // The declared facts table: the hub's events, GPS record-id buckets and open items are kept there.
    await ensureTable(raw, tables.facts, TABLE);
    const entities = Array.from({ length: ITEMS }, (_, index) => index);
    const writeAll = (items: readonly Item[]) =>
      pMap(
        chunks(items, 25),
        async (part) => {
          const { UnprocessedItems } = await client.send(
            new BatchWriteCommand({
              RequestItems: { [TABLE]: part.map((Item) => ({ PutRequest: { Item } })) },
            }),
          );
          // DynamoDB Local processes every item; a figure of items left undone would mean nothing.
          if (Object.keys(UnprocessedItems ?? {}).length > 0)
            throw new Error('BatchWriteItem left items unprocessed');
        },
        { concurrency: 4 },
      );
    const keysOf = (round: string) =>
      entities.map((entity) => {
        const { pk, sk } = itemOf(round, entity);
        return { pk, sk };
      });
    /** Each kind of call: what it needs stored first (not measured), then the calls measured, on `round`'s keys. */
    const kinds: {
      id: string;
      figure: string;
      prepare?: (round: string) => Promise<unknown>;
      measure: (round: string) => Promise<unknown>;
    }[] = [
      {
        id: 'put',
        figure: 'conditional PutItem (an event alone, an answer), per call',
        measure: (round) =>
          pMap(
            entities,
            (entity) =>
              client.send(
                new PutCommand({
                  TableName: TABLE,
                  Item: itemOf(round, entity),
                  ConditionExpression: 'attribute_not_exists(pk)',
                }),
              ),
            { concurrency: 8 },
          ),
      },
      {
        id: 'partiql-insert',
        figure: 'PartiQL INSERT, 25 to a BatchExecuteStatement (a request’s events), per item',
        measure: (round) =>
          pMap(
            chunks(entities, 25),
            async (part) => {
              const { Responses } = await client.send(
                new BatchExecuteStatementCommand({
                  Statements: part.map((entity) => {
                    const { pk, sk, w, acceptedAt, record } = itemOf(round, entity);
                    return {
                      Statement: `INSERT INTO "${TABLE}" VALUE {'pk': ?, 'sk': ?, 'w': ?, 'acceptedAt': ?, 'record': ?}`,
                      Parameters: [pk, sk, w, acceptedAt, record],
                    };
                  }),
                }),
              );
              const failed = (Responses ?? []).find((response) => response.Error);
              if (failed || Responses?.length !== part.length)
                throw new Error(
                  `PartiQL INSERT failed: ${failed?.Error?.Message ?? 'statements unanswered'}`,
                );
            },
            { concurrency: 4 },
          ),
      },
      {
        id: 'batch-write',
        figure: 'BatchWriteItem put, 25 to a call (unconditional), per item',
        measure: (round) => writeAll(entities.map((entity) => itemOf(round, entity))),
      },
      {
        id: 'query',
        figure: `consistent Query of an entity's ${EVENTS_PER_ENTITY} events (the facts consumer's read), per call`,
        prepare: (round) =>
          writeAll(
            entities.flatMap((entity) =>
              Array.from({ length: EVENTS_PER_ENTITY }, (_, event) => itemOf(round, entity, event)),
            ),
          ),
        measure: (round) =>
          pMap(
            entities,
            async (entity) => {
              const { Count } = await client.send(
                new QueryCommand({
                  TableName: TABLE,
                  KeyConditionExpression: 'pk = :pk',
                  ExpressionAttributeValues: { ':pk': `${round}#${entity}` },
                  ConsistentRead: true,
                }),
              );
              if (Count !== EVENTS_PER_ENTITY)
                throw new Error(`a Query found ${Count} of ${EVENTS_PER_ENTITY} items`);
            },
            { concurrency: 8 },
          ),
      },
      {
        id: 'batch-get',
        figure: 'consistent BatchGetItem, 100 keys to a call, per item',
        prepare: (round) => writeAll(entities.map((entity) => itemOf(round, entity))),
        measure: (round) =>
          pMap(
            chunks(keysOf(round), 100),
            async (Keys) => {
              const { Responses, UnprocessedKeys } = await client.send(
                new BatchGetCommand({ RequestItems: { [TABLE]: { Keys, ConsistentRead: true } } }),
              );
              const found = Responses?.[TABLE]?.length ?? 0;
              if (found !== Keys.length || Object.keys(UnprocessedKeys ?? {}).length > 0)
                throw new Error(`a BatchGetItem found ${found} of ${Keys.length} items`);
            },
            { concurrency: 4 },
          ),
      },
    ];
    const figures: Figure[] = [];
    for (const kind of kinds) {
      // A warm-up of the same calls first: the Java process compiles the code they run.
      for (const round of [`${kind.id}-warm`, `${kind.id}-measured`]) await kind.prepare?.(round);
      await kind.measure(`${kind.id}-warm`);
      const before = processCpuMs(pid);
      const started = performance.now();
      await kind.measure(`${kind.id}-measured`);
      const ms = performance.now() - started;
      const cpuMs = processCpuMs(pid) - before;
      progress(SUITE, `${kind.id}: ${ITEMS} in ${ms.toFixed(0)} ms, ${cpuMs.toFixed(0)} ms of CPU`);
      figures.push({
        id: `dynamodb-local.${kind.id}`,
        figure: `DynamoDB Local CPU: ${kind.figure}`,
        value: (cpuMs * 1000) / ITEMS,
        unit: 'µs',
        digits: 0,
        how: `${ITEMS} on fresh keys after as many in a warm-up, a few calls at once; CPU of its Java process (/proc), in memory; ${(ITEMS / (ms / 1000)).toFixed(0)} a second`,
      });
    }
    return { figures };
  } finally {
    raw.destroy();
    await local.stop();
  }
});
