import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { adminRoutes } from '#functions/admin/routes';
import { queryRoutes } from '#functions/query/routes';
import { subscriptionsRoutes } from '#functions/subscriptions/routes';
import { bodyFormats } from '#shared/http/ingest-request';
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

  it('gives ingest body formats only for routes the topology sends to ingest', () => {
    expect(declared('ingest')).toEqual(expect.arrayContaining(Object.keys(bodyFormats('0x2A:2'))));
  });
});
