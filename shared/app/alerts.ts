import type { EventPublisher } from '#shared/app/ports';
import {
  type AlertAreas,
  alertMarkOf,
  dueRules,
  findBreaches,
  type PublishedValues,
} from '#shared/domain/alerts';
import { feedTransitions, type SilenceEpisode } from '#shared/domain/feed-silence';
import { localDate } from '#shared/domain/time';
import {
  type FeedResumedDetail,
  type FeedSilentDetail,
  feedResumed,
  feedSilent,
  type IndicatorAlertDetail,
  indicatorAlert,
} from '#shared/events/alerts';
import { busEvent } from '#shared/events/definition';
import { type Source, sources } from '#shared/schemas/ingest';
import type { AlertsSet } from '#shared/schemas/reference';

/**
 * The supervision checks of indicators and feeds (CONTRACT §10), for a sweep to run every minute:
 * `checkAlerts` announces each (rule, day, area) that breaks an alert rule once as `indicator.alert`,
 * `checkFeeds` announces each feed silence once as `feed.silent` and its end once as `feed.resumed`.
 * Both publish before they remember what they announced: a run that stops in between announces the
 * same events again on the next run, under the same webhook ids, and never loses one.
 */

/** The day's published indicator items. */
export interface PublishedIndicators {
  /** Every area published for `date`. */
  listDay(date: string): Promise<readonly PublishedValues[]>;
}

/** Which alerts were announced, per day (kept a few days). */
export interface AlertMarks {
  /** The marks (`alertMarkOf`: rule and area) of the alerts announced for `date`. */
  announcedAlerts(date: string): Promise<ReadonlySet<string>>;
  /** Remembers that these alerts of `date` were announced. */
  markAlertsAnnounced(date: string, marks: readonly string[]): Promise<void>;
}

/** When each feed last had records accepted. */
export interface FeedFreshness {
  /** When each of `sources` last had records accepted; a source that never had any is absent. */
  feedFreshness(sources: readonly Source[]): Promise<Map<Source, string>>;
}

/** The feed silences under way, remembered between checks. */
export interface FeedWatch {
  /** Every silence under way, by source. */
  silences(): Promise<ReadonlyMap<Source, SilenceEpisode>>;
  /** Remembers the silences that started and forgets those that ended. */
  saveSilences(changes: {
    readonly started: ReadonlyMap<Source, SilenceEpisode>;
    readonly ended: readonly Source[];
  }): Promise<void>;
}

/** What both checks need, as `alertChecksDepsOf` of shared/composition/root.ts wires them. */
export interface AlertChecksDeps {
  /** The alert rules and silence minutes (`PUT /reference/alerts`); no rules when none was put. */
  readonly loadAlerts: () => Promise<AlertsSet>;
  /** The registered districts and streets with their names. */
  readonly loadAreas: () => Promise<AlertAreas>;
  readonly indicators: PublishedIndicators;
  readonly alertMarks: AlertMarks;
  readonly feeds: FeedFreshness;
  readonly feedWatch: FeedWatch;
  readonly publisher: EventPublisher;
  /** The city time zone: days and rule times are its. */
  readonly timeZone: string;
  /** Minutes of silence after which a source the alerts set leaves out is silent. */
  readonly defaultSilenceMinutes: number;
}

export type CheckAlertsDeps = Pick<
  AlertChecksDeps,
  'loadAlerts' | 'loadAreas' | 'indicators' | 'alertMarks' | 'publisher' | 'timeZone'
>;

/** What a check of the alert rules did. */
export interface AlertsChecked {
  /** The city day checked: the day of `now`. */
  readonly date: string;
  /** Rules whose time of the day had come. */
  readonly dueRules: number;
  /** The alerts announced by this run (none announced before). */
  readonly announced: readonly IndicatorAlertDetail[];
}

/**
 * Checks the alert rules against the city day of `now` (epoch ms): the rules whose time of the day
 * has come, on the day's published indicators; publishes `indicator.alert` for each breach not
 * announced before (once per rule, day and area), then marks them announced. Reads the indicators
 * only when some rule is due.
 */
export const checkAlerts = async (deps: CheckAlertsDeps, now: number): Promise<AlertsChecked> => {
  const { rules } = await deps.loadAlerts();
  const date = localDate(now, deps.timeZone);
  const due = dueRules(rules, date, now, deps.timeZone);
  if (due.length === 0) return { date, dueRules: 0, announced: [] };
  const [areas, items, announced] = await Promise.all([
    deps.loadAreas(),
    deps.indicators.listDay(date),
    deps.alertMarks.announcedAlerts(date),
  ]);
  const breaches = findBreaches({ rules: due, date, items, areas, now, timeZone: deps.timeZone }).filter(
    (breach) => !announced.has(alertMarkOf(breach)),
  );
  if (breaches.length > 0) {
    await deps.publisher.publish(breaches.map((breach) => busEvent(indicatorAlert, breach)));
    await deps.alertMarks.markAlertsAnnounced(date, breaches.map(alertMarkOf));
  }
  return { date, dueRules: due.length, announced: breaches };
};

export type CheckFeedsDeps = Pick<
  AlertChecksDeps,
  'loadAlerts' | 'feeds' | 'feedWatch' | 'publisher' | 'defaultSilenceMinutes'
>;

/** What a check of the feeds did. */
export interface FeedsChecked {
  /** The sources silent after this check. */
  readonly silent: readonly Source[];
  readonly announcedSilent: readonly FeedSilentDetail[];
  readonly announcedResumed: readonly FeedResumedDetail[];
}

/**
 * Checks every feed at `now` (epoch ms) against its silence minutes (the alerts set's, else the
 * default) and the silences remembered from the last check; publishes `feed.silent` for a silence
 * that started and `feed.resumed` for one a later record ended, then remembers the change.
 */
export const checkFeeds = async (deps: CheckFeedsDeps, now: number): Promise<FeedsChecked> => {
  const [alerts, lastAccepted, episodes] = await Promise.all([
    deps.loadAlerts(),
    deps.feeds.feedFreshness(sources),
    deps.feedWatch.silences(),
  ]);
  const found = feedTransitions({
    lastAccepted,
    silenceMinutes: (source) => alerts.feeds[source] ?? deps.defaultSilenceMinutes,
    episodes,
    now,
  });
  if (found.silent.length + found.resumed.length > 0) {
    await deps.publisher.publish([
      ...found.resumed.map((detail) => busEvent(feedResumed, detail)),
      ...found.silent.map((detail) => busEvent(feedSilent, detail)),
    ]);
    await deps.feedWatch.saveSilences({
      started: new Map(found.silent.map(({ source, ...episode }) => [source, episode])),
      ended: found.resumed.map(({ source }) => source).filter((source) => !found.episodes.has(source)),
    });
  }
  return {
    silent: [...found.episodes.keys()],
    announcedSilent: found.silent,
    announcedResumed: found.resumed,
  };
};
