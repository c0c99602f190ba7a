import { districtArea, streetArea } from '#shared/domain/areas';
import type { AreaKey } from '#shared/schemas/common';
import type { Areas } from '#shared/schemas/reference';

/** The city's name beside its area key `city` in tables meant for people. */
export const CITY_NAME = '全市';

/** One registered district or street without its polygon, as analysts see it (`GET /areas`). */
export interface AreaListItem {
  /** Its area key in indicator answers, e.g. `district:dongcheng`. */
  readonly area: AreaKey;
  readonly code: string;
  /** The name the registry gives it (e.g. 东城区). */
  readonly name: string;
  readonly level: 'district' | 'street';
  /** A street's district code. */
  readonly parent?: string;
}

/** The registered areas, districts first, each level in the order the registry lists it; none when no set was put. */
export const listAreas = (areas: Areas | undefined): AreaListItem[] => {
  const features = areas?.features ?? [];
  return [
    ...features.filter((feature) => feature.properties.level === 'district'),
    ...features.filter((feature) => feature.properties.level === 'street'),
  ].map(({ properties: { code, name, level, parent } }) => ({
    area: level === 'district' ? districtArea(code) : streetArea(code),
    code,
    name,
    level,
    ...(parent ? { parent } : {}),
  }));
};
