import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '#shared/topology';
import {
  type Answer,
  changes,
  expectAnswer,
  type FuzzHub,
  fuzzOptions,
  hostileCase,
  type Snapshot,
  scaled,
  startFuzzHub,
} from './harness.ts';
import { anyString, encodeSegment, hostileQuery } from './hostile.ts';
import { type FuzzContext, familiesOf, fuzzers, listing, routeKey } from './routes.ts';

/**
 * Property tests that throw hostile input at every analyst, admin and open route of one real hub (the
 * ingest routes have test/fuzz/ingest.test.ts): wrong credentials, wrong types, huge strings, deep
 * nesting, bytes that are not UTF-8, missing and extra fields, impossible dates, unknown ids, wrong
 * methods. Every answer must be a 4xx with a clear `{"error"}` message (or, for a route that reads no
 * input, its usual 200 answer), never a 5xx.
 *
 * The hub's state is unchanged: before the first and after the last request, every item of every table
 * of the hub's DynamoDB Local is read, and the two sets must be equal. (The hub holds one subscription,
 * created before the first snapshot, so the routes of one subscription have one to refuse changes to.)
 */

/** Runs per family; the costly families send megabytes. */
const RUNS = 40;

let hub: FuzzHub;
let context: FuzzContext;
let before: Snapshot;
const plainAnswers = new Map<string, Answer>();

beforeAll(async () => {
  hub = await startFuzzHub();
  const created = await fetch(`${hub.state.url}/subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.state.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      url: 'http://127.0.0.1:9/hook',
      events: ['ticket.*'],
      description: 'fuzz target',
    }),
  });
  expect(created.status).toBe(201);
  context = { state: hub.state, subscriptionId: ((await created.json()) as { id: string }).id };
  for (const route of routes.filter((one) => one.method === 'GET' && one.auth !== 'signature')) {
    const { target } = fuzzers[routeKey(route)]?.valid?.(context) ?? { target: route.path };
    const answer = await hub.send({
      label: 'plain',
      method: 'GET',
      target,
      headers: route.auth === 'open' ? {} : { authorization: `Bearer ${hub.state.adminToken}` },
    });
    plainAnswers.set(routeKey(route), answer);
  }
  before = await hub.snapshot();
}, 120_000);
afterAll(async () => hub?.stop(), 30_000);

describe('fuzz: every route', () => {
  it('has a fuzzer for every route of the topology', () => {
    expect(routes.filter((route) => !fuzzers[routeKey(route)]).map(routeKey)).toEqual([]);
  });

  it('has no fuzzer for a route the topology does not declare', () => {
    expect(Object.keys(fuzzers).filter((key) => !routes.some((route) => routeKey(route) === key))).toEqual(
      [],
    );
  });

  it(
    'answers methods a path does not have with 405 and paths no route has with 404',
    async () => {
      const paths = [...new Set(routes.map((route) => route.path))];
      const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
      const wrongMethod = fc
        .tuple(fc.constantFrom(...paths), fc.constantFrom(...methods))
        .filter(([path, method]) => !routes.some((route) => route.path === path && route.method === method))
        .map(([path, method]) =>
          hostileCase(
            {
              label: 'wrong method',
              method,
              target: path.replace('{source}', 'hotline').replace('{id}', context.subscriptionId),
              headers: { authorization: `Bearer ${context.state.adminToken}` },
            },
            { refused: [405] },
          ),
        );
      const unknownPath = fc
        .tuple(
          fc.array(
            anyString.filter((text) => text !== '.' && text !== '..'),
            { minLength: 1, maxLength: 4 },
          ),
          fc.constantFrom(...methods),
          hostileQuery,
        )
        .map(([segments, method, search]) => ({
          path: `/${segments.map(encodeSegment).join('/')}`,
          method,
          search,
        }))
        .filter(
          ({ path }) =>
            !routes.some((route) => new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path)),
        )
        .map(({ path, method, search }) =>
          hostileCase(
            { label: 'unknown path', method, target: `${path}${search ? `?${search}` : ''}` },
            { refused: [404] },
          ),
        );
      await fc.assert(
        fc.asyncProperty(fc.oneof(wrongMethod, unknownPath), async (hostile) => {
          expectAnswer(hostile, await hub.send(hostile.request), plainAnswers);
        }),
        fuzzOptions(3 * RUNS),
      );
    },
    scaled(60_000),
  );

  it.each([
    ['a path of 20 KB', `/subscriptions/${'p'.repeat(20_000)}`, {}],
    ['a header of 20 KB', '/health', { 'x-fuzz-big': 'h'.repeat(20_000) }],
    [
      'headers of 20 KB in all',
      '/indicators',
      Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`x-fuzz-${index}`, 'h'.repeat(500)])),
    ],
  ])(
    'answers a request with %s (over the 16 KB of request line and headers) with 431',
    async (_, target, headers) => {
      const hostile = hostileCase({ label: 'too large', method: 'GET', target, headers }, { refused: [431] });
      expectAnswer(hostile, await hub.send(hostile.request), plainAnswers);
    },
  );

  for (const route of routes.filter((one) => one.auth !== 'signature')) {
    describe(routeKey(route), () => {
      for (const [name, { costly }] of Object.entries(familiesOf(route, listing))) {
        it(
          `answers ${name} with a clear 4xx${name === 'input the route does not read' ? ' (here: its usual 200)' : ''}`,
          async () => {
            const family = familiesOf(route, context)[name];
            if (!family) throw new Error(`family ${name} of ${routeKey(route)} is gone`);
            await fc.assert(
              fc.asyncProperty(family.cases, async (hostile) => {
                expectAnswer(hostile, await hub.send(hostile.request), plainAnswers);
              }),
              fuzzOptions(costly ? 2 : RUNS),
            );
          },
          scaled(60_000),
        );
      }
    });
  }

  it('leaves every table as it was, the hub alive and its log free of errors', async () => {
    const { added, removed } = changes(before, await hub.snapshot());
    expect(added.map(({ table, item }) => `${table}: ${JSON.stringify(item).slice(0, 300)}`)).toEqual([]);
    expect(removed.map(({ table, item }) => `${table}: ${item.slice(0, 300)}`)).toEqual([]);
    expect(hub.process.child.exitCode).toBeNull();
    expect((await fetch(`${hub.state.url}/health`)).status).toBe(200);
    expect(hub.errorLines()).toEqual([]);
  });
});
