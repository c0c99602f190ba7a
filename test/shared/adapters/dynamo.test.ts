import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { batchGet, batchPut, createDocumentClient, UnprocessedItemsError } from '#shared/adapters/dynamo';

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
