/**
 * Isolation on AWS, read back from the synthesized template: every HTTP route has its own throttle
 * (ingest routes the ingest one, one route per source), the ingest function has reserved concurrency,
 * the webhook deliveries a maximum concurrency, and the CDK context flags change each of them.
 */

import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { serviceNameOf } from '#infra/constructs/service-function';
import { buildApp } from '#infra/stacks/build';
import { DEFAULT_API_THROTTLE, DEFAULT_INGEST_THROTTLE } from '#infra/stacks/stateless-stack';
import { sources } from '#shared/schemas/ingest';
import { type FunctionName, functions, queues, routeKeyOf, routes } from '#shared/topology';

const cdkContext = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: object }
).context;
/** cdk.json's context plus the given keys; `bundling-stacks: []` skips esbuild. */
const build = (extra: Record<string, unknown> = {}) =>
  buildApp({
    context: { ...cdkContext, stage: 'test', 'aws:cdk:bundling-stacks': [], ...extra },
    nag: false,
  });

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DependsOn?: string[];
}
interface RouteThrottle {
  readonly ThrottlingRateLimit: number;
  readonly ThrottlingBurstLimit: number;
}

/** What a template says about isolation: the stage, its route settings, reservations and caps. */
const isolationOf = (template: Template) => {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const stages = ofType('AWS::ApiGatewayV2::Stage');
  expect(stages).toHaveLength(1);
  const [[, stage]] = stages as [[string, Resource]];
  const functionIdOf = (name: FunctionName): string => {
    const found = ofType('AWS::Lambda::Function').find(
      ([, fn]) =>
        (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables
          .POWERTOOLS_SERVICE_NAME === serviceNameOf(name),
    );
    if (!found) throw new Error(`no function ${name}`);
    return found[0];
  };
  return {
    stage,
    routeSettings: stage.Properties.RouteSettings as Record<string, RouteThrottle>,
    routeIds: new Map(
      ofType('AWS::ApiGatewayV2::Route').map(([id, route]) => [route.Properties.RouteKey, id]),
    ),
    reservedConcurrency: (name: FunctionName) =>
      resources[functionIdOf(name)]?.Properties.ReservedConcurrentExecutions,
    scalingOf: (name: FunctionName) =>
      ofType('AWS::Lambda::EventSourceMapping').find(
        ([, mapping]) => (mapping.Properties.FunctionName as { Ref: string }).Ref === functionIdOf(name),
      )?.[1].Properties.ScalingConfig,
  };
};

const throttleOf = ({ rateLimit, burstLimit }: { rateLimit: number; burstLimit: number }) => ({
  ThrottlingRateLimit: rateLimit,
  ThrottlingBurstLimit: burstLimit,
});
const ingestKeys = routes.filter((route) => route.auth === 'signature').map(routeKeyOf);
const otherKeys = routes.filter((route) => route.auth !== 'signature').map(routeKeyOf);

describe('isolation by default', () => {
  const isolation = isolationOf(Template.fromStack(build().stateless));

  it('declares one ingest route per source besides the Open311 and JT/T 808 ones', () => {
    expect(ingestKeys.sort()).toEqual(
      [
        ...sources.map((source) => `POST /ingest/${source}`),
        'POST /ingest/hotline/open311',
        'POST /ingest/sanitation/jt808',
      ].sort(),
    );
  });

  it('gives every route its own throttle: each ingest route the ingest one, the others the API one', () => {
    expect(Object.keys(isolation.routeSettings).sort()).toEqual(routes.map(routeKeyOf).sort());
    for (const key of ingestKeys)
      expect(isolation.routeSettings[key]).toEqual(throttleOf(DEFAULT_INGEST_THROTTLE));
    for (const key of otherKeys)
      expect(isolation.routeSettings[key]).toEqual(throttleOf(DEFAULT_API_THROTTLE));
    expect(isolation.stage.Properties.DefaultRouteSettings).toEqual(throttleOf(DEFAULT_API_THROTTLE));
  });

  it('creates the stage after the routes its settings name, as API Gateway requires', () => {
    for (const key of Object.keys(isolation.routeSettings)) {
      const routeId = isolation.routeIds.get(key);
      expect(routeId, key).toBeDefined();
      expect(isolation.stage.DependsOn).toContain(routeId);
    }
  });

  it('reserves the topology concurrency for ingest, one for the minute sweep, and none for the others', () => {
    expect(functions.ingest.reservedConcurrency).toBeGreaterThan(0);
    expect(isolation.reservedConcurrency('ingest')).toBe(functions.ingest.reservedConcurrency);
    // Two sweeps at once would announce the same notices twice.
    expect(isolation.reservedConcurrency('supervise')).toBe(1);
    for (const name of Object.keys(functions) as FunctionName[]) {
      if (name !== 'ingest' && name !== 'supervise')
        expect(isolation.reservedConcurrency(name), name).toBeUndefined();
    }
  });

  it('caps the webhook deliveries in flight at the topology maximum', () => {
    expect(isolation.scalingOf('deliver')).toEqual({ MaximumConcurrency: queues.delivery.maxConcurrency });
  });
});

describe('isolation flags', () => {
  it('applies ingest and API throttles, ingest reserved concurrency and the delivery cap from context (strings from -c)', () => {
    const { config, stateless } = build({
      ingestThrottleRate: '5',
      ingestThrottleBurst: '10',
      apiThrottleRate: '20',
      apiThrottleBurst: '40',
      ingestReservedConcurrency: '7',
      deliveryMaxConcurrency: '3',
    });
    expect(config).toMatchObject({
      ingestThrottleRate: 5,
      ingestThrottleBurst: 10,
      ingestReservedConcurrency: 7,
      deliveryMaxConcurrency: 3,
    });
    const isolation = isolationOf(Template.fromStack(stateless));
    for (const key of ingestKeys) {
      expect(isolation.routeSettings[key]).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
    }
    for (const key of otherKeys) {
      expect(isolation.routeSettings[key]).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    }
    expect(isolation.reservedConcurrency('ingest')).toBe(7);
    expect(isolation.scalingOf('deliver')).toEqual({ MaximumConcurrency: 3 });
  });

  it('keeps the default burst when only the ingest rate is given', () => {
    const isolation = isolationOf(Template.fromStack(build({ ingestThrottleRate: 2 }).stateless));
    expect(isolation.routeSettings['POST /ingest/sanitation']).toEqual({
      ThrottlingRateLimit: 2,
      ThrottlingBurstLimit: DEFAULT_INGEST_THROTTLE.burstLimit,
    });
  });

  it('reserves nothing for ingest with ingestReservedConcurrency=0 (accounts without room for a reservation)', () => {
    const isolation = isolationOf(Template.fromStack(build({ ingestReservedConcurrency: '0' }).stateless));
    expect(isolation.reservedConcurrency('ingest')).toBeUndefined();
  });

  it.each([
    [{ ingestThrottleRate: '0' }, /ingestThrottleRate: must be more than 0/],
    [{ ingestThrottleRate: 'fast' }, /ingestThrottleRate/],
    [{ ingestThrottleBurst: '1.5' }, /ingestThrottleBurst: must be a whole number/],
    [{ ingestReservedConcurrency: '-1' }, /ingestReservedConcurrency: must be 0 \(no reservation\) or more/],
    [{ deliveryMaxConcurrency: '1' }, /deliveryMaxConcurrency: must be 2-1000/],
    [{ deliveryMaxConcurrency: '1001' }, /deliveryMaxConcurrency: must be 2-1000/],
    [
      { webhookRatePerSubscription: 'fast' },
      /webhookRatePerSubscription="fast" must be "perSecond\[,burst\]"/,
    ],
    [
      { webhookRatePerSubscription: '10', deliveryMaxConcurrency: '100' },
      /shared among deliveryMaxConcurrency=100 consumers leaves each 0\.10 a second, so a batch of 10 deliveries to one subscription would wait 90 s/,
    ],
  ])('rejects invalid context %o, naming the flag', (extra, message) => {
    expect(() => build(extra)).toThrow(message);
  });
});

describe('per-subscription delivery rate', () => {
  const deliverEnv = (extra: Record<string, unknown> = {}) => {
    const template = Template.fromStack(build(extra).stateless).toJSON() as {
      Resources: Record<string, Resource>;
    };
    const deliver = Object.values(template.Resources).find(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' &&
        (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables
          .POWERTOOLS_SERVICE_NAME === serviceNameOf('deliver'),
    );
    if (!deliver) throw new Error('no deliver function');
    return (deliver.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  };

  it('tells the deliver function the rate and how many consumers share it', () => {
    expect(deliverEnv()).toMatchObject({
      WEBHOOK_RATE_PER_SUBSCRIPTION: '10,20',
      DELIVERY_MAX_CONCURRENCY: String(queues.delivery.maxConcurrency),
    });
    expect(deliverEnv({ webhookRatePerSubscription: '40,80', deliveryMaxConcurrency: '20' })).toMatchObject({
      WEBHOOK_RATE_PER_SUBSCRIPTION: '40,80',
      DELIVERY_MAX_CONCURRENCY: '20',
    });
  });
});
