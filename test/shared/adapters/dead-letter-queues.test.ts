import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deadLetterQueuesEnvSchema, SqsDeadLetterQueues } from '#shared/adapters/dead-letter-queues';
import { ConflictError } from '#shared/domain/errors';

const sqs = mockClient(SQSClient);
const facts = {
  url: 'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/FactsDeadLetters',
  arn: 'arn:aws-cn:sqs:cn-north-1:123456789012:FactsDeadLetters',
  sourceArn: 'arn:aws-cn:sqs:cn-north-1:123456789012:FactsQueue',
};
const queues = new SqsDeadLetterQueues(new SQSClient({ region: 'cn-north-1' }), { facts });

beforeEach(() => sqs.reset());

describe('SqsDeadLetterQueues', () => {
  it('peeks with a visibility timeout of 0, reading detail-types and the error the bus left', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '3' } });
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [
        {
          MessageId: 'm1',
          Body: JSON.stringify({ id: 'e1', 'detail-type': 'hotline.record-accepted', detail: {} }),
        },
        {
          MessageId: 'm2',
          Body: JSON.stringify({ id: 'e2', 'detail-type': 'facts.changed', detail: {} }),
          MessageAttributes: {
            ERROR_MESSAGE: { DataType: 'String', StringValue: 'Failed to send to the target queue' },
          },
        },
        { MessageId: 'm3', Body: 'not JSON' },
      ],
    });
    expect(await queues.peek('facts', 10)).toEqual({
      count: 3,
      sample: [
        { messageId: 'm1', detailType: 'hotline.record-accepted' },
        { messageId: 'm2', detailType: 'facts.changed', error: 'Failed to send to the target queue' },
        { messageId: 'm3' },
      ],
    });
    expect(sqs).toReceiveCommandWith(GetQueueAttributesCommand, {
      QueueUrl: facts.url,
      AttributeNames: ['ApproximateNumberOfMessages'],
    });
    expect(sqs).toReceiveCommandWith(ReceiveMessageCommand, {
      QueueUrl: facts.url,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      WaitTimeSeconds: 0,
    });
  });

  it('does not receive from an empty dead-letter queue', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
    expect(await queues.peek('facts', 10)).toEqual({ count: 0, sample: [] });
    expect(sqs).not.toReceiveCommand(ReceiveMessageCommand);
  });

  it('moves back with a message move task from the dead-letter queue to its own queue', async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [{ Status: 'COMPLETED' }] });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '7' } });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    expect(await queues.moveBack('facts')).toEqual({ moved: 7, taskHandle: 'task-1' });
    expect(sqs).toReceiveCommandWith(StartMessageMoveTaskCommand, {
      SourceArn: facts.arn,
      DestinationArn: facts.sourceArn,
    });
  });

  it('starts no task for an empty dead-letter queue', async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
    expect(await queues.moveBack('facts')).toEqual({ moved: 0 });
    expect(sqs).not.toReceiveCommand(StartMessageMoveTaskCommand);
  });

  it('refuses (409) while a move of the same dead letters is running', async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        {
          Status: 'RUNNING',
          StartedTimestamp: Date.parse('2026-03-02T01:00:00Z'),
          ApproximateNumberOfMessagesMoved: 2,
          ApproximateNumberOfMessagesToMove: 9,
        },
      ],
    });
    const attempt = queues.moveBack('facts');
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toThrow(
      'the dead letters of queue facts are being moved already (task started 2026-03-02T01:00:00.000Z, 2 of 9 moved)',
    );
    expect(sqs).not.toReceiveCommand(StartMessageMoveTaskCommand);
  });

  it('names a queue it has no address for', async () => {
    await expect(queues.peek('delivery', 10)).rejects.toThrow(
      'no dead-letter queue configured for queue delivery (DEAD_LETTER_QUEUES)',
    );
  });
});

describe('DEAD_LETTER_QUEUES', () => {
  it.each([
    ['not JSON', '{', 'must be JSON'],
    ['an unknown queue', JSON.stringify({ parking: facts }), 'parking'],
    ['an address without its source', JSON.stringify({ facts: { url: 'u', arn: 'a' } }), 'sourceArn'],
  ])('refuses %s', (_name, value, problem) => {
    const parsed = deadLetterQueuesEnvSchema.safeParse(value);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(problem);
  });

  it('reads an address per queue', () => {
    expect(deadLetterQueuesEnvSchema.parse(JSON.stringify({ facts }))).toEqual({ facts });
  });
});
