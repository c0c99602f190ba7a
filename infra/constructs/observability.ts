import { Duration, Validations } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  type Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DeadLetterQueue } from '#infra/constructs/dead-letter-queue';
import type { ServiceFunction } from '#infra/constructs/service-function';
import type { ServiceQueue } from '#infra/constructs/service-queue';
import { pascalCase } from '#infra/constructs/topology-mapping';
import {
  RECONCILIATION_CORRECTIONS_METRIC,
  RECONCILIATION_DIFFERENCES_METRIC,
  RECORDS_ACCEPTED_METRIC,
  SOURCE_DIMENSION,
} from '#shared/adapters/metrics';

/** Period of the alarms and dashboard graphs. */
const PERIOD = Duration.minutes(5);
/** Period of the reconciliation alarm: a night's findings keep it in alarm for about a day. */
const RECONCILIATION_PERIOD = Duration.days(1);
/** Age of the oldest message of a work queue above which its consumer is falling behind. */
export const OLDEST_MESSAGE_AGE_THRESHOLD_S = 300;

/** Properties of {@link Observability}. */
export interface ObservabilityProps {
  /** Deployment stage: the dashboard is `cityhub-<stage>`. */
  readonly stage: string;
  /** The functions, by topology name. */
  readonly functions: ReadonlyMap<string, ServiceFunction>;
  /** The work queues (with their dead-letter queues), by topology name. */
  readonly queues: ReadonlyMap<string, ServiceQueue>;
  /** Other dead-letter queues (e.g. of asynchronous invocations), whose alarms also notify. */
  readonly deadLetterQueues: readonly DeadLetterQueue[];
  /** Functions fed by a table stream, by stream name: one iterator-age alarm each. */
  readonly streamConsumers?: ReadonlyMap<string, ServiceFunction>;
  /** The HTTP API's stage. */
  readonly apiStage: HttpStage;
  /** Namespace of the custom metrics (`Cityhub/<stage>`). */
  readonly metricsNamespace: string;
  /** Ingest sources: one feed-freshness alarm each. */
  readonly sources: readonly string[];
  /** Minutes without accepted records after which a source's feed counts as silent (multiple of 5). */
  readonly feedSilenceMinutes: number;
  /** Function whose duration is the recompute time (`indicators`). */
  readonly recomputeFunction: string;
  /** Function that delivers webhooks (`deliver`). */
  readonly deliveryFunction: string;
  /**
   * Address subscribed to the alarm topic.
   *
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * An existing SNS topic every alarm also notifies.
   *
   * @default - none
   */
  readonly alarmTopicArn?: string;
}

/**
 * The alarms of the stateless stack and where they go: an SNS topic (optionally mailed), an alarm per
 * function on errors and throttles, on the HTTP API's 5xx, on each work queue's oldest message, on
 * each feed that went silent, and on the nightly reconciliation's findings; the dead-letter alarms
 * notify the topic too. Plus the `cityhub-<stage>` dashboard.
 */
export class Observability extends Construct {
  /** Where every alarm sends its state changes. */
  public readonly topic: Topic;
  /** Every alarm, by construct path, including the dead-letter alarms. */
  public readonly alarms: Alarm[] = [];
  /** The `cityhub-<stage>` dashboard. */
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `cityhub ${props.stage} alarms`,
      enforceSSL: true,
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'The topic carries only CloudWatch alarm state changes (alarm names, thresholds, metric values), no records or personal data; CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key, and a customer managed key for alarm notices is not warranted.',
    });
    if (props.alarmEmail) {
      // Notices SNS cannot deliver to the address are kept (and alarmed) rather than lost.
      const undelivered = new DeadLetterQueue(this, 'UndeliveredAlarmNotices', {
        holds: 'alarm notices SNS could not deliver to the alarm e-mail address',
      });
      Validations.of(undelivered.queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          "This queue is the dead-letter queue of the alarm e-mail subscription (its SNS RedrivePolicy); the rule only recognizes dead-letter queues named by another queue's redrive policy.",
      });
      this.alarms.push(undelivered.alarm);
      this.topic.addSubscription(
        new EmailSubscription(props.alarmEmail, { deadLetterQueue: undelivered.queue }),
      );
    }
    const action = new SnsAction(this.topic);
    const external = props.alarmTopicArn
      ? new SnsAction(Topic.fromTopicArn(this, 'ExistingAlarmTopic', props.alarmTopicArn))
      : undefined;

    for (const queue of props.queues.values()) this.alarms.push(queue.deadLetters.alarm);
    for (const deadLetters of props.deadLetterQueues) this.alarms.push(deadLetters.alarm);

    for (const [name, fn] of props.functions) {
      this.alarms.push(
        fn.function
          .metricErrors({ period: PERIOD, statistic: 'Sum' })
          .createAlarm(this, `${fn.node.id}Errors`, {
            alarmDescription: `cityhub-${name} failed at least once in 5 minutes; see its log group.`,
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
        fn.function
          .metricThrottles({ period: PERIOD, statistic: 'Sum' })
          .createAlarm(this, `${fn.node.id}Throttles`, {
            alarmDescription: `cityhub-${name} was throttled in the last 5 minutes; check concurrency limits.`,
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
      );
    }

    this.alarms.push(
      props.apiStage.metricServerError({ period: PERIOD, statistic: 'Sum' }).createAlarm(this, 'HttpApi5xx', {
        alarmDescription: 'The cityhub HTTP API answered 5xx at least once in 5 minutes.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    for (const [name, queue] of props.queues) {
      this.alarms.push(
        queue.queue
          .metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' })
          .createAlarm(this, `${queue.node.id}OldestMessage`, {
            alarmDescription: `The oldest message of the ${name} queue is older than ${OLDEST_MESSAGE_AGE_THRESHOLD_S} s: its consumer is falling behind or failing.`,
            threshold: OLDEST_MESSAGE_AGE_THRESHOLD_S,
            evaluationPeriods: 1,
            comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
      );
    }

    for (const [name, fn] of props.streamConsumers ?? []) {
      this.alarms.push(
        fn.function
          .metric('IteratorAge', { period: PERIOD, statistic: 'Maximum' })
          .createAlarm(this, `${pascalCase(name)}StreamIteratorAge`, {
            alarmDescription: `Records of the ${name} stream wait over ${OLDEST_MESSAGE_AGE_THRESHOLD_S} s for its consumer: it is falling behind or failing (records stay in the stream 24 hours).`,
            threshold: OLDEST_MESSAGE_AGE_THRESHOLD_S * 1000,
            evaluationPeriods: 1,
            comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
      );
    }

    const recordsAccepted = (source: string) =>
      new Metric({
        namespace: props.metricsNamespace,
        metricName: RECORDS_ACCEPTED_METRIC,
        dimensionsMap: { [SOURCE_DIMENSION]: source },
        period: PERIOD,
        statistic: 'Sum',
      });
    const silentPeriods = Math.ceil(props.feedSilenceMinutes / PERIOD.toMinutes());
    for (const source of props.sources) {
      this.alarms.push(
        recordsAccepted(source).createAlarm(this, `FeedSilent${pascalCase(source)}`, {
          alarmDescription: `No ${source} records accepted for ${props.feedSilenceMinutes} minutes: the feed may be down.`,
          threshold: 1,
          evaluationPeriods: silentPeriods,
          datapointsToAlarm: silentPeriods,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.BREACHING,
        }),
      );
    }

    this.alarms.push(
      this.reconciliationFindings(props).createAlarm(this, 'ReconciliationDifferences', {
        alarmDescription:
          'The nightly reconciliation found published indicators or cohort log entries that differed from a recompute from the raw events, and corrected them; the cityhub-indicators log names the days, areas and indicators ("reconciliation corrected").',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    for (const alarm of this.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      if (external) {
        alarm.addAlarmAction(external);
        alarm.addOkAction(external);
      }
    }

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `cityhub-${props.stage}`,
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(...this.widgets(props, recordsAccepted));
  }

  /** Differing published values plus corrected entities of the nightly reconciliation, per day. */
  private reconciliationFindings(props: ObservabilityProps): MathExpression {
    const metric = (metricName: string) =>
      new Metric({
        namespace: props.metricsNamespace,
        metricName,
        period: RECONCILIATION_PERIOD,
        statistic: 'Sum',
      });
    return new MathExpression({
      expression: 'FILL(differences, 0) + FILL(corrections, 0)',
      usingMetrics: {
        differences: metric(RECONCILIATION_DIFFERENCES_METRIC),
        corrections: metric(RECONCILIATION_CORRECTIONS_METRIC),
      },
      period: RECONCILIATION_PERIOD,
      label: 'reconciliation findings',
    });
  }

  private widgets(props: ObservabilityProps, recordsAccepted: (source: string) => Metric): IWidget[] {
    const fnOf = (name: string): ServiceFunction => {
      const fn = props.functions.get(name);
      if (!fn) throw new Error(`the dashboard names function '${name}', which is not declared`);
      return fn;
    };
    const options = { period: PERIOD };
    const stage = props.apiStage;
    const widgets: IWidget[] = [
      new TextWidget({ markdown: `# cityhub ${props.stage}`, width: 24, height: 1 }),
      new GraphWidget({
        title: 'HTTP API requests, 4xx and 5xx',
        left: [
          stage.metricCount({ ...options, statistic: 'Sum', label: 'requests' }),
          stage.metricClientError({ ...options, statistic: 'Sum', label: '4xx' }),
          stage.metricServerError({ ...options, statistic: 'Sum', label: '5xx' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Feed freshness: records accepted per source',
        left: props.sources.map((source) => recordsAccepted(source).with({ label: source })),
        width: 12,
      }),
      new GraphWidget({
        title: 'Recompute duration (indicators)',
        left: [
          fnOf(props.recomputeFunction).function.metricDuration({ ...options, statistic: 'Average' }),
          fnOf(props.recomputeFunction).function.metricDuration({ ...options, statistic: 'Maximum' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Nightly reconciliation: differing values and corrected entities',
        left: [RECONCILIATION_DIFFERENCES_METRIC, RECONCILIATION_CORRECTIONS_METRIC].map(
          (metricName) =>
            new Metric({
              namespace: props.metricsNamespace,
              metricName,
              period: RECONCILIATION_PERIOD,
              statistic: 'Sum',
            }),
        ),
        width: 12,
      }),
      new GraphWidget({
        title: 'Webhook deliveries (deliver invocations and errors)',
        left: [
          fnOf(props.deliveryFunction).function.metricInvocations({ ...options, statistic: 'Sum' }),
          fnOf(props.deliveryFunction).function.metricErrors({ ...options, statistic: 'Sum' }),
        ],
        width: 12,
      }),
    ];
    for (const [name, fn] of props.functions) {
      widgets.push(
        new GraphWidget({
          title: `Lambda cityhub-${name}`,
          left: [
            fn.function.metricInvocations({ ...options, statistic: 'Sum' }),
            fn.function.metricErrors({ ...options, statistic: 'Sum' }),
          ],
          right: [fn.function.metricDuration({ ...options, statistic: 'p90' })],
          width: 8,
        }),
      );
    }
    for (const [name, queue] of props.queues) {
      widgets.push(
        new GraphWidget({
          title: `Queue ${name}: depth and oldest message age`,
          left: [queue.queue.metricApproximateNumberOfMessagesVisible({ ...options, statistic: 'Maximum' })],
          right: [queue.queue.metricApproximateAgeOfOldestMessage({ ...options, statistic: 'Maximum' })],
          width: 8,
        }),
      );
    }
    return widgets;
  }
}
