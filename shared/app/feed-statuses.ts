import { type Source, sources } from '#shared/schemas/ingest';

/** When each feed last had records accepted. */
export interface FeedFreshnessReader {
  /** When each of `sources` last had records accepted; a source that never had any is absent. */
  feedFreshness(sources: readonly Source[]): Promise<Map<Source, string>>;
}

/** How fresh one feed is: when it last had a record accepted, and how long ago that was. */
export interface FeedStatus {
  readonly source: Source;
  /** ISO 8601 UTC time of the latest accepted batch; null when the source never had a record accepted. */
  readonly lastAcceptedAt: string | null;
  /** Whole seconds from then to `now` of the answer; null with `lastAcceptedAt`. */
  readonly ageSeconds: number | null;
}

/** `GET /feeds`: every ingest source's freshness, measured against the hub's clock. */
export interface FeedsAnswer {
  readonly now: string;
  readonly items: FeedStatus[];
}

/** Reports, for every ingest source in a fixed order, when it last had records accepted. */
export const feedStatuses = async (feeds: FeedFreshnessReader, now: number): Promise<FeedsAnswer> => {
  const latest = await feeds.feedFreshness(sources);
  return {
    now: new Date(now).toISOString(),
    items: sources.map((source) => {
      const at = latest.get(source);
      return at === undefined
        ? { source, lastAcceptedAt: null, ageSeconds: null }
        : { source, lastAcceptedAt: at, ageSeconds: Math.max(0, Math.floor((now - Date.parse(at)) / 1000)) };
    }),
  };
};
