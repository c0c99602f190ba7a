import { readFileSync } from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { serviceNameOf } from '#infra/constructs/service-function';
import { buildApp } from '#infra/stacks/build';
import { sources } from '#shared/schemas/ingest';
import { functions, queues, schedules, streams } from '#shared/topology';

const cdkContext = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: object }
).context;
/** cdk.json's context plus a test stage; `bundling-stacks: []` skips esbuild. */
const contextOf = (extra: Record<string, unknown> = {}) => ({
  ...cdkContext,
  stage: 'test',
  'aws:cdk:bundling-stacks': [],
  ...extra,
});

const { stateless } = buildApp({ context: contextOf({ alarmEmail: 'ops@example.org' }), nag: false });
const template = Template.fromStack(stateless);

type Resource = { readonly Properties: Record<string, unknown> } & Record<string, unknown>;
const resourcesOf = (type: string): [string, Resource][] =>
  Object.entries(template.findResources(type) as Record<string, Resource>);
const functionIdOf = (name: string): string => {
  const found = resourcesOf('AWS::Lambda::Function').find(
    ([, fn]) =>
      (fn.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables
        .POWERTOOLS_SERVICE_NAME === serviceNameOf(name),
  );
  if (!found) throw new Error(`no function ${name}`);
  return found[0];
};
const [[topicId]] = resourcesOf('AWS::SNS::Topic') as [[string, Resource]];

describe('observability', () => {
  const functionCount = Object.keys(functions).length;
  const queueCount = Object.keys(queues).length;

  it('sends every alarm to the alarm topic, which mails the alarmEmail', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
      TopicArn: { Ref: topicId },
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
    const alarms = resourcesOf('AWS::CloudWatch::Alarm');
    // Dead letters (per queue, per scheduled function's async DLQ, per table stream), errors and throttles per function, API 5xx, oldest message per queue, iterator age per stream, feed silence per source, reconciliation.
    const scheduled = new Set(schedules.map((schedule) => schedule.function)).size;
    const streamCount = Object.keys(streams).length;
    expect(alarms).toHaveLength(
      queueCount +
        scheduled +
        streamCount +
        2 * functionCount +
        1 +
        queueCount +
        streamCount +
        sources.length +
        1 +
        1,
    );
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topicId }]);
    }
  });

  it('alarms when the records of a stream wait over 5 minutes for its consumer', () => {
    for (const decl of Object.values(streams)) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Statistic: 'Maximum',
        Threshold: 300_000,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionIdOf(decl.consumer) } }],
      });
    }
  });

  it('subscribes no e-mail without alarmEmail', () => {
    const plain = Template.fromStack(buildApp({ context: contextOf(), nag: false }).stateless);
    plain.resourceCountIs('AWS::SNS::Subscription', 0);
    plain.resourceCountIs('AWS::SNS::Topic', 1);
  });

  it.each(Object.keys(functions))('alarms on errors and throttles of %s', (name) => {
    for (const metricName of ['Errors', 'Throttles']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionIdOf(name) } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarms on 5xx of the HTTP API stage', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: Match.arrayWith([{ Name: 'Stage', Value: '$default' }]),
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('names the alarm on the webhook deliveries dead letters', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'cityhub-test-webhook-dead-letters',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
  });

  it('alarms when the oldest message of any work queue is older than 300 s', () => {
    const ageAlarms = template.findResources('AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'ApproximateAgeOfOldestMessage' },
    });
    expect(Object.keys(ageAlarms)).toHaveLength(queueCount);
    for (const alarm of Object.values(ageAlarms) as Resource[]) {
      expect(alarm.Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        Threshold: 300,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it.each(sources)('alarms when the %s feed accepted no records for 60 minutes', (source) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Cityhub/test',
      MetricName: 'RecordsAccepted',
      Dimensions: [{ Name: 'Source', Value: source }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 12,
      DatapointsToAlarm: 12,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('alarms when a nightly reconciliation corrected anything in the last day', () => {
    const metric = (name: string) => ({
      Id: Match.anyValue(),
      MetricStat: {
        Metric: { Namespace: 'Cityhub/test', MetricName: name },
        Period: 86_400,
        Stat: 'Sum',
      },
      ReturnData: false,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: Match.stringLikeRegexp('differences.*\\+.*corrections'),
          ReturnData: true,
        }),
        metric('ReconciliationDifferences'),
        metric('ReconciliationCorrections'),
      ]),
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
    });
    // The indicators function, which emits the metrics, writes them to the stage's namespace.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: serviceNameOf('indicators'),
          METRICS_NAMESPACE: 'Cityhub/test',
        }),
      },
    });
  });

  it('takes the feed silence from context feedSilenceMinutes', () => {
    const quick = Template.fromStack(
      buildApp({ context: contextOf({ feedSilenceMinutes: '15' }), nag: false }).stateless,
    );
    quick.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'RecordsAccepted',
      EvaluationPeriods: 3,
    });
  });

  it('gives the ingest function the metrics namespace of the stage', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: serviceNameOf('ingest'),
          METRICS_NAMESPACE: 'Cityhub/test',
        }),
      },
    });
  });

  it('builds the cityhub-<stage> dashboard with API, Lambda, queue, recompute, delivery and feed widgets', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [[, dashboard]] = resourcesOf('AWS::CloudWatch::Dashboard') as [[string, Resource]];
    expect(dashboard.Properties.DashboardName).toBe('cityhub-test');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const text of [
      'HTTP API requests, 4xx and 5xx',
      '\\"Count\\"',
      '\\"4xx\\"',
      '\\"5xx\\"',
      'Recompute duration (indicators)',
      'Webhook deliveries',
      'Feed freshness',
      'RecordsAccepted',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'Invocations',
      'Duration',
    ]) {
      expect(body, text).toContain(text);
    }
    for (const name of Object.keys(functions)) expect(body).toContain(`Lambda cityhub-${name}`);
    for (const name of Object.keys(queues)) expect(body).toContain(`Queue ${name}:`);
  });
});
