import { type AreaRegistry, placeRecord } from '#shared/domain/areas';
import type { CaseFacts, TicketFacts } from '#shared/domain/entity-facts';
import type { IndicatorName } from '#shared/domain/indicators/catalogue';
import type { IndicatorItem } from '#shared/domain/indicators/item';
import type { RoadNetwork } from '#shared/domain/sanitation/road-network';
import type { AreaKey } from '#shared/schemas/common';
import type { AreaFeature, Areas, Roads } from '#shared/schemas/reference';

/**
 * "A map of the day" (一张图): GeoJSON of the day's road coverage per segment, of the areas with one
 * indicator, and of ticket and case locations. Pure: the use-cases in shared/app/map.ts read the inputs.
 */

/** Decimal places kept of a coordinate: 6 is about 0.1 m, finer than any registry or GPS. */
const COORDINATE_DECIMALS = 6;
const roundTo = (value: number, decimals: number) => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};
const roundPosition = (position: readonly number[]): number[] =>
  position.slice(0, 2).map((value) => roundTo(value, COORDINATE_DECIMALS));

/** Properties of one road segment on the map of a day. */
export interface RoadSegmentProperties {
  readonly segmentId: string;
  readonly name?: string;
  readonly district: string;
  readonly street?: string;
  readonly planned: boolean;
  readonly widthM: number;
  /** Length along the polyline, in metres (as the coverage engine measures it). */
  readonly lengthM: number;
  /** Cleaned length that day, in metres; null for a segment that is not planned or a day without GPS. */
  readonly cleanedM: number | null;
  /** Share of the segment cleaned that day, in [0, 1]; null where `cleanedM` is. */
  readonly share: number | null;
}

export interface LineFeature<Properties> {
  readonly type: 'Feature';
  readonly geometry: { readonly type: 'LineString'; readonly coordinates: number[][] };
  readonly properties: Properties;
}

/**
 * The share of each segment cleaned on a day, by segment index of `network`: cleaned cells / cells, the
 * same quotient `computeSanitation` multiplies each planned segment's length by for `cleanedRoadKm`, so
 * Σ share × lengthM over an area's planned segments is its cleanedRoadKm × 1000. Unplanned segments
 * have no share (they count nowhere), and neither has any segment on a day without coverage data.
 */
export const segmentShares = (
  network: RoadNetwork,
  cleanedCells: ReadonlyMap<number, number> | undefined,
): (number | null)[] =>
  network.segments.map((segment, index) =>
    cleanedCells && segment.planned
      ? Math.min(cleanedCells.get(index) ?? 0, segment.cells) / segment.cells
      : null,
  );

/**
 * The road registry as map features with each segment's cleaned share of the day. Geometry comes from
 * `roads`; length, width, planning and cells from `network` (matched by segmentId, so a network built
 * from another version of the registry leaves the segments it does not know without a share).
 */
export const roadCoverageFeatures = (
  roads: Roads,
  network: RoadNetwork,
  cleanedCells: ReadonlyMap<number, number> | undefined,
): LineFeature<RoadSegmentProperties>[] => {
  const shares = segmentShares(network, cleanedCells);
  return roads.features.map((feature) => {
    const { segmentId, name, district, street } = feature.properties;
    const index = network.bySegmentId.get(segmentId);
    const segment = index === undefined ? undefined : network.segments[index];
    const share = index === undefined ? null : (shares[index] ?? null);
    const lengthM = segment?.lengthM ?? 0;
    return {
      type: 'Feature',
      geometry: { type: 'LineString', coordinates: feature.geometry.coordinates.map(roundPosition) },
      properties: {
        segmentId,
        ...(name === undefined ? {} : { name }),
        district,
        ...(street === undefined ? {} : { street }),
        planned: segment?.planned ?? feature.properties.planned,
        widthM: segment?.widthM ?? feature.properties.widthM,
        lengthM: roundTo(lengthM, 2),
        cleanedM: share === null ? null : roundTo(share * lengthM, 2),
        share,
      },
    };
  });
};

/** A polygon's coordinates rounded as every map coordinate is. */
const roundPolygon = (geometry: AreaFeature['geometry']): AreaFeature['geometry'] =>
  geometry.type === 'Polygon'
    ? { type: 'Polygon', coordinates: geometry.coordinates.map((ring) => ring.map(roundPosition)) }
    : {
        type: 'MultiPolygon',
        coordinates: geometry.coordinates.map((polygon) => polygon.map((ring) => ring.map(roundPosition))),
      };

/** Properties of one district or street on the map of a day. */
export interface AreaProperties {
  readonly area: AreaKey;
  readonly code: string;
  readonly name: string;
  readonly level: 'district' | 'street';
  readonly parent?: string;
  /** The chosen indicator's value that day; null when the area has no item that day or the rate has no denominator. */
  readonly value: number | null;
}

export interface AreaMapFeature {
  readonly type: 'Feature';
  readonly geometry: AreaFeature['geometry'];
  readonly properties: AreaProperties;
}

/**
 * The registered districts and streets (all, or one level) as map features, each with the value of
 * `indicator` its published item of the day holds. Districts come before streets, as `GET /areas` lists them.
 */
export const areaIndicatorFeatures = (
  areas: Areas | undefined,
  items: readonly IndicatorItem[],
  indicator: IndicatorName,
  level?: 'district' | 'street',
): AreaMapFeature[] => {
  const values = new Map(items.map((item) => [item.area, item.indicators[indicator] ?? null]));
  const features = areas?.features ?? [];
  return (['district', 'street'] as const)
    .filter((wanted) => level === undefined || wanted === level)
    .flatMap((wanted) => features.filter((feature) => feature.properties.level === wanted))
    .map(({ geometry, properties: { code, name, level: areaLevel, parent } }) => {
      const area: AreaKey = `${areaLevel}:${code}`;
      return {
        type: 'Feature',
        geometry: roundPolygon(geometry),
        properties: {
          area,
          code,
          name,
          level: areaLevel,
          ...(parent === undefined ? {} : { parent }),
          value: values.get(area) ?? null,
        },
      };
    });
};

/** Area of a ring by the shoelace formula, in squared degrees (sign: orientation). */
const ringArea = (ring: readonly (readonly number[])[]) => {
  let twice = 0;
  for (let i = 0; i + 1 < ring.length; i += 1) {
    const [x0 = 0, y0 = 0] = ring[i] ?? [];
    const [x1 = 0, y1 = 0] = ring[i + 1] ?? [];
    twice += x0 * y1 - x1 * y0;
  }
  return twice / 2;
};

/**
 * Where a polygon is drawn as a point: the centroid of the outer ring of its largest part (by area;
 * holes ignored), or the mean of that ring's vertices when the ring has no area. `[lon, lat]`.
 */
export const polygonCentre = (geometry: AreaFeature['geometry']): [number, number] => {
  const rings =
    geometry.type === 'Polygon' ? [geometry.coordinates[0]] : geometry.coordinates.map((part) => part[0]);
  let outer: readonly (readonly number[])[] = [];
  let largest = -1;
  for (const ring of rings) {
    const size = Math.abs(ringArea(ring ?? []));
    if (ring && size > largest) {
      largest = size;
      outer = ring;
    }
  }
  const area = ringArea(outer);
  if (area !== 0) {
    let cx = 0;
    let cy = 0;
    for (let i = 0; i + 1 < outer.length; i += 1) {
      const [x0 = 0, y0 = 0] = outer[i] ?? [];
      const [x1 = 0, y1 = 0] = outer[i + 1] ?? [];
      const cross = x0 * y1 - x1 * y0;
      cx += (x0 + x1) * cross;
      cy += (y0 + y1) * cross;
    }
    return [cx / (6 * area), cy / (6 * area)];
  }
  const vertices = outer.slice(0, Math.max(1, outer.length - 1));
  const mean = (axis: 0 | 1) =>
    vertices.reduce((sum, position) => sum + (position[axis] ?? 0), 0) / Math.max(1, vertices.length);
  return [mean(0), mean(1)];
};

/** Where each registered area is drawn as a point, by area key (`district:<code>`, `street:<code>`). */
export const areaCentres = (areas: Areas | undefined): Map<AreaKey, [number, number]> =>
  new Map(
    (areas?.features ?? []).map((feature) => [
      `${feature.properties.level}:${feature.properties.code}` as AreaKey,
      polygonCentre(feature.geometry),
    ]),
  );

/** A ticket's status on the map. */
export type TicketMapStatus = 'open' | 'closed';
/** A case's status on the map: the furthest step of its life, cancelled and suspended first. */
export type CaseMapStatus = 'reported' | 'filed' | 'dispatched' | 'suspended' | 'closed' | 'cancelled';

export const ticketMapStatus = (facts: TicketFacts): TicketMapStatus =>
  facts.state.closed ? 'closed' : 'open';
export const caseMapStatus = (facts: CaseFacts): CaseMapStatus => {
  const { state } = facts;
  if (state.cancelled) return 'cancelled';
  if (state.suspended) return 'suspended';
  if (state.closed) return 'closed';
  if (state.dispatched) return 'dispatched';
  return state.filedAt === undefined ? 'reported' : 'filed';
};

/** How a point was placed: the event's own location, else the centre of its street's or district's polygon. */
export type PlacedBy = 'location' | 'street' | 'district';

/** Properties of one ticket or case on the map of its cohort day. */
export interface EventPointProperties {
  readonly kind: 'ticket' | 'case';
  readonly id: string;
  /** The ticket's latest category, or the case's (null when unknown). */
  readonly category: string | null;
  readonly status: TicketMapStatus | CaseMapStatus;
  /** The most precise area it counts in (street, else district, else city). */
  readonly area: AreaKey;
  readonly placedBy: PlacedBy;
}

export interface PointFeature<Properties> {
  readonly type: 'Feature';
  readonly geometry: { readonly type: 'Point'; readonly coordinates: [number, number] };
  readonly properties: Properties;
}

/** The points of a day's tickets and cases, capped, and what the cap and placement left out. */
export interface EventPoints {
  readonly features: PointFeature<EventPointProperties>[];
  /** Items of the day that have a point (before the cap). */
  readonly total: number;
  /** True when `total` exceeds the cap and only part of the points are given. */
  readonly truncated: boolean;
  /** Items of the day with no point: nothing placed them in a registered area, nor did they carry a location. */
  readonly unplaced: number;
}

/** A ticket or case of the day, as far as the map needs it. */
export type MapItem =
  | { readonly kind: 'ticket'; readonly facts: TicketFacts }
  | { readonly kind: 'case'; readonly facts: CaseFacts };

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Where an item is drawn: its placing event's location, else the centre of the street it counts in,
 * else of its district; undefined when it counts in the city only or its area has no polygon.
 */
const pointOf = (
  item: MapItem,
  registry: AreaRegistry,
  centres: ReadonlyMap<AreaKey, [number, number]>,
): { coordinates: [number, number]; area: AreaKey; placedBy: PlacedBy } | undefined => {
  const { placement } = item.facts.state;
  const areas = placeRecord(placement, registry);
  const area = areas.at(-1) ?? 'city';
  if (placement.location) {
    return { coordinates: [placement.location.lon, placement.location.lat], area, placedBy: 'location' };
  }
  for (const key of [...areas].reverse()) {
    const centre = centres.get(key);
    if (centre)
      return { coordinates: centre, area, placedBy: key.startsWith('street:') ? 'street' : 'district' };
  }
  return undefined;
};

/**
 * The points of a day's tickets and cases (its cohort members), at most `limit`: when there are more,
 * tickets and cases keep their shares of the cap (each sorted by id, so the same day gives the same
 * points), and `truncated` says so. Coordinates are `[lon, lat]` rounded to 6 decimals.
 */
export const eventPoints = (
  items: readonly MapItem[],
  registry: AreaRegistry,
  centres: ReadonlyMap<AreaKey, [number, number]>,
  limit: number,
): EventPoints => {
  const placed = {
    ticket: [] as PointFeature<EventPointProperties>[],
    case: [] as PointFeature<EventPointProperties>[],
  };
  let unplaced = 0;
  for (const item of [...items].sort((a, b) => byId(a.facts, b.facts))) {
    const point = pointOf(item, registry, centres);
    if (!point) {
      unplaced += 1;
      continue;
    }
    placed[item.kind].push({
      type: 'Feature',
      geometry: {
        type: 'Point',
        coordinates: [
          roundTo(point.coordinates[0], COORDINATE_DECIMALS),
          roundTo(point.coordinates[1], COORDINATE_DECIMALS),
        ],
      },
      properties: {
        kind: item.kind,
        id: item.facts.id,
        // A case's facts hold no category: withCaseCategories adds those of the cases drawn.
        category: (item.kind === 'ticket' ? item.facts.state.category : undefined) ?? null,
        status: item.kind === 'ticket' ? ticketMapStatus(item.facts) : caseMapStatus(item.facts),
        area: point.area,
        placedBy: point.placedBy,
      },
    });
  }
  const total = placed.ticket.length + placed.case.length;
  if (total <= limit)
    return { features: [...placed.ticket, ...placed.case], total, truncated: false, unplaced };
  const tickets = Math.min(placed.ticket.length, Math.round((limit * placed.ticket.length) / total));
  return {
    features: [...placed.ticket.slice(0, tickets), ...placed.case.slice(0, limit - tickets)],
    total,
    truncated: true,
    unplaced,
  };
};

/** The points with each case's category filled in from `categories` (case id → category). */
export const withCaseCategories = (
  points: EventPoints,
  categories: ReadonlyMap<string, string>,
): EventPoints => ({
  ...points,
  features: points.features.map((feature) =>
    feature.properties.kind === 'case'
      ? {
          ...feature,
          properties: { ...feature.properties, category: categories.get(feature.properties.id) ?? null },
        }
      : feature,
  ),
});
