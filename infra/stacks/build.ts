import { App, Validations } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import * as z from 'zod';
import { StatefulStack } from '#infra/stacks/stateful-stack';
import { DEFAULT_INGEST_THROTTLE, StatelessStack } from '#infra/stacks/stateless-stack';
import { timeZoneSchema } from '#shared/config';
import { parseWorkingFlag } from '#shared/domain/jt808';
import {
  DEFAULT_DELIVERY_RATE,
  parseRate,
  type Rate,
  rateOfOneConsumer,
} from '#shared/domain/webhooks/rate-limit';
import { queues } from '#shared/topology';

/** Stage used when `-c stage=<name>` is not given. */
export const DEFAULT_STAGE = 'dev';
/** City time zone used when `-c timezone=<IANA zone>` is not given. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** Properties of {@link buildApp}. */
export interface BuildAppProps {
  /**
   * Context of the app, e.g. `{ stage: 'test', 'aws:cdk:bundling-stacks': [] }` in tests. The CDK CLI passes
   * cdk.json's context and `-c` values through the environment, so the entry point passes none.
   *
   * @default - none besides what the CDK CLI provides
   */
  readonly context?: Readonly<Record<string, unknown>>;
  /**
   * Check the app with cdk-nag's AwsSolutions and Serverless rules at synthesis; any unacknowledged finding fails it.
   *
   * @default true
   */
  readonly nag?: boolean;
}

/** The cityhub CDK app and its stacks. */
export interface CityhubApp {
  readonly app: App;
  readonly stage: string;
  readonly timeZone: string;
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/** Stages whose tables are protected against deletion (DynamoDB `DeletionProtectionEnabled`). */
export const PROTECTED_STAGES: ReadonlySet<string> = new Set(['prod']);

/** Log retentions CloudWatch Logs accepts, in days. */
const RETENTION_DAYS_VALUES: ReadonlySet<number> = new Set(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

/** A number from context: cdk.json gives numbers, `-c key=value` gives strings. */
const contextNumber = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
  z.number(),
);

/**
 * The per-stage configuration, validated from the app's context. `-c` values arrive as strings, so
 * numbers are coerced and `partnerAccounts` may be a comma-separated string or an array.
 */
export const stageConfigSchema = z.object({
  stage: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{0,19}$/,
      'must be 1-20 lower-case letters, digits or dashes, starting with a letter (e.g. -c stage=prod)',
    )
    .default(DEFAULT_STAGE),
  timezone: timeZoneSchema
    .default(DEFAULT_TIME_ZONE)
    .describe('an IANA time zone, e.g. -c timezone=Asia/Shanghai'),
  alarmEmail: z.email().optional(),
  alarmTopicArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
      'must be an SNS topic ARN, e.g. arn:aws:sns:cn-north-1:111111111111:ops-alarms',
    )
    .optional(),
  partnerAccounts: z
    .preprocess(
      (value) =>
        typeof value === 'string'
          ? value
              .split(',')
              .map((account) => account.trim())
              .filter((account) => account.length > 0)
          : value,
      z.array(z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id')),
    )
    .optional(),
  logRetentionDays: contextNumber
    .refine((days) => RETENTION_DAYS_VALUES.has(days), {
      message: `must be a CloudWatch Logs retention: one of ${[...RETENTION_DAYS_VALUES].join(', ')}`,
    })
    .optional(),
  apiThrottleRate: contextNumber.pipe(z.number().positive()).optional(),
  apiThrottleBurst: contextNumber.pipe(z.number().int().positive()).optional(),
  ingestThrottleRate: contextNumber
    .pipe(z.number().positive('must be more than 0 requests a second, e.g. -c ingestThrottleRate=20'))
    .optional()
    .describe('requests a second of each ingest route'),
  ingestThrottleBurst: contextNumber
    .pipe(
      z
        .number()
        .int('must be a whole number of requests')
        .positive('must be at least 1, e.g. -c ingestThrottleBurst=40'),
    )
    .optional()
    .describe('burst of each ingest route'),
  ingestReservedConcurrency: contextNumber
    .pipe(
      z
        .number()
        .int('must be a whole number of executions')
        .min(0, 'must be 0 (no reservation) or more, e.g. -c ingestReservedConcurrency=50'),
    )
    .optional()
    .describe('concurrent executions reserved for ingest; 0 for none'),
  deliveryMaxConcurrency: contextNumber
    .pipe(
      z
        .number()
        .int('must be a whole number of batches')
        .min(2, 'must be 2-1000 (the SQS event source mapping limits), e.g. -c deliveryMaxConcurrency=20')
        .max(1000, 'must be 2-1000 (the SQS event source mapping limits), e.g. -c deliveryMaxConcurrency=20'),
    )
    .optional()
    .describe('batches of webhook deliveries in flight at once'),
  feedSilenceMinutes: contextNumber
    .pipe(
      z
        .number()
        .int()
        .min(5)
        .max(1440)
        .refine((minutes) => minutes % 5 === 0, 'must be a multiple of 5 (the alarm period)'),
    )
    .default(60),
  jt808WorkingFlag: z
    .preprocess((value) => (value === undefined ? value : String(value)), z.string())
    .optional(),
  webhookPorts: z
    .preprocess(
      (value) => (value === undefined ? value : String(value)),
      z.string().regex(/^\d{1,5}(,\d{1,5})*$/, 'must be comma-separated port numbers, e.g. 8443,9443'),
    )
    .optional()
    .describe('ports subscriber URLs may name besides 443'),
  webhookRatePerSubscription: z
    .union([z.string(), z.number().transform(String)])
    .optional()
    .describe('deliveries a second to one subscription, perSecond[,burst] (default 10,20)'),
  webhookSecretOverlapHours: contextNumber
    .pipe(z.number().min(0).max(720))
    .optional()
    .describe('hours a rotated-out subscription secret still signs deliveries (default 24)'),
  webhookDisableAfterDays: contextNumber
    .pipe(z.number().positive().max(365))
    .optional()
    .describe('days of failing delivery attempts after which a subscription is disabled (default 5)'),
  oidcIssuer: z
    .url({
      protocol: /^https$/,
      error:
        'must be the https URL of your OpenID provider, e.g. -c oidcIssuer=https://login.example.gov.cn/realms/city',
    })
    .optional()
    .describe("the city's own OpenID provider instead of a Cognito user pool"),
  oidcAudience: z
    .preprocess(
      (value) => (value === undefined ? value : String(value)),
      z
        .string()
        .min(1, 'must name the audience (or client id) of access tokens, e.g. -c oidcAudience=cityhub'),
    )
    .optional()
    .describe('audience of access tokens from oidcIssuer'),
  oidcDashboardClientId: z
    .string()
    .min(1)
    .optional()
    .describe("client id the dashboard signs in with at the city's provider (default: oidcAudience)"),
  keepLegacyDateIndex: z
    .preprocess((value) => (typeof value === 'string' ? value === 'true' : value), z.boolean())
    .default(false)
    .describe('true for the first of the two deploys that upgrade a stack from before byDateKeys'),
});

/** The validated per-stage configuration; `deletionProtection` follows from the stage. */
export type StageConfig = z.infer<typeof stageConfigSchema> & { readonly deletionProtection: boolean };

/** Reads and validates the {@link StageConfig} from an app's context. */
/** Longest a delivery consumer may wait for a subscription's slots over one batch. */
const MAX_PACING_WAIT_S = 30;

/**
 * Each delivery consumer keeps its share of a subscription's rate; a batch of deliveries to one
 * subscription must fit in {@link MAX_PACING_WAIT_S} at that share, well inside the function's timeout.
 */
const checkDeliveryPacing = (text: string, maxConcurrency: number): void => {
  let rate: Rate;
  try {
    rate = parseRate(text, 'webhookRatePerSubscription');
  } catch (error) {
    throw new Error(`invalid context: ${(error as Error).message}`);
  }
  const share = rateOfOneConsumer(rate, maxConcurrency);
  const waitS = (queues.delivery.batchSize - share.burst) / share.perSecond;
  if (waitS > MAX_PACING_WAIT_S) {
    throw new Error(
      `invalid context: webhookRatePerSubscription=${text} shared among deliveryMaxConcurrency=${maxConcurrency} ` +
        `consumers leaves each ${share.perSecond.toFixed(2)} a second, so a batch of ${queues.delivery.batchSize} ` +
        `deliveries to one subscription would wait ${Math.round(waitS)} s (at most ${MAX_PACING_WAIT_S}): ` +
        'raise the rate or lower deliveryMaxConcurrency',
    );
  }
};

export const stageConfigOf = (app: App): StageConfig => {
  const keys = Object.keys(stageConfigSchema.shape);
  const raw = Object.fromEntries(keys.map((key) => [key, app.node.tryGetContext(key) as unknown]));
  const parsed = stageConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `invalid context: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  if (parsed.data.jt808WorkingFlag !== undefined) parseWorkingFlag(parsed.data.jt808WorkingFlag);
  checkDeliveryPacing(
    parsed.data.webhookRatePerSubscription ?? DEFAULT_DELIVERY_RATE,
    parsed.data.deliveryMaxConcurrency ?? queues.delivery.maxConcurrency,
  );
  if ((parsed.data.oidcIssuer === undefined) !== (parsed.data.oidcAudience === undefined)) {
    throw new Error(
      'invalid context: oidcIssuer and oidcAudience go together: give both to use your own OpenID provider ' +
        '(-c oidcIssuer=https://login.example.gov.cn/realms/city -c oidcAudience=cityhub), or neither for the Cognito user pool',
    );
  }
  if (parsed.data.oidcDashboardClientId !== undefined && parsed.data.oidcIssuer === undefined) {
    throw new Error('invalid context: oidcDashboardClientId needs -c oidcIssuer and -c oidcAudience');
  }
  if (
    PROTECTED_STAGES.has(parsed.data.stage) &&
    parsed.data.alarmEmail === undefined &&
    parsed.data.alarmTopicArn === undefined
  ) {
    throw new Error(
      `invalid context: stage ${parsed.data.stage} needs somewhere for its alarms to go, or dead letters, silent feeds and 5xx alarm nobody: ` +
        '-c alarmEmail=ops@example.gov.cn (an e-mail subscription to the alarm topic) or ' +
        '-c alarmTopicArn=arn:aws:sns:<region>:<account>:<topic> (an existing topic, e.g. your paging system)',
    );
  }
  return { ...parsed.data, deletionProtection: PROTECTED_STAGES.has(parsed.data.stage) };
};

/**
 * Builds the cityhub app without synthesizing it: `Cityhub-<stage>-Stateful` (tables, bus, secrets) and
 * `Cityhub-<stage>-Stateless` (functions, queues, rules, HTTP API, schedules), both from shared/topology.ts.
 * Reads the {@link StageConfig} from context: `stage` (default `dev`), `timezone` (default `Asia/Shanghai`),
 * `alarmEmail` and/or `alarmTopicArn` (prod needs one), `partnerAccounts`, `logRetentionDays`,
 * `apiThrottleRate`/`apiThrottleBurst` (analyst, admin and open routes), `ingestThrottleRate`/`ingestThrottleBurst`
 * (each ingest route), `ingestReservedConcurrency` (0 = none), `deliveryMaxConcurrency`,
 * `feedSilenceMinutes` (default 60), `jt808WorkingFlag` (default: item 0x2A, bit 2) and `oidcIssuer` with
 * `oidcAudience` (and optionally `oidcDashboardClientId`) for the city's own OpenID provider instead of a
 * Cognito user pool.
 */
export const buildApp = (props: BuildAppProps = {}): CityhubApp => {
  const app = new App(props.context ? { context: { ...props.context } } : {});
  const config = stageConfigOf(app);
  const { stage, timezone: timeZone } = config;

  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const stateful = new StatefulStack(app, `Cityhub-${stage}-Stateful`, {
    env,
    stage,
    deletionProtection: config.deletionProtection,
    keepLegacyDateIndex: config.keepLegacyDateIndex,
    ...(config.partnerAccounts ? { partnerAccounts: config.partnerAccounts } : {}),
    description: `cityhub ${stage}: tables, event bus and source secrets (retained on delete)`,
  });
  const stateless = new StatelessStack(app, `Cityhub-${stage}-Stateless`, {
    env,
    stage,
    timeZone,
    tables: stateful.tables,
    bus: stateful.bus,
    sourceSecrets: stateful.sourceSecrets,
    feedSilenceMinutes: config.feedSilenceMinutes,
    ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    ...(config.alarmTopicArn ? { alarmTopicArn: config.alarmTopicArn } : {}),
    ...(config.logRetentionDays ? { logRetention: config.logRetentionDays as RetentionDays } : {}),
    ...(config.apiThrottleRate || config.apiThrottleBurst
      ? { throttle: { rateLimit: config.apiThrottleRate ?? 50, burstLimit: config.apiThrottleBurst ?? 100 } }
      : {}),
    ...(config.ingestThrottleRate || config.ingestThrottleBurst
      ? {
          ingestThrottle: {
            rateLimit: config.ingestThrottleRate ?? DEFAULT_INGEST_THROTTLE.rateLimit,
            burstLimit: config.ingestThrottleBurst ?? DEFAULT_INGEST_THROTTLE.burstLimit,
          },
        }
      : {}),
    ...(config.ingestReservedConcurrency === undefined
      ? {}
      : { ingestReservedConcurrency: config.ingestReservedConcurrency }),
    ...(config.deliveryMaxConcurrency === undefined
      ? {}
      : { deliveryMaxConcurrency: config.deliveryMaxConcurrency }),
    ...(config.oidcIssuer && config.oidcAudience
      ? {
          oidc: {
            issuer: config.oidcIssuer,
            audience: config.oidcAudience,
            dashboardClientId: config.oidcDashboardClientId ?? config.oidcAudience,
          },
        }
      : {}),
    ...(config.jt808WorkingFlag === undefined ? {} : { jt808WorkingFlag: config.jt808WorkingFlag }),
    ...(config.webhookPorts === undefined ? {} : { webhookPorts: config.webhookPorts }),
    ...(config.webhookRatePerSubscription === undefined
      ? {}
      : { webhookRatePerSubscription: config.webhookRatePerSubscription }),
    ...(config.webhookSecretOverlapHours === undefined
      ? {}
      : { webhookSecretOverlapHours: config.webhookSecretOverlapHours }),
    ...(config.webhookDisableAfterDays === undefined
      ? {}
      : { webhookDisableAfterDays: config.webhookDisableAfterDays }),
    description: `cityhub ${stage}: functions, queues, bus rules, HTTP API and schedules`,
  });

  if (props.nag ?? true) {
    Validations.of(app).addPlugins(
      new AwsSolutionsChecks(app, { verbose: true }),
      new ServerlessChecks(app, { verbose: true }),
    );
  }
  return { app, stage, timeZone, config, stateful, stateless };
};
