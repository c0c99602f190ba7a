import { type DayOutcome, type RecomputeDeps, recomputeDays } from '#shared/app/recompute';
import type { RedriveDeps } from '#shared/app/redrive';
import { type ReplaceReferenceDeps, replaceReference } from '#shared/app/replace-reference';
import { qualityReport, type UnknownCodes } from '#shared/domain/quality';
import { dateRange } from '#shared/domain/time';
import type { QualityReport, QuarantinedRecord } from '#shared/schemas/admin';
import type { Source } from '#shared/schemas/ingest';
import type {
  AlertsAnswer,
  AlertsSet,
  Areas,
  CalendarInput,
  Roads,
  SupervisionAnswer,
  SupervisionInput,
  Vehicles,
} from '#shared/schemas/reference';
import type { SyncRules } from '#shared/schemas/subscriptions';

/**
 * The admin use-cases: recompute days now, read the quarantine and the data-quality findings, and
 * replace reference sets (moving dead letters back is shared/app/redrive.ts).
 */

/** Records ingest rejected, kept with their errors. */
export interface QuarantineReader {
  /** The newest `limit` records of `source` still kept at `now` (epoch ms), newest first. */
  listQuarantine(source: Source, limit: number, now: number): Promise<QuarantinedRecord[]>;
}

/** Each day's data-quality findings, as recomputes saved them. */
export interface QualityReader {
  /** The findings of the days from `from` to `to` (both included) that have any. */
  listQuality(from: string, to: string): Promise<{ date: string; unknownCodes: UnknownCodes }[]>;
}

/** What the admin use-cases need together, as the composition root wires them. */
export type AdminDeps = RecomputeDeps &
  ReplaceReferenceDeps &
  RedriveDeps & { readonly quarantine: QuarantineReader; readonly quality: QualityReader };

/** Recomputes the days from `from` to `to` now; throws naming every day that failed. */
export const recomputeNow = async (from: string, to: string, deps: RecomputeDeps): Promise<DayOutcome[]> => {
  const { outcomes, failures } = await recomputeDays(dateRange(from, to), deps);
  if (failures.length > 0) {
    throw new Error(
      `recompute failed for ${failures.map(({ date, error }) => `${date}: ${error.message}`).join('; ')}`,
    );
  }
  return outcomes;
};

/** The newest quarantined records of a source. */
export const listQuarantined = (
  source: Source,
  limit: number,
  deps: { readonly quarantine: QuarantineReader; readonly now: () => number },
): Promise<QuarantinedRecord[]> => deps.quarantine.listQuarantine(source, limit, deps.now());

/** Area codes the registry does not know, from `from` to `to`, per code and per source. */
export const qualityBetween = async (
  from: string,
  to: string,
  deps: { readonly quality: QualityReader },
): Promise<QualityReport> => {
  const days = await deps.quality.listQuality(from, to);
  return qualityReport(
    from,
    to,
    days.map((day) => day.unknownCodes),
  );
};

/** A reference set that, once replaced, changes the indicators of every day. */
export type ReferenceSet =
  | { readonly name: 'areas'; readonly value: Areas }
  | { readonly name: 'roads'; readonly value: Roads }
  | { readonly name: 'vehicles'; readonly value: Vehicles }
  | { readonly name: 'calendar'; readonly value: CalendarInput };

/** What a reference set holds, counted for the answer to its replacement. */
const countsOf = (set: ReferenceSet): Record<string, number> => {
  switch (set.name) {
    case 'areas':
      return {
        districts: set.value.features.filter((feature) => feature.properties.level === 'district').length,
        streets: set.value.features.filter((feature) => feature.properties.level === 'street').length,
      };
    case 'roads':
      return {
        segments: set.value.features.length,
        plannedSegments: set.value.features.filter((feature) => feature.properties.planned).length,
      };
    case 'vehicles':
      return { vehicles: set.value.length };
    case 'calendar':
      return { holidays: set.value.holidays.length, workdays: set.value.workdays.length };
  }
};

/** Replaces a reference set and has every day recomputed; answers its counts and how many days. */
export const replaceReferenceSet = async (
  set: ReferenceSet,
  deps: ReplaceReferenceDeps,
): Promise<Record<string, number>> => {
  const days = await replaceReference(set.name, set.value, deps);
  return { ...countsOf(set), recomputingDays: days };
};

/** Replaces the sync rules, which ticket categories the city platform takes over (no recompute needed). */
export const replaceSyncRules = async (
  rules: SyncRules,
  deps: Pick<ReplaceReferenceDeps, 'reference' | 'now'>,
): Promise<{ ticketCategoriesToCityPlatform: number }> => {
  await deps.reference.put('sync', rules, deps.now());
  return { ticketCategoriesToCityPlatform: rules.ticketCategoriesToCityPlatform.length };
};

/**
 * Replaces the alert rules and the feeds' silence minutes (no recompute: the supervision checks read
 * them on their next run).
 */
export const replaceAlerts = async (
  alerts: AlertsSet,
  deps: Pick<ReplaceReferenceDeps, 'reference' | 'now'>,
): Promise<AlertsAnswer> => {
  await deps.reference.put('alerts', alerts, deps.now());
  return { rules: alerts.rules.length, feeds: Object.keys(alerts.feeds).length };
};

/** Replaces the yellow thresholds of open items (no recompute: no indicator depends on them). */
export const replaceSupervision = async (
  supervision: SupervisionInput,
  deps: Pick<ReplaceReferenceDeps, 'reference' | 'now'>,
): Promise<SupervisionAnswer> => {
  await deps.reference.put('supervision', supervision, deps.now());
  return { yellowAt: supervision.yellowAt, categories: Object.keys(supervision.categories).length };
};
