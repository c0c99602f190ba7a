import { readFileSync } from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/stacks/build';
import { tables } from '#shared/topology';

const cdkContext = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: object }
).context;
/** cdk.json's context plus the given keys; `bundling-stacks: []` skips esbuild. */
const build = (extra: Record<string, unknown> = {}) =>
  buildApp({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [], ...extra }, nag: false });

type Resource = { readonly Properties: Record<string, unknown> };
const tablesOf = (template: Template): Resource[] =>
  Object.values(template.findResources('AWS::DynamoDB::Table') as Record<string, Resource>);

describe('stage config', () => {
  it('protects the tables against deletion in prod', () => {
    const { config, stateful } = build({ stage: 'prod', alarmEmail: 'ops@example.org' });
    expect(config.deletionProtection).toBe(true);
    const found = tablesOf(Template.fromStack(stateful));
    expect(found).toHaveLength(Object.keys(tables).length);
    for (const table of found) expect(table.Properties.DeletionProtectionEnabled).toBe(true);
  });

  it('refuses prod without somewhere for its alarms to go, naming both ways', () => {
    expect(() => build({ stage: 'prod' })).toThrow(/alarmEmail=.*alarmTopicArn=/);
    expect(() => build({ stage: 'prod', alarmTopicArn: 'ops-alarms' })).toThrow(/must be an SNS topic ARN/);
    expect(() => build({ stage: 'dev' })).not.toThrow();
  });

  it('sends every alarm to an existing topic too, when given one', () => {
    const arn = 'arn:aws:sns:cn-north-1:111111111111:ops-alarms';
    const { stateless } = build({ stage: 'prod', alarmTopicArn: arn });
    const alarms = Object.values(
      Template.fromStack(stateless).findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>,
    );
    expect(alarms.length).toBeGreaterThan(10);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toContain(arn);
      expect(alarm.Properties.OKActions).toContain(arn);
    }
  });

  it('leaves the tables unprotected in dev', () => {
    const { config, stateful } = build({ stage: 'dev' });
    expect(config.deletionProtection).toBe(false);
    for (const table of tablesOf(Template.fromStack(stateful))) {
      expect(table.Properties.DeletionProtectionEnabled).not.toBe(true);
    }
  });

  it.each([
    [{}, ['byDue', 'byDateKeys']],
    [{ keepLegacyDateIndex: 'true' }, ['byDue', 'byDateKeys', 'byDate']],
  ])('keeps the former byDate index only for the first deploy of an upgrade (%o)', (extra, expected) => {
    const { stateful } = build(extra);
    const indexes = tablesOf(Template.fromStack(stateful)).flatMap(
      (table) =>
        ((table.Properties.GlobalSecondaryIndexes ?? []) as { IndexName: string; Projection: unknown }[]).map(
          (index) => [index.IndexName, index.Projection],
        ) as [string, unknown][],
    );
    expect(indexes.map(([name]) => name)).toEqual(expected);
    expect(Object.fromEntries(indexes)).toMatchObject({ byDateKeys: { ProjectionType: 'KEYS_ONLY' } });
    if (expected.includes('byDate'))
      expect(Object.fromEntries(indexes).byDate).toEqual({ ProjectionType: 'ALL' });
  });

  it('reads the defaults from cdk.json', () => {
    const { config } = build();
    expect(config).toMatchObject({ stage: 'dev', timezone: 'Asia/Shanghai', feedSilenceMinutes: 60 });
    expect(config.partnerAccounts).toBeUndefined();
    expect(config.alarmEmail).toBeUndefined();
  });

  it('accepts partner accounts comma-separated (as -c gives them) or as an array', () => {
    expect(build({ partnerAccounts: '111111111111, 222222222222' }).config.partnerAccounts).toEqual([
      '111111111111',
      '222222222222',
    ]);
    expect(build({ partnerAccounts: ['333333333333'] }).config.partnerAccounts).toEqual(['333333333333']);
  });

  it.each([
    [{ partnerAccounts: '12345' }, /partnerAccounts.*12-digit/],
    [{ alarmEmail: 'not-an-address' }, /alarmEmail/],
    [{ logRetentionDays: '2' }, /logRetentionDays/],
    [{ apiThrottleRate: '-1' }, /apiThrottleRate/],
    [{ apiThrottleBurst: 'many' }, /apiThrottleBurst/],
    [{ feedSilenceMinutes: '7' }, /feedSilenceMinutes.*multiple of 5/],
    [{ stage: 'Prod' }, /stage/],
    [{ timezone: 'Mars/Olympus' }, /timezone/],
  ])('rejects invalid context %o', (extra, message) => {
    expect(() => build(extra)).toThrow(message);
  });

  it('applies log retention and API throttling from context (strings from -c)', () => {
    const { stateless, config } = build({
      logRetentionDays: '90',
      apiThrottleRate: '20',
      apiThrottleBurst: 40,
    });
    expect(config).toMatchObject({ logRetentionDays: 90, apiThrottleRate: 20, apiThrottleBurst: 40 });
    const template = Template.fromStack(stateless);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup') as Record<string, Resource>);
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(90);
  });
});

describe('partner bus policy', () => {
  it('lets each partner account put events only with source partner.<account>', () => {
    const template = Template.fromStack(build({ partnerAccounts: '111111111111,222222222222' }).stateful);
    template.resourceCountIs('AWS::Events::EventBusPolicy', 2);
    const [busId = ''] = Object.keys(template.findResources('AWS::Events::EventBus'));
    for (const account of ['111111111111', '222222222222']) {
      template.hasResourceProperties('AWS::Events::EventBusPolicy', {
        EventBusName: { Ref: busId },
        StatementId: `cdk-PartnerPutEvents${account}`,
        Statement: {
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Principal: {
            AWS: Match.objectLike({
              'Fn::Join': Match.arrayWith([Match.arrayWith([`:iam::${account}:root`])]),
            }),
          },
          Resource: { 'Fn::GetAtt': [busId, 'Arn'] },
          Condition: { StringEquals: { 'events:source': `partner.${account}` } },
        },
      });
    }
  });

  it('adds no bus policy without partner accounts', () => {
    Template.fromStack(build().stateful).resourceCountIs('AWS::Events::EventBusPolicy', 0);
  });
});
