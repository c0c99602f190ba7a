import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchExecuteStatementCommand, BatchGetCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamo';
import {
  attributeValueBytes,
  CapacityMeter,
  instrumentDocumentClients,
  itemBytes,
  kindOfKey,
  numberBytes,
  plainItemBytes,
  readUnits,
  sumTallies,
  writeUnits,
} from './capacity.ts';

describe('item sizes by DynamoDB rules', () => {
  it.each([
    ['12345', 4],
    ['-123.45', 4],
    ['0.001', 2],
    ['1000', 2],
    ['1.5e10', 2],
    ['0', 2],
  ])('a number %s takes %i bytes', (text, bytes) => {
    expect(numberBytes(text)).toBe(bytes);
  });

  it.each([
    [{ S: 'héllo' }, 6],
    [{ BOOL: true }, 1],
    [{ NULL: true }, 1],
    [{ B: new Uint8Array(10) }, 10],
    [{ SS: ['a', 'bc'] }, 3],
    [{ NS: ['1', '22', '333'] }, 7],
    [{ L: [{ S: 'a' }, { N: '1' }] }, 3 + (1 + 1) + (1 + 2)],
    [{ M: { x: { S: 'yz' } } }, 3 + (1 + 1 + 2)],
    [{ L: [] }, 3],
  ])('%j takes %i bytes', (value, bytes) => {
    expect(attributeValueBytes(value)).toBe(bytes);
  });

  it('counts attribute names and values, marshalling plain values first', () => {
    expect(itemBytes({ pk: { S: 'ab' }, n: { N: '123' } })).toBe(2 + 2 + 1 + 3);
    expect(plainItemBytes({ pk: 'ab', n: 123, tags: new Set(['x']), nested: { a: [1] } })).toBe(
      2 + 2 + 1 + 3 + 4 + 1 + 6 + (3 + (1 + 1 + (3 + (1 + 2)))),
    );
  });

  it('rounds reads to 4 KB (halved when eventually consistent) and writes to 1 KB', () => {
    expect(readUnits(5000, true)).toBe(2);
    expect(readUnits(5000, false)).toBe(1);
    expect(readUnits(undefined, false)).toBe(0.5);
    expect(writeUnits(1025)).toBe(2);
    expect(writeUnits(0)).toBe(1);
  });

  it('names the kind of item by the prefix of its partition key', () => {
    expect(kindOfKey('dedupe#hotline#e1', 'facts')).toBe('dedupe');
    expect(kindOfKey('days', 'facts')).toBe('days');
    expect(kindOfKey({ area: 'city' }, 'indicators')).toBe('indicators');
  });
});

describe('the capacity meter against DynamoDB Local', () => {
  const endpoint = inject('dynamoDbEndpoint');
  const table = `bench-capacity-${Date.now()}`;
  const raw = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const meter = new CapacityMeter();
  let uninstall = () => {};
  beforeAll(async () => {
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    await raw.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    uninstall = instrumentDocumentClients(meter, {
      tableRole: (name) => (name === table ? 'facts' : 'other'),
    });
  });
  afterAll(async () => {
    uninstall();
    await raw.send(new DeleteTableCommand({ TableName: table }));
    raw.destroy();
  });

  it('sums the units DynamoDB Local reports and computes the ones it leaves out', async () => {
    const documents = createDocumentClient(endpoint);
    const big = 'x'.repeat(1500);
    await documents.send(new PutCommand({ TableName: table, Item: { pk: 'dedupe#a', sk: 'accepted', big } }));
    await documents.send(
      new GetCommand({ TableName: table, Key: { pk: 'dedupe#a', sk: 'accepted' }, ConsistentRead: true }),
    );
    // One found item (under 4 KB) and one missing key, strongly consistent: 1 + 1 units.
    await documents.send(
      new BatchGetCommand({
        RequestItems: {
          [table]: {
            Keys: [
              { pk: 'dedupe#a', sk: 'accepted' },
              { pk: 'dedupe#b', sk: 'accepted' },
            ],
            ConsistentRead: true,
          },
        },
      }),
    );
    // A failed condition costs the existing item's size in write units: about 1.5 KB → 2.
    await expect(
      documents.send(
        new PutCommand({
          TableName: table,
          Item: { pk: 'dedupe#a', sk: 'accepted' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toThrow('The conditional request failed');
    // PartiQL INSERTs, of which DynamoDB Local reports nothing: a new 1.5 KB item (2 units), a small one
    // (1) and a small one refused on the existing 1.5 KB item's key (a failed put: the existing item, 2).
    const insert = (pk: string, body: string) => ({
      Statement: `INSERT INTO "${table}" VALUE {'pk': ?, 'sk': ?, 'body': ?}`,
      Parameters: [pk, 'e#1', body],
    });
    const inserted = await documents.send(
      new BatchExecuteStatementCommand({
        Statements: [insert('ticket#1', big), insert('ticket#2', 'small')],
      }),
    );
    expect(inserted.Responses?.map((response) => response.Error?.Code)).toEqual([undefined, undefined]);
    const refused = await documents.send(
      new BatchExecuteStatementCommand({ Statements: [insert('ticket#1', 'again')] }),
    );
    expect(refused.Responses?.[0]?.Error?.Code).toBe('DuplicateItem');
    // PartiQL UPDATEs: one grows a small item past 1 KB (the larger of before and after: 2 units), one
    // finds no item (a failed condition on nothing: 1).
    const grow = (pk: string) => ({
      Statement: `UPDATE "${table}" SET ids = set_add(ids, ?) WHERE pk = ? AND sk = ?`,
      Parameters: [new Set([big]), pk, 'ids'],
    });
    await documents.send(
      new PutCommand({ TableName: table, Item: { pk: 'gpsids#1', sk: 'ids', ids: new Set(['a']) } }),
    );
    const updated = await documents.send(
      new BatchExecuteStatementCommand({ Statements: [grow('gpsids#1'), grow('gpsids#2')] }),
    );
    expect(updated.Responses?.map((response) => response.Error?.Code)).toEqual([
      undefined,
      'ConditionalCheckFailed',
    ]);
    documents.destroy();

    const byOperation = (operation: string) =>
      sumTallies(meter.entries(), (entry) => entry.operation === operation && entry.kind === 'dedupe');
    expect(byOperation('PutItem')).toMatchObject({ calls: 2, wru: 2 + 2, computed: 2 });
    expect(byOperation('GetItem')).toMatchObject({ calls: 1, rru: 1, itemsRead: 1 });
    expect(byOperation('BatchGetItem')).toMatchObject({ calls: 1, rru: 2, itemsRead: 1, computed: 2 });
    expect(
      sumTallies(
        meter.entries(),
        (entry) => entry.operation === 'BatchExecuteStatement' && entry.kind === 'ticket',
      ),
    ).toMatchObject({ calls: 2, wru: 2 + 1 + 2, computed: 5 });
    expect(
      sumTallies(
        meter.entries(),
        (entry) => entry.operation === 'BatchExecuteStatement' && entry.kind === 'gpsids',
      ),
    ).toMatchObject({ calls: 1, wru: 2 + 1, computed: 3 });
    // The meter's own reads, sizing the updated items, are not counted.
    expect(sumTallies(meter.entries(), (entry) => entry.operation === 'GetItem').calls).toBe(1);
    expect(meter.entries().every((entry) => entry.owner === 'bench')).toBe(true);
  });
});
