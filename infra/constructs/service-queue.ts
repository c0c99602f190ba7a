import type { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from '#infra/constructs/dead-letter-queue';

/** Properties of a {@link ServiceQueue}. */
export interface ServiceQueueProps {
  /** What the queue carries, for descriptions (e.g. `facts queue`). */
  readonly description: string;
  /** At least 6 × the consumer's timeout plus its batching window, as AWS recommends for Lambda consumers. */
  readonly visibilityTimeout: Duration;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
}

/**
 * An SQS work queue (SSL enforced, SQS-managed encryption) with its {@link DeadLetterQueue} and that
 * queue's alarm.
 */
export class ServiceQueue extends Construct {
  /** The work queue. */
  public readonly queue: Queue;
  /** Where messages go after `maxReceiveCount` receives; also fit as a bus rule target's DLQ. */
  public readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: ServiceQueueProps) {
    super(scope, id);
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      holds: `messages of the ${props.description}`,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetters.queue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
