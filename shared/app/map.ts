import pMap from 'p-map';
import { type CoverageUnions, loadSanitationDay, type SanitationDayDeps } from '#shared/app/sanitation-day';
import { buildAreaRegistry } from '#shared/domain/area-registry';
import { type AreaRegistry, emptyAreaRegistry } from '#shared/domain/areas';
import { chronological } from '#shared/domain/entity-events';
import { type CaseFacts, cohortMembers, type TicketFacts } from '#shared/domain/entity-facts';
import type { IndicatorItem } from '#shared/domain/indicators/item';
import {
  type AreaMapFeature,
  areaCentres,
  areaIndicatorFeatures,
  type EventPoints,
  eventPoints,
  type LineFeature,
  type MapItem,
  type RoadSegmentProperties,
  roadCoverageFeatures,
  withCaseCategories,
} from '#shared/domain/map';
import type { AreaKey } from '#shared/schemas/common';
import type { CityPlatformRecord } from '#shared/schemas/ingest';
import type { MapAreasQuery, MapEventsQuery, MapRoadsQuery } from '#shared/schemas/map';
import type { Areas, Roads } from '#shared/schemas/reference';

/** Case event reads in flight at once (for the categories of the cases drawn). */
const CATEGORY_READS = 16;

/** The registered areas as the map needs them: polygons, the placement registry, and a point per area. */
export interface MapAreaSet {
  readonly areas: Areas | undefined;
  readonly registry: AreaRegistry;
  readonly centres: ReadonlyMap<AreaKey, [number, number]>;
}

/** Builds the map's view of the areas set (undefined: never put). */
export const mapAreaSetOf = (areas: Areas | undefined): MapAreaSet => ({
  areas,
  registry: areas ? buildAreaRegistry(areas) : emptyAreaRegistry,
  centres: areaCentres(areas),
});

/** A day's published indicators. */
export interface DayIndicatorsReader {
  /** Every area's item of one day. */
  listDay(date: string): Promise<IndicatorItem[]>;
}

/** The cohort logs, read without compacting them (the map's reader writes nothing). */
export interface CohortReader {
  read<Kind extends 'ticket' | 'case'>(
    kind: Kind,
    day: string,
    now: number,
  ): Promise<Extract<TicketFacts | CaseFacts, { kind: Kind }>[]>;
}

/** The stored events of one ticket or case. */
export interface EntityEventsSource {
  readEntity<Event>(kind: 'case', entityId: string): Promise<{ events: Event[] }>;
}

/** What the map routes read. None of it writes: the analyst routes' function is granted reads only. */
export interface MapDeps {
  /** The road registry as last put (empty when never put). */
  readonly loadRoads: () => Promise<Roads>;
  /** How a day's sanitation facts are read (shared/app/sanitation-day.ts); its union is never written here. */
  readonly sanitation: SanitationDayDeps;
  readonly loadAreas: () => Promise<MapAreaSet>;
  readonly indicators: DayIndicatorsReader;
  readonly cohorts: CohortReader;
  readonly events: EntityEventsSource;
  readonly now: () => number;
}

/** Coverage unions read as they are: a read that would store a fresher union (the recompute's job) does not. */
const readOnly = (unions: CoverageUnions): CoverageUnions => ({
  read: (day) => unions.read(day),
  write: async () => false,
});

/** `GET /map/roads`: the answer, a GeoJSON FeatureCollection with the date and whether there was coverage data. */
export interface RoadCoverageMap {
  readonly type: 'FeatureCollection';
  readonly date: string;
  readonly coverage: boolean;
  readonly features: LineFeature<RoadSegmentProperties>[];
}

/**
 * Every road segment with the share of it cleaned on the day: the same fold of the GPS log (heads,
 * stored union and the log entries since) that the recompute reads for `cleanedRoadKm`, so the map and
 * the indicators agree; the union the fold makes is not stored back.
 */
export const mapRoads = async (query: MapRoadsQuery, deps: MapDeps): Promise<RoadCoverageMap> => {
  const [roads, day] = await Promise.all([
    deps.loadRoads(),
    loadSanitationDay(query.date, {
      ...deps.sanitation,
      coverageUnions: readOnly(deps.sanitation.coverageUnions),
    }),
  ]);
  const network = day?.reference.network ?? (await deps.sanitation.loadSanitation()).network;
  return {
    type: 'FeatureCollection',
    date: query.date,
    coverage: day !== undefined,
    features: roadCoverageFeatures(roads, network, day?.cleanedCells),
  };
};

/** `GET /map/areas`: the answer. */
export interface AreaIndicatorMap {
  readonly type: 'FeatureCollection';
  readonly date: string;
  readonly indicator: string;
  readonly features: AreaMapFeature[];
}

/** The registered districts and streets with the chosen indicator's published value of the day. */
export const mapAreas = async (query: MapAreasQuery, deps: MapDeps): Promise<AreaIndicatorMap> => {
  const [{ areas }, items] = await Promise.all([deps.loadAreas(), deps.indicators.listDay(query.date)]);
  return {
    type: 'FeatureCollection',
    date: query.date,
    indicator: query.indicator,
    features: areaIndicatorFeatures(areas, items, query.indicator, query.level),
  };
};

/** `GET /map/events`: the answer. */
export interface EventPointsMap extends EventPoints {
  readonly type: 'FeatureCollection';
  readonly date: string;
}

/** A case's category: that of its latest event (as a ticket's state keeps its latest event's). */
const categoryOf = (events: readonly CityPlatformRecord[]): string | undefined =>
  chronological(events).at(-1)?.category;

/**
 * The tickets and cases of the day's cohorts as points, at most `limit`. Reads the day's cohort logs
 * (the compact facts the recompute reads, a few dozen bytes per item), then the events of the cases
 * drawn, for their categories (case facts carry none): at most `limit` reads, 16 at a time.
 */
export const mapEvents = async (query: MapEventsQuery, deps: MapDeps): Promise<EventPointsMap> => {
  const now = deps.now();
  const [tickets, cases, areas] = await Promise.all([
    query.kind === 'case' ? [] : deps.cohorts.read('ticket', query.date, now),
    query.kind === 'ticket' ? [] : deps.cohorts.read('case', query.date, now),
    deps.loadAreas(),
  ]);
  const items: MapItem[] = [
    ...cohortMembers(tickets, query.date).map((facts) => ({ kind: 'ticket' as const, facts })),
    ...cohortMembers(cases, query.date).map((facts) => ({ kind: 'case' as const, facts })),
  ];
  const points = eventPoints(items, areas.registry, areas.centres, query.limit);
  const caseIds = points.features
    .filter((feature) => feature.properties.kind === 'case')
    .map((f) => f.properties.id);
  const categories = new Map<string, string>();
  await pMap(
    caseIds,
    async (caseId) => {
      const category = categoryOf((await deps.events.readEntity<CityPlatformRecord>('case', caseId)).events);
      if (category !== undefined) categories.set(caseId, category);
    },
    { concurrency: CATEGORY_READS },
  );
  return { type: 'FeatureCollection', date: query.date, ...withCaseCategories(points, categories) };
};
