import { type Duration, Validations } from 'aws-cdk-lib';
import { type IGrantable, type IPrincipal, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ESM_REQUIRE_BANNER, LAMBDA_ALIAS, LAMBDA_EXTERNALS } from '#infra/constructs/bundling';

/** The Powertools service name of a topology function: `ingest` → `cityhub-ingest`. */
export const serviceNameOf = (name: string): string => `cityhub-${name}`;

/**
 * The Lambda runtime of every cityhub function: the newest Node.js this aws-cdk-lib knows
 * (cdk-nag's AwsSolutions-L1 checks the same list).
 */
export const SERVICE_RUNTIME = Runtime.NODEJS_24_X;

/** Properties of a {@link ServiceFunction}. */
export interface ServiceFunctionProps {
  /** Topology name of the function (e.g. `ingest`); it becomes `POWERTOOLS_SERVICE_NAME=cityhub-<name>`. */
  readonly name: string;
  /** Absolute path of the handler module; it exports `handler`. */
  readonly entry: string;
  /** Directory holding package.json and package-lock.json; `entry` lies below it. */
  readonly projectRoot: string;
  readonly description: string;
  /** Memory in MB. */
  readonly memorySize: number;
  readonly timeout: Duration;
  /** IANA time zone of the city, passed as `CITY_TIMEZONE`. */
  readonly timeZone: string;
  /**
   * Extra environment, merged over the shared defaults (`CITY_TIMEZONE`, `NODE_OPTIONS`).
   * `POWERTOOLS_SERVICE_NAME` always comes from `name`.
   *
   * @default - only the shared defaults
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * How long the function's log group keeps its events.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Queue for asynchronous invocations that failed after Lambda's retries (e.g. schedule targets).
   *
   * @default - none: failed asynchronous invocations are dropped
   */
  readonly deadLetterQueue?: IQueue;
  /**
   * Shell commands that add files to the function's asset after esbuild bundled it, given the asset
   * directory; they run in `projectRoot` (e.g. building the dashboard page beside the bundle).
   *
   * @default - the asset holds the bundle only
   */
  readonly afterBundling?: (assetDirectory: string) => string[];
  /**
   * Concurrent executions reserved for (and capping) the function.
   *
   * @default - none: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * A cityhub Lambda function with the shared defaults: arm64, {@link SERVICE_RUNTIME}, an ESM bundle
 * (minified, with source maps) built by the local esbuild, its own log group with retention, X-Ray tracing,
 * and a role that may only write its own logs. Everything else is granted to it (`grant*(serviceFunction)`).
 */
export class ServiceFunction extends Construct implements IGrantable {
  /** The Lambda function. */
  public readonly function: NodejsFunction;
  /** The function's execution role. */
  public readonly role: Role;
  /** The function's log group. */
  public readonly logGroup: LogGroup;
  public readonly grantPrincipal: IPrincipal;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: it may write to this log group only.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${serviceNameOf(props.name)}`,
    });
    this.logGroup.grantWrite(this.role);
    this.grantPrincipal = this.role;

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      description: props.description,
      runtime: SERVICE_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      deadLetterQueue: props.deadLetterQueue,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        CITY_TIMEZONE: props.timeZone,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: serviceNameOf(props.name),
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The AWS SDK is bundled too, at the versions the tests ran, tree-shaken and without the default
        // credential chain (LAMBDA_ALIAS): ≤ 500 KB (test/infra/bundles.test.ts) and a faster cold start
        // than loading the runtime's copy (docs/performance.md).
        bundleAwsSDK: true,
        externalModules: [...LAMBDA_EXTERNALS],
        esbuildArgs: Object.fromEntries(
          Object.entries(LAMBDA_ALIAS).map(([name, path]) => [`--alias:${name}`, path]),
        ),
        ...(props.afterBundling
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_inputDir: string, outputDir: string) =>
                  props.afterBundling?.(outputDir) ?? [],
              },
            }
          : {}),
      },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing (Tracing.ACTIVE) needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.',
    });
  }
}
