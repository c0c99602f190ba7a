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
  /**
   * The latest revision announced as `indicators.updated`, as items stored it before a day's
   * announcements were kept together (the store's own bookkeeping, never published).
   */
  readonly announcedRevision?: number | undefined;
  /** Digest of the timezone and values, by which the store tells a change (its own bookkeeping). */
  readonly digest?: string | undefined;
}

/**
 * What identifies an announced revision of an item: its number and the start of its values' digest
 * (an area removed and computed again starts at revision 1 once more).
 */
export const announcedTag = (item: Pick<IndicatorItem, 'revision' | 'digest'>): string =>
  `${item.revision}:${(item.digest ?? '').slice(0, 8)}`;
