import type { IndicatorValues } from '#shared/domain/indicators/catalogue';
import type { AreaKey } from '#shared/schemas/common';

/** One published (day, area) item. */
export interface IndicatorItem {
  readonly date: string;
  readonly area: AreaKey;
  readonly timezone: string;
  readonly indicators: IndicatorValues;
  /** Starts at 1; goes up by one each time a value changes. */
  readonly revision: number;
  /** When the values of this revision were computed. */
  readonly computedAt: string;
  /** The latest revision announced as `indicators.updated`, if any. */
  readonly announcedRevision?: number | undefined;
}
