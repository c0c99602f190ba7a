import {
  BatchExecuteStatementCommand,
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  batchGet,
  batchPut,
  createDocumentClient,
  executeStatements,
  StatementError,
  UnprocessedItemsError,
} from '#shared/adapters/dynamo';

const documents = mockClient(DynamoDBDocumentClient);
const client = createDocumentClient('http://127.0.0.1:1');

beforeEach(() => documents.reset());

describe('batch helpers', () => {
  it('asks again for keys DynamoDB left unprocessed', async () => {
    documents
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { t: [{ pk: 'a' }] }, UnprocessedKeys: { t: { Keys: [{ pk: 'b' }] } } })
      .resolvesOnce({ Responses: { t: [{ pk: 'b' }] } });
    expect(await batchGet(client, 't', [{ pk: 'a' }, { pk: 'b' }])).toEqual([{ pk: 'a' }, { pk: 'b' }]);
    expect(documents).toReceiveCommandTimes(BatchGetCommand, 2);
    expect(documents).toReceiveNthCommandWith(BatchGetCommand, 2, {
      RequestItems: { t: { Keys: [{ pk: 'b' }], ConsistentRead: false } },
    });
  });

  it('writes 25 items per call and resends unprocessed ones', async () => {
    const items = Array.from({ length: 30 }, (_, index) => ({ pk: `i${index}` }));
    documents
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { t: [{ PutRequest: { Item: { pk: 'i3' } } }] } })
      .resolves({});
    await batchPut(client, 't', items);
    const sizes = documents
      .commandCalls(BatchWriteCommand)
      .map((call) => call.args[0].input.RequestItems?.t?.length);
    expect(sizes).toEqual([25, 1, 5]);
  });

  it('gives up with an error when items stay unprocessed', async () => {
    documents
      .on(BatchWriteCommand)
      .resolves({ UnprocessedItems: { t: [{ PutRequest: { Item: { pk: 'x' } } }] } });
    await expect(batchPut(client, 't', [{ pk: 'x' }])).rejects.toThrow(UnprocessedItemsError);
  });
});

describe('executeStatements', () => {
  const insert = (index: number) => ({
    Statement: `INSERT INTO "t" VALUE {'pk': ?}`,
    Parameters: [`i${index}`],
  });
  const duplicate = new Set(['DuplicateItem']);

  it('sends 25 statements a call, in order, and gives each its outcome', async () => {
    documents
      .on(BatchExecuteStatementCommand)
      .callsFake((input: { Statements: { Parameters: string[] }[] }) => ({
        Responses: input.Statements.map(({ Parameters: [pk] }) =>
          pk === 'i3' || pk === 'i27' ? { Error: { Code: 'DuplicateItem', Message: 'exists' } } : {},
        ),
      }));
    const outcomes = await executeStatements(
      client,
      Array.from({ length: 30 }, (_, index) => insert(index)),
      duplicate,
    );
    expect(outcomes.map((outcome) => outcome?.Code ?? 'ok')).toEqual(
      Array.from({ length: 30 }, (_, index) => (index === 3 || index === 27 ? 'DuplicateItem' : 'ok')),
    );
    const sizes = documents
      .commandCalls(BatchExecuteStatementCommand)
      .map((call) => call.args[0].input.Statements?.length);
    expect(sizes).toEqual([25, 5]);
  });

  it('tries throttled statements again, and only those', async () => {
    documents
      .on(BatchExecuteStatementCommand)
      .resolvesOnce({
        Responses: [{}, { Error: { Code: 'ThrottlingError', Message: 'slow down' } }, {}],
      })
      .resolvesOnce({ Responses: [{ Error: { Code: 'DuplicateItem', Message: 'exists' } }] });
    const outcomes = await executeStatements(client, [insert(0), insert(1), insert(2)], duplicate);
    expect(outcomes.map((outcome) => outcome?.Code)).toEqual([undefined, 'DuplicateItem', undefined]);
    expect(documents).toReceiveNthCommandWith(BatchExecuteStatementCommand, 2, {
      Statements: [insert(1)],
    });
  });

  it('throws on an error the caller did not expect, and on an answer that lacks statements', async () => {
    documents.on(BatchExecuteStatementCommand).resolvesOnce({
      Responses: [{ Error: { Code: 'ValidationError', Message: 'bad statement' } }],
    });
    await expect(executeStatements(client, [insert(0)], duplicate)).rejects.toThrow(
      /ValidationError: bad statement/,
    );
    documents.reset();
    documents.on(BatchExecuteStatementCommand).resolves({ Responses: [{}] });
    await expect(executeStatements(client, [insert(0), insert(1)], duplicate)).rejects.toThrow(
      StatementError,
    );
  });
});
