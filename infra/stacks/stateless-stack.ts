import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, Stack, type StackProps, TimeZone, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledgeWhenResolved } from '#infra/constructs/acknowledgments';
import { DeadLetterQueue } from '#infra/constructs/dead-letter-queue';
import { Observability } from '#infra/constructs/observability';
import { ServiceFunction, serviceNameOf } from '#infra/constructs/service-function';
import { ServiceQueue } from '#infra/constructs/service-queue';
import { type OwnProvider, SignIn } from '#infra/constructs/sign-in';
import { entriesOf, toCdkEventPattern, toCdkStreamFilter } from '#infra/constructs/topology-mapping';
import { sourceEnvSuffix } from '#shared/adapters/source-secrets';
import { DEFAULT_DELIVERY_RATE } from '#shared/domain/webhooks/rate-limit';
import {
  DEFAULT_DISABLE_AFTER_DAYS,
  DEFAULT_SECRET_OVERLAP_HOURS,
} from '#shared/domain/webhooks/subscription';
import { type Source, sources } from '#shared/schemas/ingest';
import {
  type FunctionDecl,
  type FunctionName,
  functions,
  type QueueDecl,
  type QueueName,
  queues,
  type RouteAuth,
  routes,
  rules,
  type StreamDecl,
  type StreamName,
  schedules,
  streams,
  type TableDecl,
  type TableName,
  tables,
} from '#shared/topology';

/** The repository root: handler entries in the topology are relative to it. */
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Routes whose callers API Gateway authorizes with the JWT authorizer (OpenID Connect access tokens). */
const JWT_AUTHS: ReadonlySet<RouteAuth> = new Set(['analyst', 'admin']);

/** Why a route without an API Gateway authorizer is fine, per kind of route. */
const UNAUTHORIZED_ROUTE_REASONS: Readonly<Partial<Record<RouteAuth, string>>> = {
  signature:
    'Ingest routes are called by external source systems that sign each request with Standard Webhooks (HMAC-SHA256 with a per-source secret from Secrets Manager); the function verifies the signature and timestamp before anything else (CONTRACT section 2).',
  open: 'The health route (CONTRACT section 2) and the dashboard page are deliberately open: load balancers and monitors call the health route without credentials, browsers load the page before the analyst signs in; both answer constants without touching any data (the page signs the analyst in and calls the JWT-authorized analyst routes itself).',
};

/** Throttle of the analyst, admin and open routes: each has its own bucket of these (`apiThrottle*`). */
export const DEFAULT_API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const satisfies ThrottleSettings;

/** Throttle of each ingest route, one route per source (`ingestThrottle*`). */
export const DEFAULT_INGEST_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const satisfies ThrottleSettings;

/** Batches of deliveries in flight at once: the context's, or the topology's. */
const deliveryConcurrencyOf = (props: StatelessStackProps): number =>
  props.deliveryMaxConcurrency ?? queues.delivery.maxConcurrency;

/** Properties of the {@link StatelessStack}. */
export interface StatelessStackProps extends StackProps {
  /** Deployment stage (e.g. `dev`, `prod`); part of resource names. */
  readonly stage: string;
  /** IANA time zone of the city: functions' `CITY_TIMEZONE` and the schedules' time zone. */
  readonly timeZone: string;
  /** The declared tables, by topology name (from the stateful stack). */
  readonly tables: Readonly<Record<TableName, ITable>>;
  /** The cityhub event bus (from the stateful stack). */
  readonly bus: IEventBus;
  /** The ingest sources' signing secrets (from the stateful stack). */
  readonly sourceSecrets: Readonly<Record<Source, ISecret>>;
  /**
   * Retention of the functions' and the API's log groups.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Where JT/T 808 frames carry the working flag, e.g. `0x25:20` (docs/jt808.md).
   *
   * @default - additional item 0x2A, bit 2
   */
  readonly jt808WorkingFlag?: string;
  /** Ports subscriber URLs may name besides 443, comma-separated. */
  readonly webhookPorts?: string;
  /**
   * Hours a rotated-out subscription secret still signs deliveries (`WEBHOOK_SECRET_OVERLAP_HOURS`).
   *
   * @default 24
   */
  readonly webhookSecretOverlapHours?: number;
  /**
   * Days of failing delivery attempts after which a subscription is disabled (`WEBHOOK_DISABLE_AFTER_DAYS`).
   *
   * @default 5
   */
  readonly webhookDisableAfterDays?: number;
  /**
   * Deliveries to one subscription, `perSecond[,burst]` (`WEBHOOK_RATE_PER_SUBSCRIPTION`); each of the
   * delivery queue's at most `deliveryMaxConcurrency` consumers keeps its share.
   *
   * @default DEFAULT_DELIVERY_RATE - 10 a second, bursts of 20
   */
  readonly webhookRatePerSubscription?: string;
  /**
   * Throttling of the HTTP API's `$default` stage, set on each analyst, admin and open route (a route
   * setting each) and as the stage default.
   *
   * @default DEFAULT_API_THROTTLE - 50 requests per second, bursts of 100
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Throttling of each ingest route (a route setting each: one source's flood leaves the others' and
   * the analysts' routes alone).
   *
   * @default DEFAULT_INGEST_THROTTLE - 50 requests per second, bursts of 100
   */
  readonly ingestThrottle?: ThrottleSettings;
  /**
   * Concurrent executions reserved for (and capping) the ingest function; 0 reserves none (accounts
   * whose concurrency quota leaves no room for a reservation).
   *
   * @default - the topology's `functions.ingest.reservedConcurrency`
   */
  readonly ingestReservedConcurrency?: number;
  /**
   * Batches of webhook deliveries in flight at once (the delivery queue's event source mapping, 2–1000).
   *
   * @default - the topology's `queues.delivery.maxConcurrency`
   */
  readonly deliveryMaxConcurrency?: number;
  /**
   * Address mailed by the alarm topic.
   *
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /** An existing SNS topic every alarm also notifies (e.g. the city's paging system). */
  readonly alarmTopicArn?: string;
  /**
   * Minutes without accepted records of a source after which its feed-silence alarm fires (multiple of 5).
   *
   * @default 60
   */
  readonly feedSilenceMinutes?: number;
  /**
   * The city's own OpenID provider for the analyst and admin routes.
   *
   * @default - a Cognito user pool with groups `analyst` and `admin` (infra/constructs/sign-in.ts)
   */
  readonly oidc?: OwnProvider;
}

/** How a function is invoked, for acknowledgments: its HTTP routes and the queues that feed it. */
const invokersOf = (name: FunctionName): string => {
  const invokers = [
    ...(routes.some((route) => route.function === name) ? ['synchronously by the HTTP API'] : []),
    ...Object.values<QueueDecl>(queues)
      .filter((queue) => queue.consumer === name)
      .map((queue) => `by the SQS event source mapping of ${queue.id}`),
  ];
  return invokers.length > 0 ? invokers.join(' and ') : 'directly';
};

/** Functions that emit custom metrics, and so get `METRICS_NAMESPACE`. */
const METRICS_FUNCTIONS: ReadonlySet<FunctionName> = new Set(['ingest', 'indicators']);

/**
 * Functions whose asset holds more than their bundle: shell commands (run in the project root) that add
 * the files to the asset directory. The dashboard function serves the page built beside its bundle.
 */
const ASSET_BUILDS: Readonly<Partial<Record<FunctionName, (assetDirectory: string) => string[]>>> = {
  dashboard: (assetDirectory) => [`node --import tsx infra/dashboard/build.ts "${assetDirectory}"`],
};

/** Namespace of cityhub's custom metrics for a stage. */
export const metricsNamespaceOf = (stage: string): string => `Cityhub/${stage}`;

/** Name of the alarm on the webhook deliveries' dead letters. */
export const webhookDeadLettersAlarmName = (stage: string): string => `cityhub-${stage}-webhook-dead-letters`;

/**
 * What computes: one Lambda per topology function, a queue (with DLQ and alarm) per topology queue, a bus
 * rule per topology rule, the HTTP API with the topology's routes behind a JWT authorizer (a Cognito user pool or
 * the city's own provider) for its analyst and admin routes, and the daily schedules. All of it is read from shared/topology.ts.
 */
export class StatelessStack extends Stack {
  /** The functions, by topology name. */
  public readonly functions: ReadonlyMap<FunctionName, ServiceFunction>;
  /** The queues, by topology name. */
  public readonly queues: ReadonlyMap<QueueName, ServiceQueue>;
  /** The HTTP API. */
  public readonly httpApi: HttpApi;
  /** The API's `$default` stage. */
  public readonly apiStage: HttpStage;
  /** The user pool or own provider, and the JWT authorizer of the analyst and admin routes. */
  public readonly signIn: SignIn;
  /** Alarms, their topic and the dashboard. */
  public readonly observability: Observability;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    // Functions invoked asynchronously (schedule targets) keep what failed in a dead-letter queue.
    const asyncDeadLetters = new Map<FunctionName, DeadLetterQueue>();
    for (const name of new Set(schedules.map((schedule) => schedule.function))) {
      asyncDeadLetters.set(
        name,
        new DeadLetterQueue(this, `${functions[name].id}AsyncDeadLetters`, {
          holds: `asynchronous (scheduled) invocations of ${serviceNameOf(name)}`,
        }),
      );
    }

    const functionMap = new Map<FunctionName, ServiceFunction>();
    for (const [name, decl] of entriesOf<FunctionName, FunctionDecl>(functions)) {
      const reserved =
        name === 'ingest'
          ? (props.ingestReservedConcurrency ?? decl.reservedConcurrency)
          : decl.reservedConcurrency;
      const fn = new ServiceFunction(this, decl.id, {
        name,
        entry: `${PROJECT_ROOT}${decl.entry}`,
        projectRoot: PROJECT_ROOT,
        description: decl.description,
        memorySize: decl.memoryMb,
        timeout: Duration.seconds(decl.timeoutSeconds),
        timeZone: props.timeZone,
        environment: this.environmentOf(name, decl, props),
        logRetention,
        deadLetterQueue: asyncDeadLetters.get(name)?.queue,
        // 0 means no reservation: a reserved concurrency of 0 would stop the function altogether.
        ...(reserved ? { reservedConcurrentExecutions: reserved } : {}),
        ...(ASSET_BUILDS[name] ? { afterBundling: ASSET_BUILDS[name] } : {}),
      });
      this.grantAccess(fn, decl, props);
      if (!asyncDeadLetters.has(name)) {
        Validations.of(fn.function).acknowledge({
          id: 'Serverless-LambdaDLQ',
          reason: `${serviceNameOf(name)} is never invoked asynchronously (only ${invokersOf(name)}), and a Lambda DeadLetterConfig only catches failed asynchronous invocations; SQS-fed failures go to the queue's own dead-letter queue, HTTP callers get the error.`,
        });
      }
      functionMap.set(name, fn);
    }
    this.functions = functionMap;
    const functionOf = (name: FunctionName): ServiceFunction => {
      const fn = functionMap.get(name);
      if (!fn) throw new Error(`topology names function '${name}', which is not declared`);
      return fn;
    };

    const queueMap = new Map<QueueName, ServiceQueue>();
    for (const [name, decl] of entriesOf<QueueName, QueueDecl>(queues)) {
      const consumer = functions[decl.consumer];
      const maxConcurrency = name === 'delivery' ? deliveryConcurrencyOf(props) : decl.maxConcurrency;
      const queue = new ServiceQueue(this, decl.id, {
        description: `${name} queue`,
        // AWS: at least 6 × the function timeout, plus the batching window.
        visibilityTimeout: Duration.seconds(6 * consumer.timeoutSeconds + decl.maxBatchingWindowSeconds),
        maxReceiveCount: decl.maxReceiveCount,
        ...(name === 'delivery' ? { deadLetterAlarmName: webhookDeadLettersAlarmName(props.stage) } : {}),
      });
      Validations.of(functionOf(decl.consumer).function).acknowledge({
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason:
          "SQS event source mappings support no on-failure destination (only stream and Kafka sources do); messages that keep failing move to the queue's dead-letter queue after maxReceiveCount receives, which is alarmed.",
      });
      functionOf(decl.consumer).function.addEventSource(
        new SqsEventSource(queue.queue, {
          batchSize: decl.batchSize,
          maxBatchingWindow: Duration.seconds(decl.maxBatchingWindowSeconds),
          reportBatchItemFailures: true,
          ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
        }),
      );
      queueMap.set(name, queue);
    }
    this.queues = queueMap;
    for (const [name, decl] of entriesOf<FunctionName, FunctionDecl>(functions)) {
      const visibility = decl.access.queueVisibility;
      if (!visibility) continue;
      const queue = queueMap.get(visibility as QueueName);
      if (!queue) throw new Error(`function '${name}' names queue '${visibility}', which is not declared`);
      queue.queue.grant(functionOf(name).function, 'sqs:ChangeMessageVisibility');
      functionOf(name).function.addEnvironment('VISIBILITY_QUEUE_URL', queue.queue.queueUrl);
    }
    for (const [name, decl] of entriesOf<FunctionName, FunctionDecl>(functions)) {
      if (decl.access.deadLetterQueues) this.grantDeadLetterRedrive(functionOf(name), queueMap);
    }

    // Table streams: an event source mapping per declared stream, filtered as declared; a batch that
    // keeps failing is described in a dead-letter queue (alarmed), its records kept 24 h by the stream.
    const streamDeadLetters: DeadLetterQueue[] = [];
    for (const [name, decl] of entriesOf<StreamName, StreamDecl>(streams)) {
      const table = props.tables[decl.table];
      const deadLetters = new DeadLetterQueue(this, `${decl.id}DeadLetters`, {
        holds: `batches of the ${name} stream (shard and sequence numbers; the records stay in the stream for 24 hours)`,
      });
      Validations.of(deadLetters.queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          "This queue is the on-failure destination of a stream's event source mapping (a dead-letter queue in all but name: nag only recognizes those named by a redrive policy); its alarm fires on the first message.",
      });
      streamDeadLetters.push(deadLetters);
      functionOf(decl.consumer).function.addEventSource(
        new DynamoEventSource(table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: decl.batchSize,
          maxBatchingWindow: Duration.seconds(decl.maxBatchingWindowSeconds),
          // Left out, the mapping retries until the records expire (CDK takes no -1).
          ...(decl.retryAttempts >= 0 ? { retryAttempts: decl.retryAttempts } : {}),
          bisectBatchOnError: true,
          reportBatchItemFailures: true,
          onFailure: new SqsDlq(deadLetters.queue),
          filters: [toCdkStreamFilter(decl)],
        }),
      );
    }

    for (const rule of rules) {
      const queue = queueMap.get(rule.queue);
      if (!queue) throw new Error(`rule ${rule.id} targets queue '${rule.queue}', which is not declared`);
      new Rule(this, rule.id, {
        eventBus: props.bus,
        description: rule.description,
        eventPattern: toCdkEventPattern(rule.pattern),
        // Events the bus cannot deliver land with the queue's own dead letters.
        targets: [new SqsQueue(queue.queue, { deadLetterQueue: queue.deadLetters.queue })],
      });
    }

    const api = this.createHttpApi(props, logRetention, functionOf);
    this.httpApi = api.httpApi;
    this.apiStage = api.stage;
    this.signIn = api.signIn;
    // The page learns where to sign in the way it learns the time zone: the function fills it in.
    const dashboard = functionOf('dashboard').function;
    dashboard.addEnvironment('SIGN_IN_ISSUER', api.signIn.page.issuer);
    dashboard.addEnvironment('SIGN_IN_CLIENT_ID', api.signIn.page.clientId);
    dashboard.addEnvironment('SIGN_IN_SCOPES', api.signIn.page.scopes);
    if (api.signIn.page.tokenEndpoint)
      dashboard.addEnvironment('SIGN_IN_TOKEN_ENDPOINT', api.signIn.page.tokenEndpoint);
    // GET /openapi.json names the provider in its OpenID Connect security scheme.
    functionOf('query').function.addEnvironment('SIGN_IN_ISSUER', api.signIn.page.issuer);

    // The sweep's feed.silent events use the silence of the feed-silence alarm, unless the alerts set says otherwise.
    functionOf('supervise').function.addEnvironment(
      'FEED_SILENCE_MINUTES',
      String(props.feedSilenceMinutes ?? 60),
    );

    this.createSchedules(props.timeZone, functionOf, asyncDeadLetters);

    this.observability = new Observability(this, 'Observability', {
      stage: props.stage,
      functions: functionMap,
      queues: queueMap,
      deadLetterQueues: [...asyncDeadLetters.values(), ...streamDeadLetters],
      streamConsumers: new Map(
        entriesOf<StreamName, StreamDecl>(streams).map(([name, decl]) => [name, functionOf(decl.consumer)]),
      ),
      apiStage: api.stage,
      metricsNamespace: metricsNamespaceOf(props.stage),
      sources,
      feedSilenceMinutes: props.feedSilenceMinutes ?? 60,
      recomputeFunction: 'indicators',
      deliveryFunction: 'deliver',
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
      ...(props.alarmTopicArn ? { alarmTopicArn: props.alarmTopicArn } : {}),
    });

    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the cityhub HTTP API', value: api.stage.url });
    new CfnOutput(this, 'BusName', {
      description: 'Name of the cityhub event bus',
      value: props.bus.eventBusName,
    });
  }

  /**
   * The environment a function reads besides the shared defaults. Functions that use storage get every
   * table name and the bus name, as `storageEnvSchema` (shared/composition/root.ts) checks them all at cold
   * start; what a function may actually touch is decided by its grants alone.
   */
  private environmentOf(
    name: FunctionName,
    decl: FunctionDecl,
    props: StatelessStackProps,
  ): Record<string, string> {
    const environment: Record<string, string> = {};
    const usesStorage = Object.keys(decl.access.tables ?? {}).length > 0 || decl.access.putEvents === true;
    if (usesStorage) {
      for (const [tableName, table] of entriesOf<TableName, TableDecl>(tables)) {
        environment[table.envVar] = props.tables[tableName].tableName;
      }
      environment.EVENT_BUS_NAME = props.bus.eventBusName;
    }
    if (routes.some((route) => route.function === name && JWT_AUTHS.has(route.auth))) {
      // API Gateway has verified the access token; the function maps its claims to a role (shared/http/auth.ts).
      environment.AUTH_MODE = 'jwt';
    }
    if (decl.access.sourceSecrets) {
      for (const [source, secret] of entriesOf<Source, ISecret>(props.sourceSecrets)) {
        environment[`SOURCE_SECRET_ARN_${sourceEnvSuffix(source)}`] = secret.secretArn;
      }
      if (props.jt808WorkingFlag) environment.JT808_WORKING_FLAG = props.jt808WorkingFlag;
    }
    if (METRICS_FUNCTIONS.has(name)) environment.METRICS_NAMESPACE = metricsNamespaceOf(props.stage);
    // The functions that check subscriber URLs: subscriptions (on create and change), deliver (on send).
    if (props.webhookPorts && (name === 'subscriptions' || name === 'deliver'))
      environment.WEBHOOK_PORTS = props.webhookPorts;
    if (name === 'subscriptions' || name === 'deliver') {
      environment.WEBHOOK_SECRET_OVERLAP_HOURS = String(
        props.webhookSecretOverlapHours ?? DEFAULT_SECRET_OVERLAP_HOURS,
      );
      environment.WEBHOOK_DISABLE_AFTER_DAYS = String(
        props.webhookDisableAfterDays ?? DEFAULT_DISABLE_AFTER_DAYS,
      );
    }
    if (name === 'deliver') {
      environment.WEBHOOK_RATE_PER_SUBSCRIPTION = props.webhookRatePerSubscription ?? DEFAULT_DELIVERY_RATE;
      environment.DELIVERY_MAX_CONCURRENCY = String(deliveryConcurrencyOf(props));
    }
    return environment;
  }

  /** Turns a function's declared `access` into `grant*` calls, and nothing more. */
  private grantAccess(fn: ServiceFunction, decl: FunctionDecl, props: StatelessStackProps): void {
    for (const [tableName, mode] of Object.entries(decl.access.tables ?? {})) {
      const table = props.tables[tableName as TableName];
      const leadingKeys = decl.access.leadingKeys?.[tableName as TableName];
      if (leadingKeys) {
        if (typeof mode === 'string')
          throw new Error(`${decl.id}: leadingKeys need the actions listed, not '${mode}'`);
        fn.function.addToRolePolicy(
          new PolicyStatement({
            actions: mode.map((action) => `dynamodb:${action}`),
            // The table's indexes too: a query of an index is limited by the index's partition key.
            resources:
              tables[tableName as TableName].globalIndexes.length > 0
                ? [table.tableArn, `${table.tableArn}/index/*`]
                : [table.tableArn],
            conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...leadingKeys] } },
          }),
        );
      } else if (mode === 'readWrite') table.grantReadWriteData(fn);
      else if (mode === 'read') table.grantReadData(fn);
      else table.grant(fn, ...mode.map((action) => `dynamodb:${action}`));
      if (tables[tableName as TableName].globalIndexes.length > 0) {
        acknowledgeWhenResolved(fn.role, (resolve) => [
          {
            id: `AwsSolutions-IAM5[Resource::${resolve(table.tableArn)}/index/*]`,
            reason: `grant*Data reaches the GSIs of the ${tableName} table through <table ARN>/index/*; the wildcard spans only that table's own indexes.`,
          },
        ]);
      }
    }
    for (const [tableName, statements] of Object.entries(decl.access.partiql ?? {}))
      props.tables[tableName as TableName].grant(fn, ...statements.map((action) => `dynamodb:${action}`));
    if (decl.access.putEvents) props.bus.grantPutEventsTo(fn);
    if (decl.access.sourceSecrets) {
      for (const secret of Object.values<ISecret>(props.sourceSecrets)) secret.grantRead(fn);
    }
  }

  /**
   * Lets a function look at every queue's dead letters and move them back with SQS message move
   * tasks: on each dead-letter queue what a peek and a move task need (the task receives and deletes
   * as its caller), on each queue only `sqs:SendMessage` (the task sends as its caller too); their
   * addresses go to `DEAD_LETTER_QUEUES` (JSON).
   */
  private grantDeadLetterRedrive(fn: ServiceFunction, queueMap: ReadonlyMap<QueueName, ServiceQueue>): void {
    const addresses: Record<string, { url: string; arn: string; sourceArn: string }> = {};
    for (const [name, queue] of queueMap) {
      queue.deadLetters.queue.grant(
        fn.function,
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:StartMessageMoveTask',
        'sqs:ListMessageMoveTasks',
        'sqs:CancelMessageMoveTask',
      );
      queue.queue.grant(fn.function, 'sqs:SendMessage');
      addresses[name] = {
        url: queue.deadLetters.queue.queueUrl,
        arn: queue.deadLetters.queue.queueArn,
        sourceArn: queue.queue.queueArn,
      };
    }
    fn.function.addEnvironment('DEAD_LETTER_QUEUES', this.toJsonString(addresses));
  }

  private createHttpApi(
    props: StatelessStackProps,
    logRetention: RetentionDays,
    functionOf: (name: FunctionName) => ServiceFunction,
  ): { httpApi: HttpApi; stage: HttpStage; signIn: SignIn } {
    const httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `cityhub-${props.stage}`,
      description: 'cityhub: signed ingest, analyst queries and admin routes',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'HttpApiAccessLogs', { retention: logRetention });
    const stage = httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? DEFAULT_API_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            caller: '$context.identity.userArn',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            error: '$context.error.message',
          }),
        ),
      },
    });

    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const integrationOf = (name: FunctionName): HttpLambdaIntegration => {
      let integration = integrations.get(name);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${functions[name].id}Integration`,
          functionOf(name).function,
        );
        integrations.set(name, integration);
      }
      return integration;
    };
    const signIn = new SignIn(this, 'SignIn', {
      stage: props.stage,
      callbackUrl: stage.url,
      ...(props.oidc ? { ownProvider: props.oidc } : {}),
    });
    // Every route gets its own throttle (a route setting), ingest routes the ingest one: a flood on one
    // route is refused there and counts against no other route's limit.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const route of routes) {
      const authorizer: IHttpRouteAuthorizer = JWT_AUTHS.has(route.auth)
        ? signIn.authorizer
        : new HttpNoneAuthorizer();
      const added = httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrationOf(route.function),
        authorizer,
      });
      const reason = UNAUTHORIZED_ROUTE_REASONS[route.auth];
      if (reason) {
        for (const httpRoute of added)
          Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason });
      }
      const [throttle, defaults] =
        route.auth === 'signature'
          ? [props.ingestThrottle, DEFAULT_INGEST_THROTTLE]
          : [props.throttle, DEFAULT_API_THROTTLE];
      routeSettings[`${route.method} ${route.path}`] = {
        ThrottlingRateLimit: throttle?.rateLimit ?? defaults.rateLimit,
        ThrottlingBurstLimit: throttle?.burstLimit ?? defaults.burstLimit,
      };
      // API Gateway refuses route settings for a route that does not exist yet.
      for (const httpRoute of added) stage.node.addDependency(httpRoute);
    }
    (stage.node.defaultChild as CfnStage).routeSettings = routeSettings;
    return { httpApi, stage, signIn };
  }

  /**
   * EventBridge Scheduler schedules at the declared local time of the city (or every few minutes),
   * invoking the declared function.
   */
  private createSchedules(
    timeZone: string,
    functionOf: (name: FunctionName) => ServiceFunction,
    asyncDeadLetters: ReadonlyMap<FunctionName, DeadLetterQueue>,
  ): void {
    if (schedules.length === 0) return;
    const role = new Role(this, 'SchedulerRole', {
      description: 'Lets EventBridge Scheduler invoke the scheduled cityhub functions',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    for (const schedule of schedules) {
      const fn = functionOf(schedule.function);
      new Schedule(this, schedule.id, {
        description: schedule.description,
        schedule:
          'everyMinutes' in schedule
            ? ScheduleExpression.rate(Duration.minutes(schedule.everyMinutes))
            : ScheduleExpression.cron({
                hour: String(schedule.hour),
                minute: String(schedule.minute),
                timeZone: TimeZone.of(timeZone),
              }),
        target: new LambdaInvoke(fn.function, {
          role,
          input: ScheduleTargetInput.fromObject(schedule.input),
          deadLetterQueue: asyncDeadLetters.get(schedule.function)?.queue,
          // A sweep of every few minutes is not retried: the next one does its work.
          retryAttempts: 'everyMinutes' in schedule ? 0 : 3,
          maxEventAge: 'everyMinutes' in schedule ? Duration.minutes(1) : Duration.hours(1),
        }),
      });
      acknowledgeWhenResolved(role, (resolve) => [
        {
          id: `AwsSolutions-IAM5[Resource::${resolve(fn.function.functionArn)}:*]`,
          reason: `LambdaInvoke grants lambda:InvokeFunction on ${serviceNameOf(schedule.function)} and <function ARN>:*, which spans only that function's versions and aliases.`,
        },
      ]);
    }
  }
}
