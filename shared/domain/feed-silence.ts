import type { FeedResumedDetail, FeedSilentDetail } from '#shared/events/alerts';
import { type Source, sources } from '#shared/schemas/ingest';

/**
 * Feed silence (CONTRACT §10): a source that had no records accepted for its silence minutes is
 * silent. A silence is one episode, named by the last accepted time before it: `feed.silent` once when
 * it starts, `feed.resumed` once when a later record ends it.
 */

const MINUTE_MS = 60_000;

/** A silence under way, as the checks remember it between runs. */
export interface SilenceEpisode {
  /** The last accepted time before the silence (ISO 8601 UTC): names the episode. */
  readonly lastAcceptedAt: string;
  /** When the source became silent: `lastAcceptedAt` plus `silenceMinutes`. */
  readonly silentSince: string;
  /** The silence minutes in force when it began. */
  readonly silenceMinutes: number;
}

/** When a source becomes silent after its last accepted record. */
const silentSinceOf = (lastAcceptedAt: string, silenceMinutes: number): number =>
  Date.parse(lastAcceptedAt) + silenceMinutes * MINUTE_MS;

/**
 * The sources silent at `now`: a record was accepted once, and none for at least their silence
 * minutes since. A source that never had a record accepted is not watched (no silence can be named).
 */
export const silentSources = (
  lastAccepted: ReadonlyMap<Source, string>,
  silenceMinutes: (source: Source) => number,
  now: number,
): Source[] =>
  sources.filter((source) => {
    const last = lastAccepted.get(source);
    return last !== undefined && now >= silentSinceOf(last, silenceMinutes(source));
  });

/** What a check of the feeds finds: the events to publish, and the episodes to remember after them. */
export interface FeedTransitions {
  readonly silent: FeedSilentDetail[];
  readonly resumed: FeedResumedDetail[];
  /** Every silence under way after this check, by source. */
  readonly episodes: ReadonlyMap<Source, SilenceEpisode>;
}

/**
 * Compares the feeds at `now` with the silences remembered from the last check:
 * - a silent source without a remembered silence starts one (`feed.silent`);
 * - a remembered silence ends (`feed.resumed`) once a record later than its last accepted time came,
 *   and if that record has gone silent too, a new silence starts at once (`feed.silent`);
 * - a remembered silence with no later record goes on, whatever the silence minutes now are (raising
 *   them ends no silence: only a record does).
 */
export const feedTransitions = (input: {
  readonly lastAccepted: ReadonlyMap<Source, string>;
  readonly silenceMinutes: (source: Source) => number;
  readonly episodes: ReadonlyMap<Source, SilenceEpisode>;
  readonly now: number;
}): FeedTransitions => {
  const { lastAccepted, episodes, now } = input;
  const silent: FeedSilentDetail[] = [];
  const resumed: FeedResumedDetail[] = [];
  const after = new Map<Source, SilenceEpisode>();
  for (const source of sources) {
    const last = lastAccepted.get(source);
    const episode = episodes.get(source);
    if (episode && (last === undefined || Date.parse(last) <= Date.parse(episode.lastAcceptedAt))) {
      after.set(source, episode);
      continue;
    }
    if (last === undefined) continue;
    if (episode) {
      resumed.push({
        source,
        lastAcceptedAt: last,
        silentSince: episode.silentSince,
        previousAcceptedAt: episode.lastAcceptedAt,
        resumedAt: new Date(now).toISOString(),
        silenceMinutes: episode.silenceMinutes,
      });
    }
    const minutes = input.silenceMinutes(source);
    const since = silentSinceOf(last, minutes);
    if (now >= since) {
      const started: SilenceEpisode = {
        lastAcceptedAt: last,
        silentSince: new Date(since).toISOString(),
        silenceMinutes: minutes,
      };
      silent.push({ source, ...started });
      after.set(source, started);
    }
  }
  return { silent, resumed, episodes: after };
};
