import { readFileSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { SERVICE_RUNTIME, serviceNameOf } from '#infra/constructs/service-function';
import { buildApp } from '#infra/stacks/build';
import { sources } from '#shared/schemas/ingest';
import {
  type FunctionDecl,
  functions,
  queues,
  routes,
  schedules,
  type TableDecl,
  tables,
} from '#shared/topology';

/** cdk.json's context (feature flags) plus a test stage and time zone; `bundling-stacks: []` skips esbuild. */
const testContext = {
  ...(JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: object })
    .context,
  stage: 'test',
  timezone: 'Europe/Paris',
  'aws:cdk:bundling-stacks': [],
};

const { stateful, stateless } = buildApp({ context: testContext, nag: false });
const statefulTemplate = Template.fromStack(stateful);
const statelessTemplate = Template.fromStack(stateless);

type Resource = { readonly Properties: Record<string, unknown> } & Record<string, unknown>;
const resourcesOf = (template: Template, type: string): [string, Resource][] =>
  Object.entries(template.findResources(type) as Record<string, Resource>);
const getAttArn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

describe('stateful stack', () => {
  it('declares exactly the tables of the topology', () => {
    statefulTemplate.resourceCountIs('AWS::DynamoDB::Table', Object.keys(tables).length);
  });

  it.each(Object.values<TableDecl>(tables))(
    'creates table $id on demand with PITR, encryption, its TTL and GSIs',
    (decl) => {
      statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: decl.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: decl.sortKey.name, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: decl.ttlAttribute
          ? { AttributeName: decl.ttlAttribute, Enabled: true }
          : Match.absent(),
        GlobalSecondaryIndexes:
          decl.globalIndexes.length === 0
            ? Match.absent()
            : decl.globalIndexes.map((index) => ({
                IndexName: index.indexName,
                KeySchema: [
                  { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
                  { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
                ],
                Projection: { ProjectionType: index.projection === 'keys' ? 'KEYS_ONLY' : 'ALL' },
              })),
      });
    },
  );

  it('retains the tables and secrets when the stack is deleted', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::SecretsManager::Secret']) {
      for (const [, resource] of resourcesOf(statefulTemplate, type)) {
        expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
    }
  });

  it('creates the stage bus with an archive that keeps events for a year', () => {
    statefulTemplate.hasResourceProperties('AWS::Events::EventBus', { Name: 'cityhub-test' });
    const [[busId]] = resourcesOf(statefulTemplate, 'AWS::Events::EventBus') as [[string, Resource]];
    statefulTemplate.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: getAttArn(busId),
      RetentionDays: 365,
    });
  });

  it('generates one base64-safe signing secret per ingest source', () => {
    statefulTemplate.resourceCountIs('AWS::SecretsManager::Secret', sources.length);
    for (const source of sources) {
      statefulTemplate.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: `cityhub/test/ingest/${source}`,
        GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true, IncludeSpace: false },
      });
    }
  });
});

describe('stateless stack', () => {
  const functionIdByService = new Map(
    resourcesOf(statelessTemplate, 'AWS::Lambda::Function').map(([id, fn]) => [
      (fn.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables
        .POWERTOOLS_SERVICE_NAME,
      id,
    ]),
  );
  const functionResource = (name: string): Resource => {
    const id = functionIdByService.get(serviceNameOf(name));
    if (!id) throw new Error(`no function with POWERTOOLS_SERVICE_NAME ${serviceNameOf(name)}`);
    return statelessTemplate.toJSON().Resources[id] as Resource;
  };
  /** Actions of the policies attached to a function's role. */
  const roleActions = (name: string): string[] => {
    const role = functionResource(name).Properties.Role as { 'Fn::GetAtt': [string, string] };
    const roleId = role['Fn::GetAtt'][0];
    return resourcesOf(statelessTemplate, 'AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(([, policy]) =>
        (
          policy.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }
        ).Statement.flatMap((statement) => statement.Action),
      );
  };

  it('creates one function per topology function', () => {
    statelessTemplate.resourceCountIs('AWS::Lambda::Function', Object.keys(functions).length);
    expect([...functionIdByService.keys()].sort()).toEqual(Object.keys(functions).map(serviceNameOf).sort());
  });

  it.each(Object.entries<FunctionDecl>(functions))(
    'runs %s on arm64 with the newest Node.js, tracing, its own log group and the city time zone',
    (name, decl) => {
      expect(functionResource(name).Properties).toMatchObject({
        Architectures: ['arm64'],
        Runtime: SERVICE_RUNTIME.name,
        MemorySize: decl.memoryMb,
        Timeout: decl.timeoutSeconds,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        Environment: { Variables: expect.objectContaining({ CITY_TIMEZONE: 'Europe/Paris' }) },
      });
    },
  );

  it.each(Object.entries<FunctionDecl>(functions))('grants %s what its access declares', (name, decl) => {
    const actions = roleActions(name);
    const modes = Object.values(decl.access.tables ?? {});
    const allows = (action: string) =>
      modes.some((mode) => mode === 'readWrite' || (Array.isArray(mode) && mode.includes(action)));
    const reads = (action: string) => modes.some((mode) => mode === 'read') || allows(action);
    expect(actions.includes('dynamodb:Query')).toBe(reads('Query'));
    expect(actions.includes('dynamodb:PutItem')).toBe(allows('PutItem'));
    expect(actions.includes('dynamodb:DeleteItem')).toBe(allows('DeleteItem'));
    // grant*Data never grants PartiQL: only a function that lists it may run INSERT or UPDATE statements.
    for (const statement of ['PartiQLInsert', 'PartiQLUpdate'] as const)
      expect(actions.includes(`dynamodb:${statement}`)).toBe(
        modes.some((mode) => Array.isArray(mode) && mode.includes(statement)) ||
          Object.values(decl.access.partiql ?? {}).some((listed) => listed.includes(statement)),
      );
    expect(actions.includes('dynamodb:PartiQLDelete')).toBe(false);
    expect(actions.includes('events:PutEvents')).toBe(decl.access.putEvents === true);
    expect(actions.includes('secretsmanager:GetSecretValue')).toBe(decl.access.sourceSecrets === true);
  });

  it('lets the admin function alone move dead letters back: tasks on each DLQ, SendMessage to its queue', () => {
    const statementsOf = (name: string) => {
      const role = functionResource(name).Properties.Role as { 'Fn::GetAtt': [string, string] };
      return resourcesOf(statelessTemplate, 'AWS::IAM::Policy')
        .filter(
          ([, policy]) =>
            JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: role['Fn::GetAtt'][0] }]),
        )
        .flatMap(
          ([, policy]) =>
            (
              policy.Properties.PolicyDocument as {
                Statement: { Action: string | string[]; Resource: unknown }[];
              }
            ).Statement,
        )
        .flatMap(({ Action, Resource }) =>
          [Action]
            .flat()
            .flatMap((action) => [Resource].flat().map((resource) => JSON.stringify([action, resource]))),
        );
    };
    const served = resourcesOf(statelessTemplate, 'AWS::SQS::Queue').filter(
      ([, queue]) => queue.Properties.RedrivePolicy !== undefined,
    );
    expect(served).toHaveLength(Object.keys(queues).length);
    const admin = new Set(statementsOf('admin'));
    const granted = (action: string, resource: unknown) => admin.has(JSON.stringify([action, resource]));
    for (const [id, queue] of served) {
      const deadLetters = (queue.Properties.RedrivePolicy as { deadLetterTargetArn: unknown })
        .deadLetterTargetArn;
      for (const action of [
        'StartMessageMoveTask',
        'ListMessageMoveTasks',
        'ReceiveMessage',
        'DeleteMessage',
        'GetQueueAttributes',
      ])
        expect(granted(`sqs:${action}`, deadLetters), `${action} on the DLQ of ${id}`).toBe(true);
      expect(granted('sqs:SendMessage', getAttArn(id)), `SendMessage to ${id}`).toBe(true);
      expect(granted('sqs:ReceiveMessage', getAttArn(id)), `ReceiveMessage from ${id}`).toBe(false);
    }
    for (const name of Object.keys(functions).filter((name) => name !== 'admin'))
      expect(roleActions(name), name).not.toContain('sqs:StartMessageMoveTask');
    const environment = functionResource('admin').Properties.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(JSON.stringify(environment.Variables.DEAD_LETTER_QUEUES)).toContain('sourceArn');
  });

  it('lets the internet-facing ingest function only get, put and update facts, never delete, query or scan', () => {
    // UpdateItem: adding accepted GPS eventIds to their bucket's string set; PartiQLInsert and
    // PartiQLUpdate: a request's events and GPS buckets, 25 statements to a call.
    const dynamo = roleActions('ingest').filter((action) => action.startsWith('dynamodb:'));
    expect([...new Set(dynamo)].sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PartiQLInsert',
      'dynamodb:PartiQLUpdate',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
  });

  /** DynamoDB actions a function's role may take on a table, by the table's construct id (`<id>Table`). */
  const tableActions = (name: string, tableId: string): string[] => {
    const role = functionResource(name).Properties.Role as { 'Fn::GetAtt': [string, string] };
    const roleId = role['Fn::GetAtt'][0];
    // The stateless stack names the stateful stack's tables through imports that carry their logical ids.
    const onTable = new RegExp(`${tableId}Table[0-9A-F]{8}Arn`);
    return resourcesOf(statelessTemplate, 'AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(([, policy]) =>
        (
          policy.Properties.PolicyDocument as {
            Statement: { Action: string | string[]; Resource: unknown }[];
          }
        ).Statement.filter((statement) => onTable.test(JSON.stringify(statement.Resource))).flatMap(
          (statement) => statement.Action,
        ),
      )
      .filter((action) => action.startsWith('dynamodb:'));
  };

  it('lets only deliver (get) and subscriptions (get, put, delete) touch the webhook secrets table', () => {
    expect([...new Set(tableActions('deliver', tables.secrets.id))]).toEqual(['dynamodb:GetItem']);
    expect([...new Set(tableActions('subscriptions', tables.secrets.id))].sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    // The same lookup finds the facts grants of those functions, so an empty list below means no grant.
    expect(tableActions('fanout', tables.facts.id)).toContain('dynamodb:Query');
    for (const name of Object.keys(functions).filter(
      (name) => name !== 'deliver' && name !== 'subscriptions',
    )) {
      expect(tableActions(name, tables.secrets.id), name).toEqual([]);
    }
  });

  it("limits query's reads of the facts table to the partitions it serves, and no other function's", () => {
    const factsStatements = (name: string) => {
      const role = functionResource(name).Properties.Role as { 'Fn::GetAtt': [string, string] };
      const onTable = new RegExp(`${tables.facts.id}Table[0-9A-F]{8}Arn`);
      return resourcesOf(statelessTemplate, 'AWS::IAM::Policy')
        .filter(
          ([, policy]) =>
            JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: role['Fn::GetAtt'][0] }]),
        )
        .flatMap(([, policy]) =>
          (
            policy.Properties.PolicyDocument as {
              Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
            }
          ).Statement.filter((statement) => onTable.test(JSON.stringify(statement.Resource))),
        );
    };
    const [statement, ...others] = factsStatements('query');
    expect(others).toEqual([]);
    expect([statement?.Action].flat().sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    expect(statement?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': functions.query.access.leadingKeys.facts },
    });
    // None of them reaches webhook replies, quarantined records, subscriptions or delivery logs.
    const patterns = functions.query.access.leadingKeys.facts.map(
      (glob) => new RegExp(`^${glob.replaceAll('*', '.*')}$`),
    );
    for (const key of ['webhook#hotline#msg_1', 'quarantine#hotline', 'subscription', 'deliveries#sub_1']) {
      expect(
        patterns.filter((pattern) => pattern.test(key)),
        key,
      ).toEqual([]);
    }
  });

  it('gives deliver and subscriptions the secret overlap and the failing time that disables', () => {
    const variablesOf = (template: Template, name: string) =>
      Object.values(
        template.findResources('AWS::Lambda::Function') as Record<
          string,
          { Properties: { Environment: { Variables: Record<string, unknown> } } }
        >,
      ).find((fn) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === serviceNameOf(name))
        ?.Properties.Environment.Variables;
    const configured = Template.fromStack(
      buildApp({
        context: { ...testContext, webhookSecretOverlapHours: '6', webhookDisableAfterDays: '2.5' },
        nag: false,
      }).stateless,
    );
    for (const name of ['deliver', 'subscriptions']) {
      expect(variablesOf(statelessTemplate, name)).toMatchObject({
        WEBHOOK_SECRET_OVERLAP_HOURS: '24',
        WEBHOOK_DISABLE_AFTER_DAYS: '5',
      });
      expect(variablesOf(configured, name)).toMatchObject({
        WEBHOOK_SECRET_OVERLAP_HOURS: '6',
        WEBHOOK_DISABLE_AFTER_DAYS: '2.5',
      });
    }
    expect(variablesOf(statelessTemplate, 'fanout')).not.toHaveProperty('WEBHOOK_SECRET_OVERLAP_HOURS');
  });

  it('uses no AWS managed policies for function roles', () => {
    for (const [, role] of resourcesOf(statelessTemplate, 'AWS::IAM::Role')) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('gives the ingest function the secret ARNs and the JWT-routed functions AUTH_MODE=jwt', () => {
    const ingest = functionResource('ingest').Properties.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(Object.keys(ingest.Variables)).toEqual(
      expect.arrayContaining([
        'SOURCE_SECRET_ARN_HOTLINE',
        'SOURCE_SECRET_ARN_CITY_PLATFORM',
        'SOURCE_SECRET_ARN_SANITATION',
      ]),
    );
    for (const route of routes.filter(({ auth }) => auth === 'analyst' || auth === 'admin')) {
      const environment = functionResource(route.function).Properties.Environment as {
        Variables: Record<string, unknown>;
      };
      expect(environment.Variables.AUTH_MODE, `${route.method} ${route.path}`).toBe('jwt');
    }
  });

  /** Logical ids that a redrive policy or a `DeadLetterConfig` (function, rule or schedule target) points to. */
  const deadLetterTargets = (): Set<string> => {
    const targets = new Set<string>();
    const visit = (node: unknown, key?: string): void => {
      if (Array.isArray(node)) for (const item of node) visit(item);
      else if (typeof node === 'object' && node !== null) {
        // Dead letters of functions, of queues, and the on-failure destinations of stream sources.
        if (key === 'DeadLetterConfig' || key === 'RedrivePolicy' || key === 'OnFailure') {
          const arn = Object.entries(node).find(([name]) =>
            /^(Arn|TargetArn|deadLetterTargetArn|Destination)$/.test(name),
          )?.[1];
          const id = (arn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
          if (id) targets.add(id);
        }
        for (const [name, value] of Object.entries(node)) visit(value, name);
      }
    };
    visit(statelessTemplate.toJSON().Resources);
    return targets;
  };

  it('gives every queue a dead-letter queue, and every dead-letter queue an alarm', () => {
    const allQueues = resourcesOf(statelessTemplate, 'AWS::SQS::Queue');
    const deadLetters = deadLetterTargets();
    expect(deadLetters.size).toBeGreaterThan(0);
    for (const id of deadLetters) expect(allQueues.map(([queueId]) => queueId)).toContain(id);
    for (const [id, queue] of allQueues) {
      // A queue is either a dead-letter queue or has one.
      expect(deadLetters.has(id) !== (queue.Properties.RedrivePolicy !== undefined)).toBe(true);
    }
    const depthAlarms = statelessTemplate.findResources('AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'ApproximateNumberOfMessagesVisible' },
    });
    expect(Object.keys(depthAlarms)).toHaveLength(deadLetters.size);
    for (const id of deadLetters) {
      statelessTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('encrypts every queue and denies it requests without TLS', () => {
    const policies = resourcesOf(statelessTemplate, 'AWS::SQS::QueuePolicy');
    for (const [id, queue] of resourcesOf(statelessTemplate, 'AWS::SQS::Queue')) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      const policy = policies.find(
        ([, p]) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: id }]),
      );
      expect(policy?.[1].Properties.PolicyDocument).toMatchObject({
        Statement: expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      });
    }
  });

  it.each(Object.values(queues))('feeds $id to its consumer in batches that report item failures', (decl) => {
    const functionId = functionIdByService.get(serviceNameOf(decl.consumer));
    const mappings = resourcesOf(statelessTemplate, 'AWS::Lambda::EventSourceMapping').filter(
      ([, mapping]) =>
        JSON.stringify(mapping.Properties.FunctionName) === JSON.stringify({ Ref: functionId }),
    );
    expect(mappings).toHaveLength(1);
    const [[, mapping]] = mappings as [[string, Resource]];
    expect(mapping.Properties).toMatchObject({
      BatchSize: decl.batchSize,
      MaximumBatchingWindowInSeconds: decl.maxBatchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const cap = 'maxConcurrency' in decl ? decl.maxConcurrency : undefined;
    expect(mapping.Properties.ScalingConfig).toEqual(
      cap === undefined ? undefined : { MaximumConcurrency: cap },
    );
    const [queueId = ''] = (mapping.Properties.EventSourceArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'];
    const queue = statelessTemplate.toJSON().Resources[queueId] as Resource;
    expect(queue.Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: decl.maxReceiveCount });
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * functions[decl.consumer].timeoutSeconds,
    );
  });

  it('authorizes analyst and admin routes with the JWT authorizer, ingest and health routes not at all', () => {
    const [authorizerId] = Object.keys(statelessTemplate.findResources('AWS::ApiGatewayV2::Authorizer'));
    for (const route of routes) {
      const jwt = route.auth === 'analyst' || route.auth === 'admin';
      statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
        AuthorizationType: jwt ? 'JWT' : 'NONE',
        ...(jwt ? { AuthorizerId: { Ref: authorizerId } } : {}),
      });
    }
  });

  it('logs access and throttles on the default stage', () => {
    statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('\\$context.requestId'),
      },
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it.each(schedules.flatMap((schedule) => ('hour' in schedule ? [schedule] : [])))(
    'runs schedule $id daily at $hour:$minute city time with its input',
    (schedule) => {
      statelessTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: `cron(${schedule.minute} ${schedule.hour} * * ? *)`,
        ScheduleExpressionTimezone: 'Europe/Paris',
        Target: {
          Arn: getAttArn(functionIdByService.get(serviceNameOf(schedule.function)) ?? ''),
          Input: JSON.stringify(schedule.input),
          DeadLetterConfig: { Arn: Match.anyValue() },
        },
      });
    },
  );

  it.each(schedules.flatMap((schedule) => ('everyMinutes' in schedule ? [schedule] : [])))(
    'runs schedule $id every $everyMinutes minutes with its input, without retries',
    (schedule) => {
      statelessTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: `rate(${schedule.everyMinutes} minute${schedule.everyMinutes === 1 ? '' : 's'})`,
        Target: {
          Arn: getAttArn(functionIdByService.get(serviceNameOf(schedule.function)) ?? ''),
          Input: JSON.stringify(schedule.input),
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        },
      });
    },
  );
});

describe('cdk-nag', () => {
  const nagged = () => buildApp({ context: testContext });

  it('passes the AwsSolutions checks with the justified acknowledgments', () => {
    expect(() => nagged().app.synth()).not.toThrow();
  });

  it('fails synthesis on an unacknowledged finding', () => {
    const { app, stateless: stack } = nagged();
    new Queue(stack, 'UnsafeQueue', { retentionPeriod: Duration.days(1) });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3[\s\S]*AwsSolutions-SQS4/);
  });

  it('also runs the Serverless checks', () => {
    const { app, stateless: stack } = nagged();
    new Queue(stack, 'QueueWithoutRedrive', { enforceSSL: true });
    expect(() => app.synth()).toThrow(/Serverless-SQSRedrivePolicy/);
  });

  it('passes both packs for prod with partner accounts and an alarm e-mail', () => {
    const { app } = buildApp({
      context: {
        ...testContext,
        stage: 'prod',
        partnerAccounts: '111111111111',
        alarmEmail: 'ops@example.org',
      },
    });
    expect(() => app.synth()).not.toThrow();
  });
});
