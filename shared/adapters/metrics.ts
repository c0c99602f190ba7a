/**
 * Custom CloudWatch metrics in the Embedded Metric Format (EMF): one JSON line on stdout per emission,
 * which Lambda forwards to CloudWatch Logs and CloudWatch turns into metrics, with no API call and no
 * extra permission. `@aws-lambda-powertools/metrics` is not a dependency, so this writes EMF itself.
 * See https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

/** Namespace used when `METRICS_NAMESPACE` is not set (the CDK stack sets `Cityhub/<stage>`). */
export const DEFAULT_METRICS_NAMESPACE = 'Cityhub';
/** Records of a feed that ingest accepted (count), with dimension {@link SOURCE_DIMENSION}. */
export const RECORDS_ACCEPTED_METRIC = 'RecordsAccepted';
/** Dimension naming the ingest source (`hotline`, `city-platform`, `sanitation`). */
export const SOURCE_DIMENSION = 'Source';

export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds' | 'Bytes' | 'None';

/** Emits one metric value with its dimensions. */
export type MetricEmitter = (
  name: string,
  value: number,
  unit: MetricUnit,
  dimensions: Readonly<Record<string, string>>,
) => void;

/** Properties of {@link createMetrics}. */
export interface MetricsOptions {
  /** @default process.env.METRICS_NAMESPACE ?? {@link DEFAULT_METRICS_NAMESPACE} */
  readonly namespace?: string;
  /** Where the EMF line goes. @default console.log */
  readonly write?: (line: string) => void;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * Whether to emit at all. Off outside Lambda unless `METRICS_NAMESPACE` is set, so the local runtime
   * and tests print nothing extra.
   *
   * @default AWS_LAMBDA_FUNCTION_NAME or METRICS_NAMESPACE is set
   */
  readonly enabled?: boolean;
}

/** The EMF document of one metric value. */
export const emfDocument = (
  namespace: string,
  name: string,
  value: number,
  unit: MetricUnit,
  dimensions: Readonly<Record<string, string>>,
  timestamp: number,
): Record<string, unknown> => ({
  _aws: {
    Timestamp: timestamp,
    CloudWatchMetrics: [
      {
        Namespace: namespace,
        Dimensions: [Object.keys(dimensions)],
        Metrics: [{ Name: name, Unit: unit }],
      },
    ],
  },
  ...dimensions,
  [name]: value,
});

/** An emitter writing EMF lines (to stdout by default, which Lambda sends to CloudWatch Logs). */
export const createMetrics = (options: MetricsOptions = {}): MetricEmitter => {
  const namespace = options.namespace ?? process.env.METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE;
  const write = options.write ?? ((line: string) => console.log(line));
  const now = options.now ?? Date.now;
  const enabled =
    options.enabled ??
    (process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined || process.env.METRICS_NAMESPACE !== undefined);
  if (!enabled) return () => {};
  return (name, value, unit, dimensions) =>
    write(JSON.stringify(emfDocument(namespace, name, value, unit, dimensions, now())));
};
