import { Duration } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of a {@link DeadLetterQueue}. */
export interface DeadLetterQueueProps {
  /** What ends up in this queue, for the alarm description (e.g. `messages of the facts queue`). */
  readonly holds: string;
  /**
   * How long dead letters are kept for inspection and redrive.
   *
   * @default Duration.days(14) - the SQS maximum
   */
  readonly retentionPeriod?: Duration;
}

/**
 * An SQS queue that collects what could not be processed (SSL enforced, SQS-managed encryption, 14 days
 * retention) with an alarm that fires as soon as one message is visible in it.
 */
export class DeadLetterQueue extends Construct {
  /** The dead-letter queue. */
  public readonly queue: Queue;
  /** In alarm while at least one message is visible in the queue. */
  public readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    });
    this.alarm = this.queue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'Alarm', {
        alarmDescription: `Dead letters: ${props.holds} could not be processed; inspect and redrive them.`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
  }
}
