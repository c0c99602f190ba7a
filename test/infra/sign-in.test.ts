import { readFileSync } from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/stacks/build';
import { routes } from '#shared/topology';

/** cdk.json's context plus what `npx cdk synth -c stage=prod -c alarmEmail=ops@example.com` adds. */
const prodContext = {
  ...(JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: object })
    .context,
  stage: 'prod',
  alarmEmail: 'ops@example.com',
  'aws:cdk:bundling-stacks': [],
};

const protectedRoutes = routes.filter((route) => route.auth === 'analyst' || route.auth === 'admin');

const templateOf = (context: Record<string, unknown>) =>
  Template.fromStack(buildApp({ context: { ...prodContext, ...context } }).stateless);

/** The environment of the function whose logical id starts with `name` (its topology id). */
const environmentOf = (template: Template, name: string): Record<string, unknown> => {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
    id.startsWith(name),
  );
  if (!found) throw new Error(`no function ${name}`);
  return (found[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
};

const routeAuthorizers = (template: Template) =>
  Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => ({
    routeKey: route.Properties.RouteKey as string,
    type: route.Properties.AuthorizationType as string,
  }));

describe('sign-in with the default Cognito user pool (cdk-nag on)', () => {
  const template = templateOf({});

  it('puts a JWT authorizer on every analyst and admin route, none on ingest, health and the page', () => {
    const types = routeAuthorizers(template);
    for (const route of routes) {
      const expected = route.auth === 'analyst' || route.auth === 'admin' ? 'JWT' : 'NONE';
      expect(types, `${route.method} ${route.path}`).toContainEqual({
        routeKey: `${route.method} ${route.path}`,
        type: expected,
      });
    }
    expect(protectedRoutes.length).toBeGreaterThan(10);
  });

  it("issues the authorizer's tokens from the user pool, for the dashboard and the systems clients", () => {
    const [poolId] = Object.keys(template.findResources('AWS::Cognito::UserPool'));
    const clients = template.findResources('AWS::Cognito::UserPoolClient');
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: {
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('cognito-idp'), { Ref: poolId }])],
        },
        Audience: Match.arrayEquals(Object.keys(clients).map((id) => ({ Ref: id }))),
      },
    });
  });

  it('creates a pool without self sign-up, with MFA, and the analyst and admin groups', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      DeletionProtection: 'ACTIVE',
    });
    const groups = Object.values(template.findResources('AWS::Cognito::UserPoolGroup')).map(
      (group) => group.Properties.GroupName,
    );
    expect(groups.sort()).toEqual(['admin', 'analyst']);
  });

  it('gives the dashboard a public client for the code flow, calling back to the API itself', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ClientName: 'cityhub-dashboard',
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: [
        {
          'Fn::Join': [
            '',
            [
              'https://',
              { Ref: Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0] },
              '.execute-api.',
              { Ref: 'AWS::Region' },
              '.',
              { Ref: 'AWS::URLSuffix' },
              '/',
            ],
          ],
        },
      ],
    });
  });

  it('gives systems a confidential client-credentials client with the cityhub scopes', () => {
    const [serverId] = Object.keys(template.findResources('AWS::Cognito::UserPoolResourceServer'));
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'cityhub',
      Scopes: [
        { ScopeName: 'analyst', ScopeDescription: Match.anyValue() },
        { ScopeName: 'admin', ScopeDescription: Match.anyValue() },
      ],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ClientName: 'cityhub-systems',
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthScopes: [
        { 'Fn::Join': ['', [{ Ref: serverId }, '/analyst']] },
        { 'Fn::Join': ['', [{ Ref: serverId }, '/admin']] },
      ],
    });
  });

  it('creates a hosted-UI domain and outputs the token URL for the CLI', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    expect(Object.keys(template.findOutputs('*')).join(' ')).toMatch(/TokenUrl/);
  });

  it('tells the dashboard function where the page signs in and lets the functions read claims', () => {
    const [clientId] = Object.entries(template.findResources('AWS::Cognito::UserPoolClient')).find(
      ([, client]) => client.Properties.ClientName === 'cityhub-dashboard',
    ) ?? [''];
    expect(environmentOf(template, 'DashboardFunction')).toMatchObject({
      SIGN_IN_ISSUER: { 'Fn::Join': ['', expect.arrayContaining(['https://cognito-idp.'])] },
      SIGN_IN_CLIENT_ID: { Ref: clientId },
      SIGN_IN_SCOPES: 'openid email profile',
      // The hosted UI's domain, where the page trades its code: its CSP must let it connect there.
      SIGN_IN_TOKEN_ENDPOINT: {
        'Fn::Join': [
          '',
          expect.arrayContaining([
            'https://',
            { Ref: Object.keys(template.findResources('AWS::Cognito::UserPoolDomain'))[0] },
            '.amazoncognito.com/oauth2/token',
          ]),
        ],
      },
    });
    for (const name of ['QueryFunction', 'AdminFunction', 'SubscriptionsFunction'])
      expect(environmentOf(template, name).AUTH_MODE, name).toBe('jwt');
  });
});

describe("sign-in with the city's own provider", () => {
  const template = templateOf({
    oidcIssuer: 'https://login.example.gov.cn/realms/city',
    oidcAudience: 'cityhub-api',
  });

  it('creates no user pool and points the authorizer at the given issuer and audience', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://login.example.gov.cn/realms/city', Audience: ['cityhub-api'] },
    });
    expect(routeAuthorizers(template).filter(({ type }) => type === 'JWT')).toHaveLength(
      protectedRoutes.length,
    );
  });

  it('signs the dashboard in at that issuer with the audience as client id by default', () => {
    expect(environmentOf(template, 'DashboardFunction')).toMatchObject({
      SIGN_IN_ISSUER: 'https://login.example.gov.cn/realms/city',
      SIGN_IN_CLIENT_ID: 'cityhub-api',
      SIGN_IN_SCOPES: 'openid',
    });
    expect(environmentOf(template, 'DashboardFunction')).not.toHaveProperty('SIGN_IN_TOKEN_ENDPOINT');
  });
});

describe('sign-in context flags', () => {
  it.each([
    [{ oidcIssuer: 'https://login.example.gov.cn' }, /oidcIssuer and oidcAudience go together/],
    [{ oidcAudience: 'cityhub' }, /oidcIssuer and oidcAudience go together/],
    [{ oidcIssuer: 'http://login.example.gov.cn', oidcAudience: 'x' }, /oidcIssuer: must be the https URL/],
    [{ oidcDashboardClientId: 'web' }, /oidcDashboardClientId needs -c oidcIssuer/],
  ])('refuses %o', (context, message) => {
    expect(() => buildApp({ context: { ...prodContext, ...context }, nag: false })).toThrow(message);
  });
});
