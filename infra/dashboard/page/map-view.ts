/**
 * What the dashboard's map of the day shows, as plain data: colour ramps, the areas' value range, the
 * bounds to fit and the summary line. No DOM and no MapLibre here, so it is tested in Node
 * (test/infra/dashboard/map-view.test.ts).
 */
import { formatValue, type Unit } from '#infra/dashboard/page/view';

/** Road segments by share cleaned: red (nothing) through amber (half) to green (all). */
export const SHARE_RAMP: readonly (readonly [number, string])[] = [
  [0, '#dc2626'],
  [0.5, '#f59e0b'],
  [1, '#16a34a'],
];
/** Unplanned segments, and every segment on a day without GPS data. */
export const NO_SHARE_COLOR = '#9ca3af';
/** Areas from the lowest to the highest value of the day. */
export const AREA_RAMP: readonly [string, string] = ['#eff6ff', '#1d4ed8'];
/** Areas without a value that day. */
export const NO_VALUE_COLOR = '#e5e7eb';
export const TICKET_COLOR = '#0891b2';
export const CASE_COLOR = '#7c3aed';

/** The GeoJSON the routes answer, as far as the page reads it. */
export interface RoadMapJson {
  readonly type: 'FeatureCollection';
  readonly coverage: boolean;
  readonly features: readonly {
    readonly geometry: { readonly coordinates: readonly (readonly number[])[] };
    readonly properties: {
      readonly planned: boolean;
      readonly share: number | null;
      readonly lengthM: number;
    };
  }[];
}
export interface AreaMapJson {
  readonly type: 'FeatureCollection';
  readonly features: readonly {
    readonly geometry:
      | { readonly type: 'Polygon'; readonly coordinates: readonly (readonly (readonly number[])[])[] }
      | {
          readonly type: 'MultiPolygon';
          readonly coordinates: readonly (readonly (readonly (readonly number[])[])[])[];
        };
    readonly properties: { readonly value: number | null };
  }[];
}
export interface EventMapJson {
  readonly type: 'FeatureCollection';
  readonly total: number;
  readonly truncated: boolean;
  readonly unplaced: number;
  readonly features: readonly { readonly properties: { readonly kind: 'ticket' | 'case' } }[];
}

/**
 * The range the area colours span: the lowest and highest value of the day (equal when every area has
 * the same value); undefined when no area has a value.
 */
export const valueRange = (areas: AreaMapJson): readonly [number, number] | undefined => {
  const values = areas.features
    .map((feature) => feature.properties.value)
    .filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  if (values.length === 0) return undefined;
  return [Math.min(...values), Math.max(...values)];
};

/** `[west, south, east, north]` of every coordinate of the roads and areas; undefined when there is none. */
export const boundsOf = (
  roads: RoadMapJson,
  areas: AreaMapJson,
): [number, number, number, number] | undefined => {
  let west = Number.POSITIVE_INFINITY;
  let south = Number.POSITIVE_INFINITY;
  let east = Number.NEGATIVE_INFINITY;
  let north = Number.NEGATIVE_INFINITY;
  const add = ([lon = Number.NaN, lat = Number.NaN]: readonly number[]) => {
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) return;
    west = Math.min(west, lon);
    east = Math.max(east, lon);
    south = Math.min(south, lat);
    north = Math.max(north, lat);
  };
  for (const feature of roads.features) feature.geometry.coordinates.forEach(add);
  for (const { geometry } of areas.features) {
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    for (const polygon of polygons) for (const ring of polygon) ring.forEach(add);
  }
  return west <= east ? [west, south, east, north] : undefined;
};

/**
 * Planned length and the length cleaned, in km, over the segments drawn: the share of each segment
 * times its length, as `cleanedRoadKm` sums it (undefined cleaned on a day without coverage data).
 */
export const roadTotals = (roads: RoadMapJson): { plannedKm: number; cleanedKm: number | undefined } => {
  let planned = 0;
  let cleaned = 0;
  for (const { properties } of roads.features) {
    if (!properties.planned) continue;
    planned += properties.lengthM;
    cleaned += (properties.share ?? 0) * properties.lengthM;
  }
  return { plannedKm: planned / 1000, cleanedKm: roads.coverage ? cleaned / 1000 : undefined };
};

/** The line under the map: what each layer holds, e.g. `Roads 4 (0.3 of 0.6 km cleaned) · Areas 3 · Points 120 of 150 (limit reached)`. */
export const mapSummary = (roads: RoadMapJson, areas: AreaMapJson, events: EventMapJson): string => {
  const { plannedKm, cleanedKm } = roadTotals(roads);
  const km = (value: number) => formatValue(value, 'km');
  const road =
    cleanedKm === undefined
      ? `道路 Roads ${roads.features.length} (no GPS data that day)`
      : `道路 Roads ${roads.features.length} (${km(cleanedKm)} of ${km(plannedKm)} cleaned)`;
  const points =
    `事件 Points ${events.features.length}` +
    (events.truncated ? ` of ${events.total} (limit reached)` : '') +
    (events.unplaced > 0 ? `, ${events.unplaced} without a place` : '');
  return `${road} · 区域 Areas ${areas.features.length} · ${points}`;
};

/** Labels of the area legend's ends, in the indicator's unit. */
export const rangeLabels = (range: readonly [number, number] | undefined, unit: Unit): [string, string] =>
  range ? [formatValue(range[0], unit), formatValue(range[1], unit)] : ['—', '—'];
