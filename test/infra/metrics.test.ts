import { describe, expect, it } from 'vitest';
import { createMetrics, RECORDS_ACCEPTED_METRIC, SOURCE_DIMENSION } from '#shared/adapters/metrics';

/** The EMF emitter the ingest function uses, and the shape the feed-freshness alarms (infra) expect. */
describe('EMF metrics emitter', () => {
  it('writes one EMF line with the namespace, dimension and value', () => {
    const lines: string[] = [];
    const emit = createMetrics({
      namespace: 'Cityhub/test',
      write: (line) => lines.push(line),
      now: () => 42,
      enabled: true,
    });
    emit(RECORDS_ACCEPTED_METRIC, 3, 'Count', { [SOURCE_DIMENSION]: 'hotline' });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        _aws: {
          Timestamp: 42,
          CloudWatchMetrics: [
            {
              Namespace: 'Cityhub/test',
              Dimensions: [['Source']],
              Metrics: [{ Name: 'RecordsAccepted', Unit: 'Count' }],
            },
          ],
        },
        Source: 'hotline',
        RecordsAccepted: 3,
      },
    ]);
  });

  it('defaults the namespace to Cityhub and stays silent when disabled', () => {
    const lines: string[] = [];
    const previous = process.env.METRICS_NAMESPACE;
    delete process.env.METRICS_NAMESPACE;
    try {
      createMetrics({ write: (line) => lines.push(line), enabled: true })('X', 1, 'Count', {});
      createMetrics({ write: (line) => lines.push(line), enabled: false })('X', 1, 'Count', {});
    } finally {
      if (previous !== undefined) process.env.METRICS_NAMESPACE = previous;
    }
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')._aws.CloudWatchMetrics[0].Namespace).toBe('Cityhub');
  });
});
