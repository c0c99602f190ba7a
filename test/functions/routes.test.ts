import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { adminRoutes } from '#functions/admin/routes';
import { queryRoutes } from '#functions/query/routes';
import { subscriptionsRoutes } from '#functions/subscriptions/routes';
import { ingestRoutes } from '#shared/http/ingest-request';
import { sources } from '#shared/schemas/ingest';
import { type FunctionName, routeKeyOf, routes } from '#shared/topology';

/**
 * The functions that serve several routes dispatch on the route key API Gateway matched: each needs a
 * handler for every route the topology gives it, and has none for a route it does not serve.
 */
const logger = new Logger({ serviceName: 'cityhub-test', logLevel: 'SILENT' });
const tables: [FunctionName, object][] = [
  ['admin', adminRoutes({} as never, logger)],
  ['query', queryRoutes({} as never)],
  ['subscriptions', subscriptionsRoutes({} as never, logger)],
];
const declared = (name: FunctionName) =>
  routes
    .filter((route) => route.function === name)
    .map(routeKeyOf)
    .sort();

describe('route tables', () => {
  it.each(tables)('%s has a handler for exactly the routes the topology declares for it', (name, table) => {
    expect(declared(name).length).toBeGreaterThan(0);
    expect(Object.keys(table).sort()).toEqual(declared(name));
  });

  it('gives ingest a source for exactly the routes the topology declares for it', () => {
    expect(Object.keys(ingestRoutes('0x2A:2')).sort()).toEqual(declared('ingest'));
  });

  it('declares one ingest route per source at its public path, signed with that source', () => {
    const routesOfIngest = ingestRoutes('0x2A:2');
    for (const source of sources) {
      expect(routesOfIngest[`POST /ingest/${source}`]).toEqual({ source });
    }
    expect(routes.some((route) => route.path.includes('{source}'))).toBe(false);
    expect(routesOfIngest['POST /ingest/hotline/open311'].source).toBe('hotline');
    expect(routesOfIngest['POST /ingest/sanitation/jt808'].source).toBe('sanitation');
  });
});
