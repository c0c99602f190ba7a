import { type FeedFreshnessReader, feedStatuses } from '#shared/app/feed-statuses';
import { type IndicatorPage, type IndicatorsReader, queryIndicators } from '#shared/app/query-indicators';
import type { AreaListItem } from '#shared/domain/area-list';
import { type HttpEvent, type HttpResult, json } from '#shared/http/api';
import { toCsv } from '#shared/http/csv';
import { openApiDocument } from '#shared/http/openapi';
import { parseQuery } from '#shared/http/params';
import type { Routes } from '#shared/http/router';
import { indicatorQuerySchema } from '#shared/schemas/query';

/** What the analyst routes read. */
export interface QueryDeps {
  readonly indicators: IndicatorsReader;
  readonly feeds: FeedFreshnessReader;
  /** Registered districts and streets with their names. */
  readonly loadAreaList: () => Promise<AreaListItem[]>;
  readonly now: () => number;
}

/** A page of indicators as CSV; the next page's token travels in `x-next-token`. */
const csv = (page: IndicatorPage): HttpResult => ({
  statusCode: 200,
  headers: {
    'content-type': 'text/csv; charset=utf-8',
    ...(page.nextToken ? { 'x-next-token': page.nextToken } : {}),
  },
  body: toCsv(page.items),
});

/** Where the API is served, as the caller reached it: for the OpenAPI document's `servers`. */
const baseUrlOf = (event: HttpEvent): string | undefined => {
  const host = event.headers?.host;
  return host ? `${event.headers?.['x-forwarded-proto'] ?? 'https'}://${host}` : undefined;
};

/**
 * `GET /indicators` (JSON or CSV), `GET /openapi.json` (CONTRACT §6), and for the dashboard
 * `GET /areas` (registered districts and streets with their names) and `GET /feeds` (feed freshness).
 */
export const queryRoutes = (deps: QueryDeps): Routes<'query'> => ({
  'GET /indicators': async (event) => {
    const query = parseQuery(indicatorQuerySchema, event);
    const page = await queryIndicators(query, deps.indicators);
    return query.format === 'csv' ? csv(page) : json(200, page);
  },
  'GET /openapi.json': async (event) => json(200, openApiDocument(baseUrlOf(event))),
  'GET /areas': async () => json(200, { items: await deps.loadAreaList() }),
  'GET /feeds': async () => json(200, await feedStatuses(deps.feeds, deps.now())),
});
