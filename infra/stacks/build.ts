import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
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
   * Check the app with cdk-nag's AwsSolutions rules at synthesis; any unacknowledged finding fails it.
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
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

const contextString = (app: App, key: string, fallback: string): string => {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined) return fallback;
  if (typeof value !== 'string')
    throw new Error(`context '${key}' must be a string, got ${JSON.stringify(value)}`);
  return value;
};

/**
 * Builds the cityhub app without synthesizing it: `Cityhub-<stage>-Stateful` (tables, bus, secrets) and
 * `Cityhub-<stage>-Stateless` (functions, queues, rules, HTTP API, schedules), both from shared/topology.ts.
 * Reads context `stage` (default `dev`), `timezone` (default `Asia/Shanghai`) and `jt808WorkingFlag`
 * (default: item 0x2A, bit 2).
 */
export const buildApp = (props: BuildAppProps = {}): CityhubApp => {
  const app = new App(props.context ? { context: { ...props.context } } : {});
  const stage = contextString(app, 'stage', DEFAULT_STAGE);
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new Error(
      `stage '${stage}' must be 1-20 lower-case letters, digits or dashes, starting with a letter (e.g. -c stage=prod)`,
    );
  }
  const timeZone = contextString(app, 'timezone', DEFAULT_TIME_ZONE);
  if (!timeZoneSchema.safeParse(timeZone).success) {
    throw new Error(`timezone '${timeZone}' is not an IANA time zone; use e.g. -c timezone=Asia/Shanghai`);
  }

  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const jt808WorkingFlag = app.node.tryGetContext('jt808WorkingFlag') as string | undefined;
  if (jt808WorkingFlag !== undefined) parseWorkingFlag(String(jt808WorkingFlag));
  const stateful = new StatefulStack(app, `Cityhub-${stage}-Stateful`, {
    env,
    stage,
    description: `cityhub ${stage}: tables, event bus and source secrets (retained on delete)`,
  });
  const stateless = new StatelessStack(app, `Cityhub-${stage}-Stateless`, {
    env,
    stage,
    timeZone,
    tables: stateful.tables,
    bus: stateful.bus,
    sourceSecrets: stateful.sourceSecrets,
    ...(jt808WorkingFlag === undefined ? {} : { jt808WorkingFlag: String(jt808WorkingFlag) }),
    description: `cityhub ${stage}: functions, queues, bus rules, HTTP API and schedules`,
  });

  if (props.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stage, timeZone, stateful, stateless };
};
