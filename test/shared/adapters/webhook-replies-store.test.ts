import { gzipSync } from 'node:zlib';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamo';
import { WebhookRepliesStore } from '#shared/adapters/webhook-replies-store';

const documents = mockClient(DynamoDBDocumentClient);
const store = new WebhookRepliesStore(createDocumentClient('http://127.0.0.1:1'), 'replies');
const now = Date.parse('2026-03-02T08:00:00Z');
const reply = {
  status: 202 as const,
  answer: { accepted: 1, duplicates: 0, rejected: [] },
  bodyDigest: 'd1',
};
/** A refused conditional put, without the kept item (DynamoDB returns it only when asked and able). */
const refusal = () =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

beforeEach(() => documents.reset());

describe('WebhookRepliesStore.saveReply when a refusal brings no kept answer', () => {
  it('reads the kept answer instead', async () => {
    documents.on(PutCommand).rejects(refusal());
    documents.on(GetCommand).resolves({
      Item: {
        status: 202,
        answer: gzipSync(JSON.stringify({ accepted: 2, duplicates: 0, rejected: [] })),
        bodyDigest: 'd0',
        expiresAt: now / 1000 + 3600,
      },
    });
    expect(await store.saveReply('sanitation', 'w1', reply, now, Uint8Array.from([1]))).toEqual({
      status: 202,
      answer: { accepted: 2, duplicates: 0, rejected: [] },
      bodyDigest: 'd0',
    });
    expect(documents).toReceiveCommandWith(GetCommand, { ConsistentRead: true });
  });

  it('fails rather than report the answer kept when none is', async () => {
    documents.on(PutCommand).rejects(refusal());
    documents.on(GetCommand).resolves({});
    await expect(store.saveReply('sanitation', 'w1', reply, now, Uint8Array.from([1]))).rejects.toThrow(
      'no answer is kept',
    );
  });
});
