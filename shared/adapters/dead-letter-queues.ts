import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import * as z from 'zod';
import type { DeadLetterQueues, RedriveQueueName } from '#shared/app/redrive';
import { ConflictError } from '#shared/domain/errors';
import type { DeadLetterSample } from '#shared/schemas/admin';
import { redriveQueueNames } from '#shared/schemas/admin';

/** Where a queue's dead letters are, and where they go back to. */
export const deadLetterQueueAddressSchema = z.object({
  /** URL of the dead-letter queue. */
  url: z.string().min(1),
  /** ARN of the dead-letter queue: the source of a message move task. */
  arn: z.string().min(1),
  /** ARN of the queue it serves: the destination its messages move back to. */
  sourceArn: z.string().min(1),
});
export type DeadLetterQueueAddress = z.infer<typeof deadLetterQueueAddressSchema>;

/** `DEAD_LETTER_QUEUES`: JSON, per queue name its dead-letter queue's address. */
export const deadLetterQueuesEnvSchema = z
  .string()
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.partialRecord(z.enum(redriveQueueNames), deadLetterQueueAddressSchema));

/** The EventBridge envelope a message body holds, when it holds one. */
const detailTypeOf = (body: string | undefined): string | undefined => {
  try {
    const type = (JSON.parse(body ?? '') as Record<string, unknown>)['detail-type'];
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The SQS dead-letter queues of the hub's queues. A peek receives with a visibility timeout of 0, so
 * it hides nothing from a move; moving back is an SQS message move task from the dead-letter queue to
 * the queue it serves, named explicitly so that events the bus put there itself (it could not deliver
 * them) go back too. Messages SQS moved after `maxReceiveCount` receives carry no error; those the bus
 * could not deliver carry its `ERROR_MESSAGE` attribute, which the sample shows.
 */
export class SqsDeadLetterQueues implements DeadLetterQueues {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: Partial<Record<RedriveQueueName, DeadLetterQueueAddress>>,
  ) {}

  async peek(queue: RedriveQueueName, sampleSize: number) {
    const address = this.addressOf(queue);
    const count = await this.count(address);
    if (count === 0 || sampleSize <= 0) return { count, sample: [] };
    const received = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: address.url,
        MaxNumberOfMessages: Math.min(10, sampleSize),
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['ERROR_MESSAGE'],
      }),
    );
    const sample: DeadLetterSample[] = (received.Messages ?? []).map((message) => {
      const detailType = detailTypeOf(message.Body);
      const error = message.MessageAttributes?.ERROR_MESSAGE?.StringValue;
      return {
        messageId: message.MessageId ?? '',
        ...(detailType === undefined ? {} : { detailType }),
        ...(error === undefined ? {} : { error }),
      };
    });
    return { count, sample };
  }

  async moveBack(queue: RedriveQueueName) {
    const address = this.addressOf(queue);
    const tasks = await this.sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: address.arn, MaxResults: 1 }),
    );
    const running = tasks.Results?.find((task) => task.Status === 'RUNNING');
    if (running)
      throw new ConflictError(
        `the dead letters of queue ${queue} are being moved already (task started ${new Date(running.StartedTimestamp ?? 0).toISOString()}, ${running.ApproximateNumberOfMessagesMoved ?? 0} of ${running.ApproximateNumberOfMessagesToMove ?? '?'} moved); try again when it is done`,
      );
    const count = await this.count(address);
    if (count === 0) return { moved: 0 };
    const started = await this.sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: address.arn, DestinationArn: address.sourceArn }),
    );
    return { moved: count, taskHandle: started.TaskHandle };
  }

  private addressOf(queue: RedriveQueueName): DeadLetterQueueAddress {
    const address = this.queues[queue];
    if (!address) throw new Error(`no dead-letter queue configured for queue ${queue} (DEAD_LETTER_QUEUES)`);
    return address;
  }

  private async count(address: DeadLetterQueueAddress): Promise<number> {
    const attributes = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: address.url,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    return Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0);
  }
}
