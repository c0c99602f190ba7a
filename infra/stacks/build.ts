import { App, Validations } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import * as z from 'zod';
import { StatefulStack } from '#infra/stacks/stateful-stack';
import { StatelessStack } from '#infra/stacks/stateless-stack';
import { timeZoneSchema } from '#shared/config';
import { parseWorkingFlag } from '#shared/domain/jt808';

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
  keepLegacyDateIndex: z
    .preprocess((value) => (typeof value === 'string' ? value === 'true' : value), z.boolean())
    .default(false)
    .describe('true for the first of the two deploys that upgrade a stack from before byDateKeys'),
});

/** The validated per-stage configuration; `deletionProtection` follows from the stage. */
export type StageConfig = z.infer<typeof stageConfigSchema> & { readonly deletionProtection: boolean };

/** Reads and validates the {@link StageConfig} from an app's context. */
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
 * `apiThrottleRate`/`apiThrottleBurst`,
 * `feedSilenceMinutes` (default 60) and `jt808WorkingFlag` (default: item 0x2A, bit 2).
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
    ...(config.jt808WorkingFlag === undefined ? {} : { jt808WorkingFlag: config.jt808WorkingFlag }),
    ...(config.webhookPorts === undefined ? {} : { webhookPorts: config.webhookPorts }),
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
