import {
  type IndicatorName,
  type IndicatorValues,
  indicatorNames,
} from '#shared/domain/indicators/catalogue';
import type { AreaKey } from '#shared/schemas/common';

/** One published value that is not the exact one (null: no value, or no item for the area). */
export interface IndicatorDifference {
  readonly area: AreaKey;
  readonly indicator: IndicatorName;
  readonly published: number | null;
  readonly exact: number | null;
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every (area, indicator) whose published value differs from the exact one, by area then in catalogue
 * order. An area on one side only has no values on the other: each of its indicators with a value
 * differs.
 */
export const indicatorDifferences = (
  published: ReadonlyMap<AreaKey, IndicatorValues>,
  exact: ReadonlyMap<AreaKey, IndicatorValues>,
): IndicatorDifference[] => {
  const areas = [...new Set([...published.keys(), ...exact.keys()])].sort(byKey);
  return areas.flatMap((area) =>
    indicatorNames.flatMap((indicator) => {
      const was = published.get(area)?.[indicator] ?? null;
      const is = exact.get(area)?.[indicator] ?? null;
      return was === is ? [] : [{ area, indicator, published: was, exact: is }];
    }),
  );
};
