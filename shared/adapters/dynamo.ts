import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type BatchExecuteStatementBatchStatementError,
  type BatchExecuteStatementBatchStatementRequest,
  BatchExecuteStatementCommand,
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';

/**
 * How the project's document clients turn plain values into DynamoDB's. Frozen, and copied for each
 * user: the document client writes into the options it is given.
 */
export const MARSHALL_OPTIONS = Object.freeze({
  removeUndefinedValues: true,
  convertClassInstanceToMap: false,
});

/** A DynamoDB document client; `endpoint` points it at DynamoDB Local. */
export const createDocumentClient = (endpoint?: string): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient(endpoint ? { endpoint } : {}), {
    marshallOptions: { ...MARSHALL_OPTIONS },
  });

/** Thrown when DynamoDB keeps leaving part of a batch unprocessed. */
export class UnprocessedItemsError extends Error {
  override name = 'UnprocessedItemsError';
}

const MAX_BATCH_ROUNDS = 8;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const backoff = (round: number) => pause(Math.min(1000, 25 * 2 ** round) * (0.5 + Math.random() / 2));

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
};

/** Gets items by key, 100 per call, retrying unprocessed keys with backoff. */
export const batchGet = async (
  client: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
  projection?: string,
  consistentRead = false,
): Promise<Record<string, unknown>[]> => {
  const found: Record<string, unknown>[] = [];
  for (const part of chunk(keys, 100)) {
    let pending: Record<string, unknown>[] | undefined = part;
    for (let round = 0; pending && pending.length > 0; round += 1) {
      if (round === MAX_BATCH_ROUNDS)
        throw new UnprocessedItemsError(`BatchGet on ${table} left keys unprocessed`);
      if (round > 0) await backoff(round);
      const answer: BatchGetCommandOutput = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: pending,
              ConsistentRead: consistentRead,
              ...(projection ? { ProjectionExpression: projection } : {}),
            },
          },
        }),
      );
      found.push(...(answer.Responses?.[table] ?? []));
      pending = answer.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return found;
};

/** Puts items, 25 per call, retrying unprocessed items with backoff. */
export const batchPut = async (
  client: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
): Promise<void> => {
  await batchWrite(
    client,
    table,
    items.map((item) => ({ PutRequest: { Item: item } })),
  );
};

/** Deletes items by key, 25 per call, retrying unprocessed items with backoff. */
export const batchDelete = async (
  client: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
): Promise<void> => {
  await batchWrite(
    client,
    table,
    keys.map((key) => ({ DeleteRequest: { Key: key } })),
  );
};

type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

const batchWrite = async (client: DynamoDBDocumentClient, table: string, requests: WriteRequest[]) => {
  for (const part of chunk(requests, 25)) {
    let pending: unknown[] | undefined = part;
    for (let round = 0; pending && pending.length > 0; round += 1) {
      if (round === MAX_BATCH_ROUNDS)
        throw new UnprocessedItemsError(`BatchWrite on ${table} left items unprocessed`);
      if (round > 0) await backoff(round);
      const answer: BatchWriteCommandOutput = await client.send(
        new BatchWriteCommand({ RequestItems: { [table]: pending as WriteRequest[] } }),
      );
      pending = answer.UnprocessedItems?.[table];
    }
  }
};

/** Statements DynamoDB takes in one BatchExecuteStatement. */
const STATEMENTS_PER_CALL = 25;

/** Errors of a statement in a batch that another try may not repeat. */
const RETRYABLE_STATEMENT_ERRORS: ReadonlySet<string> = new Set([
  'RequestLimitExceeded',
  'ProvisionedThroughputExceeded',
  'ThrottlingError',
  'TransactionConflict',
  'InternalServerError',
]);

/** A PartiQL INSERT refused because its key exists: the same condition as a put's `attribute_not_exists`. */
export const DUPLICATE_ITEM: ReadonlySet<string> = new Set(['DuplicateItem']);
/** A PartiQL UPDATE refused by its WHERE clause, or on a missing item. */
export const CONDITION_FAILED: ReadonlySet<string> = new Set(['ConditionalCheckFailed']);

/** Thrown when a statement of a batch fails for a reason its caller did not expect. */
export class StatementError extends Error {
  override name = 'StatementError';
}

/** BatchExecuteStatement calls in flight at once. */
const STATEMENT_CALLS_AT_ONCE = 4;

/**
 * Runs PartiQL statements, 25 per call (a few calls at once), retrying with backoff those that failed
 * for throttling or an internal error. Returns each statement's outcome, in order: undefined when it
 * took effect, or its error when that is one of `expected` (`DuplicateItem` for an INSERT of an
 * existing key, `ConditionalCheckFailed`); any other error throws. The statements must name distinct
 * items (DynamoDB refuses a call that names one twice).
 */
export const executeStatements = async (
  client: DynamoDBDocumentClient,
  statements: readonly BatchExecuteStatementBatchStatementRequest[],
  expected: ReadonlySet<string>,
): Promise<(BatchExecuteStatementBatchStatementError | undefined)[]> => {
  const outcomes = await pMap(
    chunk(statements, STATEMENTS_PER_CALL),
    async (part) => {
      const settled = new Array<BatchExecuteStatementBatchStatementError | undefined>(part.length);
      let pending = part.map((_, index) => index);
      for (let round = 0; pending.length > 0; round += 1) {
        if (round === MAX_BATCH_ROUNDS)
          throw new UnprocessedItemsError(
            `BatchExecuteStatement left ${pending.length} statements failing: ${settled[pending[0] ?? 0]?.Code}`,
          );
        if (round > 0) await backoff(round);
        const answer = await client.send(
          new BatchExecuteStatementCommand({ Statements: pending.flatMap((index) => part[index] ?? []) }),
        );
        const responses = answer.Responses ?? [];
        if (responses.length !== pending.length)
          throw new StatementError(
            `BatchExecuteStatement answered ${responses.length} of ${pending.length} statements`,
          );
        const retry: number[] = [];
        pending.forEach((index, position) => {
          const error = responses[position]?.Error;
          settled[index] = error;
          if (!error || expected.has(error.Code ?? '')) return;
          if (RETRYABLE_STATEMENT_ERRORS.has(error.Code ?? '')) retry.push(index);
          else throw new StatementError(`statement failed: ${error.Code}: ${error.Message ?? ''}`);
        });
        pending = retry;
      }
      return settled;
    },
    { concurrency: STATEMENT_CALLS_AT_ONCE },
  );
  return outcomes.flat();
};

/** Every item a query returns, following `LastEvaluatedKey`. */
export const queryAll = async (
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
};

/** True when a DynamoDB error is a failed condition check. */
export const isConditionFailed = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';
