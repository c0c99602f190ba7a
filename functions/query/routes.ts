import { type FeedFreshnessReader, feedStatuses } from '#shared/app/feed-statuses';
import { type MapDeps, mapAreas, mapEvents, mapRoads } from '#shared/app/map';
import { listOpenItems, type OpenItemsDeps, pageOfOpenItems } from '#shared/app/open-items';
import {
  type IndicatorPage,
  type IndicatorsReader,
  queryIndicators,
  registeredAreas,
  unknownAreas,
} from '#shared/app/query-indicators';
import type { AreaListItem } from '#shared/domain/area-list';
import { type HttpEvent, type HttpResult, json } from '#shared/http/api';
import { openItemsCsv, toCsv } from '#shared/http/csv';
import { openApiDocument } from '#shared/http/openapi';
import { parseQuery } from '#shared/http/params';
import type { Routes } from '#shared/http/router';
import {
  mapAreasQueryParams,
  mapAreasQuerySchema,
  mapEventsQueryParams,
  mapEventsQuerySchema,
  mapRoadsQueryParams,
  mapRoadsQuerySchema,
} from '#shared/schemas/map';
import { encodeOpenItemsToken, openItemsQueryParams, openItemsQuerySchema } from '#shared/schemas/open-items';
import { indicatorQueryParams, indicatorQuerySchema } from '#shared/schemas/query';

/** What the analyst routes read. */
export interface QueryDeps {
  readonly indicators: IndicatorsReader;
  readonly feeds: FeedFreshnessReader;
  /** Registered districts and streets with their names. */
  readonly loadAreaList: () => Promise<AreaListItem[]>;
  /** What the map of a day reads (`GET /map/*`). */
  readonly map: MapDeps;
  /** Open tickets and cases with their lights (`GET /open-items`). */
  readonly openItems: OpenItemsDeps;
  readonly now: () => number;
}

/** A page as CSV; the next page's token travels in `x-next-token`. */
const csvAnswer = (body: string, nextToken: string | undefined): HttpResult => ({
  statusCode: 200,
  headers: { 'content-type': 'text/csv; charset=utf-8', ...(nextToken ? { 'x-next-token': nextToken } : {}) },
  body,
});

/** A page of indicators as CSV, with area names. */
const csv = (page: IndicatorPage, areas: readonly AreaListItem[]): HttpResult =>
  csvAnswer(toCsv(page.items, new Map(areas.map((item) => [item.area, item.name]))), page.nextToken);

/** A GeoJSON answer (RFC 7946's media type). */
const geoJson = (body: unknown): HttpResult => json(200, body, { 'content-type': 'application/geo+json' });

/** Where the API is served, as the caller reached it: for the OpenAPI document's `servers`. */
const baseUrlOf = (event: HttpEvent): string | undefined => {
  const host = event.headers?.host;
  return host ? `${event.headers?.['x-forwarded-proto'] ?? 'https'}://${host}` : undefined;
};

/**
 * `GET /indicators` (JSON or CSV), `GET /openapi.json` (CONTRACT §6), and for the dashboard
 * `GET /areas` (registered districts and streets with their names) and `GET /feeds` (feed freshness),
 * and the map of a day as GeoJSON (`GET /map/roads`, `GET /map/areas`, `GET /map/events`).
 */
export const queryRoutes = (deps: QueryDeps): Routes<'query'> => ({
  'GET /indicators': async (event) => {
    const query = parseQuery(indicatorQuerySchema, event, indicatorQueryParams);
    const areas = query.area.length > 0 || query.format === 'csv' ? await deps.loadAreaList() : [];
    const page = await queryIndicators(query, deps.indicators, registeredAreas(areas));
    return query.format === 'csv' ? csv(page, areas) : json(200, page);
  },
  'GET /openapi.json': async (event) => json(200, openApiDocument(baseUrlOf(event))),
  'GET /areas': async () => json(200, { items: await deps.loadAreaList() }),
  'GET /feeds': async () => json(200, await feedStatuses(deps.feeds, deps.now())),
  'GET /map/roads': async (event) =>
    geoJson(await mapRoads(parseQuery(mapRoadsQuerySchema, event, mapRoadsQueryParams), deps.map)),
  'GET /map/areas': async (event) =>
    geoJson(await mapAreas(parseQuery(mapAreasQuerySchema, event, mapAreasQueryParams), deps.map)),
  'GET /map/events': async (event) =>
    geoJson(await mapEvents(parseQuery(mapEventsQuerySchema, event, mapEventsQueryParams), deps.map)),
  'GET /open-items': async (event) => {
    const query = parseQuery(openItemsQuerySchema, event, openItemsQueryParams);
    const registered = query.area.length > 0 ? registeredAreas(await deps.loadAreaList()) : undefined;
    const unknown = registered ? query.area.filter((area) => !registered.has(area)) : [];
    if (unknown.length > 0) throw unknownAreas(unknown);
    const { now, items, counts } = await listOpenItems(query, deps.openItems);
    const page = pageOfOpenItems(items, query.limit, query.nextToken);
    const nextToken = page.next ? encodeOpenItemsToken(page.next) : undefined;
    if (query.format === 'csv') return csvAnswer(openItemsCsv(page.items), nextToken);
    return json(200, {
      now: new Date(now).toISOString(),
      counts,
      items: page.items,
      ...(nextToken ? { nextToken } : {}),
    });
  },
});
