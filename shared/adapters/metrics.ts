/**
 * Custom CloudWatch metrics in the Embedded Metric Format (EMF), written by Powertools Metrics: one JSON
 * line on stdout per emission, which Lambda forwards to CloudWatch Logs and CloudWatch turns into
 * metrics, with no API call and no extra permission. Powertools writes the line to `process.stdout`
 * through its own `Console`, not through the global `console`.
 */
import { Metrics, type MetricUnit as PowertoolsMetricUnit } from '@aws-lambda-powertools/metrics';

/** Namespace used when `METRICS_NAMESPACE` is not set (the CDK stack sets `Cityhub/<stage>`). */
export const DEFAULT_METRICS_NAMESPACE = 'Cityhub';
/** Records of a feed that ingest accepted (count), with dimension {@link SOURCE_DIMENSION}. */
export const RECORDS_ACCEPTED_METRIC = 'RecordsAccepted';
/** Dimension naming the ingest source (`hotline`, `city-platform`, `sanitation`). */
export const SOURCE_DIMENSION = 'Source';
/**
 * Published (area, indicator) values the nightly reconciliation found different from a recompute from
 * the raw facts (count per run, no dimensions); shared/app/reconcile.ts.
 */
export const RECONCILIATION_DIFFERENCES_METRIC = 'ReconciliationDifferences';
/** Tickets and cases whose cohort log entries the nightly reconciliation corrected (count per run, no dimensions). */
export const RECONCILIATION_CORRECTIONS_METRIC = 'ReconciliationCorrections';

/** A CloudWatch unit, as Powertools names them (`'Count'`, `'Milliseconds'`, `'Bytes'`, …). */
export type MetricUnit = (typeof PowertoolsMetricUnit)[keyof typeof PowertoolsMetricUnit];

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
  /**
   * Whether to emit at all. Off outside Lambda unless `METRICS_NAMESPACE` is set, so the local runtime
   * and tests print nothing extra.
   *
   * @default AWS_LAMBDA_FUNCTION_NAME or METRICS_NAMESPACE is set
   */
  readonly enabled?: boolean;
}

/** An emitter writing one EMF line per value to stdout (which Lambda sends to CloudWatch Logs). */
export const createMetrics = (options: MetricsOptions = {}): MetricEmitter => {
  const enabled =
    options.enabled ??
    (process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined || process.env.METRICS_NAMESPACE !== undefined);
  if (!enabled) return () => {};
  const metrics = new Metrics({
    namespace: options.namespace ?? process.env.METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
  });
  // Powertools adds a `service` dimension by default; the feed alarms select the metric by its own
  // dimensions alone, and CloudWatch treats another dimension set as another metric.
  metrics.clearDefaultDimensions();
  return (name, value, unit, dimensions) => {
    metrics.addDimensions(dimensions);
    metrics.addMetric(name, unit, value);
    metrics.publishStoredMetrics();
  };
};
