import { describe, expect, it } from 'vitest';
import { feedStatuses } from '#shared/app/feed-statuses';
import type { Source } from '#shared/schemas/ingest';

const now = Date.parse('2026-03-02T02:00:00.000Z');
const factsWith = (latest: Partial<Record<Source, string>>) => ({
  feedFreshness: async (sources: readonly Source[]) =>
    new Map(sources.flatMap((source) => (latest[source] ? [[source, latest[source]] as const] : []))),
});

describe('feedStatuses', () => {
  it('reports every source in a fixed order, with its age in whole seconds against now', async () => {
    const answer = await feedStatuses(
      factsWith({ sanitation: '2026-03-02T01:58:59.500Z', hotline: '2026-03-02T02:00:00.000Z' }),
      now,
    );
    expect(answer).toEqual({
      now: '2026-03-02T02:00:00.000Z',
      items: [
        { source: 'hotline', lastAcceptedAt: '2026-03-02T02:00:00.000Z', ageSeconds: 0 },
        { source: 'city-platform', lastAcceptedAt: null, ageSeconds: null },
        { source: 'sanitation', lastAcceptedAt: '2026-03-02T01:58:59.500Z', ageSeconds: 60 },
      ],
    });
  });

  it('never reports a negative age when the last batch was stamped by a clock ahead of this one', async () => {
    const answer = await feedStatuses(factsWith({ hotline: '2026-03-02T02:00:03.000Z' }), now);
    expect(answer.items[0]).toEqual({
      source: 'hotline',
      lastAcceptedAt: '2026-03-02T02:00:03.000Z',
      ageSeconds: 0,
    });
  });
});
