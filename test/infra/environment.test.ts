/**
 * Every handler reads its configuration from the environment at cold start and fails fast on a missing
 * variable. This loads each handler module with exactly the environment its Lambda gets in the template.
 */

import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { serviceNameOf } from '#infra/constructs/service-function';
import { buildApp } from '#infra/stacks/build';
import { type FunctionDecl, functions } from '#shared/topology';

const testContext = {
  ...(JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: object })
    .context,
  stage: 'test',
  'aws:cdk:bundling-stacks': [],
};
const { stateless } = buildApp({ context: testContext, nag: false });
const lambdas = Object.values(
  Template.fromStack(stateless).findResources('AWS::Lambda::Function') as Record<
    string,
    { Properties: { Environment: { Variables: Record<string, unknown> } } }
  >,
);

/** A function's environment in the template; values known only at deploy time become sample ARNs. */
const deployedEnvironment = (name: string): Record<string, string> => {
  const lambda = lambdas.find(
    (resource) => resource.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === serviceNameOf(name),
  );
  if (!lambda) throw new Error(`no Lambda function for ${name}`);
  const sample = (key: string, value: unknown): string => {
    if (typeof value === 'string') return value;
    // A value built from several (JSON with queue addresses): its parts resolved one by one.
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map((part) => sample(key, part)).join(join[0]);
    return `arn:aws:cloudformation:us-east-1:123456789012:resolved/${key}`;
  };
  return Object.fromEntries(
    Object.entries(lambda.Properties.Environment.Variables).map(([key, value]) => [key, sample(key, value)]),
  );
};

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('function environment', () => {
  it.each(Object.entries<FunctionDecl>(functions))(
    'lets the %s handler start with the environment its Lambda gets',
    async (name, decl) => {
      for (const [key, value] of Object.entries(deployedEnvironment(name))) vi.stubEnv(key, value);
      vi.stubEnv('AWS_REGION', 'us-east-1');
      const module = (await import(new URL(`../../${decl.entry}`, import.meta.url).href)) as {
        handler: unknown;
      };
      expect(module.handler).toBeTypeOf('function');
    },
  );
});
