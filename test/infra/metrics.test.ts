import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMetrics, RECORDS_ACCEPTED_METRIC, SOURCE_DIMENSION } from '#shared/adapters/metrics';

/** The EMF lines Powertools writes to stdout while `emit` runs. */
const linesOf = (emit: () => void): string[] => {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  try {
    emit();
  } finally {
    write.mockRestore();
  }
  return lines;
};

afterEach(() => {
  vi.useRealTimers();
});

/** The EMF emitter the ingest function uses, and the shape the feed-freshness alarms (infra) expect. */
describe('EMF metrics emitter', () => {
  it('writes one EMF line with the namespace, dimension and value', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 42 });
    const emit = createMetrics({ namespace: 'Cityhub/test', enabled: true });
    const lines = linesOf(() => emit(RECORDS_ACCEPTED_METRIC, 3, 'Count', { [SOURCE_DIMENSION]: 'hotline' }));
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
    const previous = process.env.METRICS_NAMESPACE;
    delete process.env.METRICS_NAMESPACE;
    let lines: string[];
    try {
      lines = linesOf(() => {
        createMetrics({ enabled: true })('X', 1, 'Count', {});
        createMetrics({ enabled: false })('X', 1, 'Count', {});
      });
    } finally {
      if (previous !== undefined) process.env.METRICS_NAMESPACE = previous;
    }
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')._aws.CloudWatchMetrics[0].Namespace).toBe('Cityhub');
  });
});
