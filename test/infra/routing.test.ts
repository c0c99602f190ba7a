/**
 * Proves the deployed system routes like the topology declaration that the local runtime runs: bus rules
 * send the declared events to the declared functions, and HTTP routes reach the declared functions with
 * the declared authorization. Everything is read back from the synthesized template.
 */

import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { serviceNameOf } from '#infra/constructs/service-function';
import { buildApp } from '#infra/stacks/build';
import {
  type EventPattern,
  type FunctionName,
  functions,
  matchesStreamFilter,
  queues,
  routes,
  rules,
  streams,
  tables,
} from '#shared/topology';

const testContext = {
  ...(JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: object })
    .context,
  stage: 'test',
  'aws:cdk:bundling-stacks': [],
};
const { stateless } = buildApp({ context: testContext, nag: false });
const resources = Template.fromStack(stateless).toJSON().Resources as Record<string, Resource>;

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

const ofType = (type: string): [string, Resource][] =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

/** The logical id in `{ "Fn::GetAtt": [id, attribute] }` or `{ "Ref": id }`. */
const referencedId = (value: unknown): string => {
  const reference = value as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
  const id = reference['Fn::GetAtt']?.[0] ?? reference.Ref;
  if (!id) throw new Error(`not a reference to a resource of this stack: ${JSON.stringify(value)}`);
  return id;
};

/** Topology function name of a Lambda function, read from its `POWERTOOLS_SERVICE_NAME`. */
const topologyNameOf = (functionId: string): FunctionName => {
  const environment = resources[functionId]?.Properties.Environment as
    | { Variables: Record<string, unknown> }
    | undefined;
  const serviceName = environment?.Variables.POWERTOOLS_SERVICE_NAME;
  const name = (Object.keys(functions) as FunctionName[]).find((fn) => serviceNameOf(fn) === serviceName);
  if (!name) throw new Error(`function ${functionId} has no topology service name (${String(serviceName)})`);
  return name;
};

/** The function that consumes a queue, through the queue's event source mapping. */
const consumerOf = (queueId: string): FunctionName => {
  const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(
    ([, mapping]) => !isStreamMapping(mapping) && referencedId(mapping.Properties.EventSourceArn) === queueId,
  );
  expect(mappings, `event source mappings of queue ${queueId}`).toHaveLength(1);
  const [[, mapping]] = mappings as [[string, Resource]];
  return topologyNameOf(referencedId(mapping.Properties.FunctionName));
};

/** An event source mapping of a table stream (its table lives in the stateful stack). */
const isStreamMapping = (mapping: Resource): boolean => mapping.Properties.StartingPosition !== undefined;

/** Sorts routing entries so that two tables compare regardless of declaration order. */
const byJson = <T>(entries: T[]): T[] =>
  [...entries].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('bus routing', () => {
  it('sends the events of every declared pattern to the function the topology declares, and only those', () => {
    const deployed = ofType('AWS::Events::Rule').flatMap(([, rule]) =>
      (rule.Properties.Targets as { Arn: unknown }[]).map((target) => ({
        pattern: rule.Properties.EventPattern as EventPattern,
        consumer: consumerOf(referencedId(target.Arn)),
      })),
    );
    const declared = rules.map((rule) => ({ pattern: rule.pattern, consumer: queues[rule.queue].consumer }));

    expect(deployed.length).toBeGreaterThan(0);
    expect(byJson(deployed)).toEqual(byJson(declared));
  });

  it('keeps events the bus cannot deliver in the dead-letter queue of the target queue', () => {
    for (const [id, rule] of ofType('AWS::Events::Rule')) {
      for (const target of rule.Properties.Targets as {
        Arn: unknown;
        DeadLetterConfig?: { Arn: unknown };
      }[]) {
        const queue = resources[referencedId(target.Arn)];
        const redrive = queue?.Properties.RedrivePolicy as { deadLetterTargetArn: unknown } | undefined;
        expect(target.DeadLetterConfig, `dead-letter config of rule ${id}`).toBeDefined();
        expect(referencedId(target.DeadLetterConfig?.Arn)).toBe(referencedId(redrive?.deadLetterTargetArn));
      }
    }
  });
});

describe('HTTP routing', () => {
  /** Every deployed route: its key, the function its integration invokes, and its authorization type. */
  const deployedRoutes = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => {
    const target = route.Properties.Target as { 'Fn::Join': [string, unknown[]] };
    const integrationId = referencedId(target['Fn::Join'][1][1]);
    const integration = resources[integrationId];
    expect(integration?.Type).toBe('AWS::ApiGatewayV2::Integration');
    expect(integration?.Properties.IntegrationType).toBe('AWS_PROXY');
    return {
      routeKey: route.Properties.RouteKey,
      function: topologyNameOf(referencedId(integration?.Properties.IntegrationUri)),
      authorizationType: route.Properties.AuthorizationType,
    };
  });

  it('maps every declared route key to the declared function with the declared authorization', () => {
    const declared = routes.map((route) => ({
      routeKey: `${route.method} ${route.path}`,
      function: route.function,
      authorizationType: route.auth === 'analyst' || route.auth === 'admin' ? 'JWT' : 'NONE',
    }));
    expect(byJson(deployedRoutes)).toEqual(byJson(declared));
  });
});

describe('stream routing', () => {
  it('hands each declared table stream to its consumer, filtered as declared', () => {
    const deployed = ofType('AWS::Lambda::EventSourceMapping')
      .filter(([, mapping]) => isStreamMapping(mapping))
      .map(([, mapping]) => {
        const { Filters } = mapping.Properties.FilterCriteria as { Filters: { Pattern: string }[] };
        const source = JSON.stringify(mapping.Properties.EventSourceArn);
        return {
          table: Object.values(tables).find((table) =>
            new RegExp(`${table.id}Table[0-9A-F]{8}StreamArn`).test(source),
          )?.id,
          consumer: topologyNameOf(referencedId(mapping.Properties.FunctionName)),
          filters: Filters.map(({ Pattern }) => JSON.parse(Pattern) as unknown),
          batchSize: mapping.Properties.BatchSize,
          // Absent: until the records leave the stream.
          retryAttempts: mapping.Properties.MaximumRetryAttempts ?? -1,
          onFailure:
            (mapping.Properties.DestinationConfig as { OnFailure?: unknown } | undefined)?.OnFailure !==
            undefined,
        };
      });
    const declared = Object.values(streams).map((decl) => ({
      table: tables[decl.table].id,
      consumer: decl.consumer,
      filters: [{ dynamodb: { NewImage: { [decl.filter.withAttribute]: { B: [{ exists: true }] } } } }],
      batchSize: decl.batchSize,
      retryAttempts: decl.retryAttempts,
      onFailure: true,
    }));
    expect(deployed.length).toBeGreaterThan(0);
    expect(byJson(deployed)).toEqual(byJson(declared));
  });

  it('lets the local runtime hand on what that filter lets through, and nothing else', () => {
    const record = (eventName: string, image: Record<string, unknown>) => ({
      eventName,
      dynamodb: { NewImage: image },
    });
    for (const decl of Object.values(streams)) {
      const carrying = { pk: { S: 'k' }, [decl.filter.withAttribute]: { B: 'AAE=' } };
      expect(matchesStreamFilter(decl, record('INSERT', carrying))).toBe(true);
      expect(matchesStreamFilter(decl, record('MODIFY', carrying))).toBe(true);
      // A removal carries no new image.
      expect(matchesStreamFilter(decl, { dynamodb: {} })).toBe(false);
      expect(matchesStreamFilter(decl, record('INSERT', { pk: { S: 'k' } }))).toBe(false);
      expect(
        matchesStreamFilter(decl, record('INSERT', { [decl.filter.withAttribute]: { S: 'text' } })),
      ).toBe(false);
    }
  });
});
