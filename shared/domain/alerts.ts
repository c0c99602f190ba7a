import type { AreaListItem } from '#shared/domain/area-list';
import { cityArea } from '#shared/domain/areas';
import { zonedTime } from '#shared/domain/time';
import type { IndicatorAlertDetail } from '#shared/events/alerts';
import type { AreaKey } from '#shared/schemas/common';
import type { AlertRule } from '#shared/schemas/reference';

/**
 * Indicator alerts (CONTRACT §10): a rule of `PUT /reference/alerts` names an indicator, the areas it
 * watches, a threshold it must not fall below (or rise above) and a time of day. From that time of a
 * day on, every watched area whose published value of that day breaks the threshold is announced as
 * `indicator.alert`, once per rule, day and area.
 */

/** The registered areas as alert rules see them: which are districts and streets, and their names. */
export interface AlertAreas {
  readonly districts: readonly AreaKey[];
  readonly streets: readonly AreaKey[];
  readonly names: ReadonlyMap<AreaKey, string>;
}

/** The areas of the registry (`GET /areas` items), for alert rules. */
export const alertAreasOf = (areas: readonly AreaListItem[]): AlertAreas => ({
  districts: areas.filter((item) => item.level === 'district').map((item) => item.area),
  streets: areas.filter((item) => item.level === 'street').map((item) => item.area),
  names: new Map(areas.map((item) => [item.area, item.name])),
});

/** One published (day, area) item's values, as far as alerts read them. */
export interface PublishedValues {
  readonly area: AreaKey;
  readonly indicators: Readonly<Record<string, number | null | undefined>>;
}

/** The minute of the day of an `HH:MM` time. */
const minuteOfDay = (at: string): number => Number(at.slice(0, 2)) * 60 + Number(at.slice(3, 5));

/** The instant (epoch ms) at which a rule's time of day comes on `date` in `timeZone`. */
export const ruleTimeOn = (rule: Pick<AlertRule, 'at'>, date: string, timeZone: string): number =>
  zonedTime(date, minuteOfDay(rule.at), timeZone);

/**
 * The areas a rule watches: `district` every registered district, `street` every registered street,
 * `city` the city, a list exactly those keys (registered or not).
 */
export const watchedAreas = (rule: Pick<AlertRule, 'areas'>, areas: AlertAreas): readonly AreaKey[] => {
  switch (rule.areas) {
    case 'district':
      return areas.districts;
    case 'street':
      return areas.streets;
    case 'city':
      return [cityArea];
    default:
      return [...new Set(rule.areas)];
  }
};

/** The rules whose time of `date` has come by `now`. */
export const dueRules = (
  rules: readonly AlertRule[],
  date: string,
  now: number,
  timeZone: string,
): AlertRule[] => rules.filter((rule) => now >= ruleTimeOn(rule, date, timeZone));

/**
 * Every (rule, area) pair that breaks a rule on `date`, as the `indicator.alert` detail announcing it:
 * rules whose time of the day has come by `now`, areas they watch that have a published item for the
 * day, values strictly below `below` (or above `above`). A missing or null value breaks nothing.
 * Ordered by rule, then by area as the rule lists them.
 */
export const findBreaches = (input: {
  readonly rules: readonly AlertRule[];
  readonly date: string;
  readonly items: readonly PublishedValues[];
  readonly areas: AlertAreas;
  readonly now: number;
  readonly timeZone: string;
}): IndicatorAlertDetail[] => {
  const { date, areas, now, timeZone } = input;
  const byArea = new Map(input.items.map((item) => [item.area, item.indicators]));
  return dueRules(input.rules, date, now, timeZone).flatMap((rule) => {
    const at = new Date(ruleTimeOn(rule, date, timeZone)).toISOString();
    const [comparison, threshold] =
      rule.below !== undefined ? (['below', rule.below] as const) : (['above', rule.above ?? 0] as const);
    return watchedAreas(rule, areas).flatMap((area): IndicatorAlertDetail[] => {
      const value = byArea.get(area)?.[rule.indicator];
      if (typeof value !== 'number') return [];
      const broken = comparison === 'below' ? value < threshold : value > threshold;
      if (!broken) return [];
      const areaName = areas.names.get(area);
      return [
        {
          ruleId: rule.id,
          indicator: rule.indicator,
          date,
          area,
          ...(areaName === undefined ? {} : { areaName }),
          value,
          threshold,
          comparison,
          at,
        },
      ];
    });
  });
};

/** The key a breach is announced under, once: its rule and area (the day is the mark's partition). */
export const alertMarkOf = (breach: Pick<IndicatorAlertDetail, 'ruleId' | 'area'>): string =>
  `${breach.ruleId}#${breach.area}`;
