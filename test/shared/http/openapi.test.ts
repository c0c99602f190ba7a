import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { indicatorNames } from '#shared/domain/indicators/catalogue';
import { openApiDocument } from '#shared/http/openapi';
import { qualityQuerySchema, quarantineQuerySchema } from '#shared/schemas/admin';
import { sources } from '#shared/schemas/ingest';
import { indicatorQuerySchema } from '#shared/schemas/query';
import { deliveriesQuerySchema } from '#shared/schemas/subscriptions';
import { routes } from '#shared/topology';

type Schema = { properties?: Record<string, Schema>; required?: string[]; [key: string]: unknown };
type Operation = {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};

type Parameter = {
  name: string;
  in: string;
  required?: boolean;
  schema: { maximum?: number; default?: unknown };
};

describe('the OpenAPI document', () => {
  const document = openApiDocument('http://127.0.0.1:3000') as ReturnType<typeof openApiDocument> & {
    components: { schemas: Record<string, Schema> };
  };

  it.each(routes.map((route) => [route.method, route.path] as const))(
    'describes %s %s with a summary',
    (method, path) => {
      const operation = (document.paths[path] as Record<string, { summary?: string; responses?: object }>)[
        method.toLowerCase()
      ];
      expect(operation?.summary).toBeTruthy();
      expect(Object.keys(operation?.responses ?? {})).not.toHaveLength(0);
    },
  );

  it.each(
    routes.filter((route) => route.path.includes('{')).map((route) => [route.method, route.path] as const),
  )('declares the path parameters of %s %s', (method, path) => {
    const operation = (document.paths[path] as Record<string, { parameters?: Parameter[] }>)[
      method.toLowerCase()
    ];
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
    for (const name of names)
      expect(operation?.parameters).toContainEqual(
        expect.objectContaining({ name, in: 'path', required: true }),
      );
  });

  it.each([
    [
      'get',
      '/indicators',
      indicatorQuerySchema,
      { date: '2026-03-02' },
      ['date', 'from', 'to', 'area', 'format', 'limit', 'nextToken'],
    ],
    ['get', '/quarantine', quarantineQuerySchema, { source: 'hotline' }, ['source', 'limit']],
    ['get', '/admin/quality', qualityQuerySchema, { from: '2026-03-01', to: '2026-03-02' }, ['from', 'to']],
    ['get', '/subscriptions/{id}/deliveries', deliveriesQuerySchema, {}, ['limit']],
  ] as const)(
    'documents %s %s query parameters from the schema that validates them',
    (method, path, schema, base, names) => {
      const parameters = (
        (document.paths[path] as Record<string, { parameters: Parameter[] }>)[method]?.parameters ?? []
      ).filter((parameter) => parameter.in === 'query');
      expect(parameters.map((parameter) => parameter.name)).toEqual(names);
      const parse = (query: Record<string, unknown>) =>
        (schema as z.ZodType).safeParse({ ...base, ...query }).success;
      expect(parse({})).toBe(true);
      for (const parameter of parameters) {
        // A documented required parameter is required; a documented maximum is the one enforced.
        if (parameter.required) expect(parse({ [parameter.name]: undefined })).toBe(false);
        const { maximum } = parameter.schema;
        if (maximum !== undefined) {
          expect(parse({ [parameter.name]: String(maximum) })).toBe(true);
          expect(parse({ [parameter.name]: String(maximum + 1) })).toBe(false);
        }
      }
    },
  );

  it('lists every published indicator with its Chinese name', () => {
    const page = (document.paths['/indicators'] as Record<string, Operation>).get?.responses['200'];
    expect(page?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/IndicatorPage',
    });
    expect(document.components.schemas.IndicatorPage?.properties?.items).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/IndicatorItem' },
    });
    const indicators = document.components.schemas.IndicatorItem?.properties?.indicators;
    expect(Object.keys(indicators?.properties ?? {})).toEqual(indicatorNames);
    expect(indicators?.required).toEqual(indicatorNames);
    expect(JSON.stringify(indicators)).toContain('办结率');
  });

  it.each(routes.map((route) => [route.method, route.path] as const))(
    'describes the body of every answer of %s %s but a 204',
    (method, path) => {
      const operation = (document.paths[path] as Record<string, Operation>)[method.toLowerCase()];
      for (const [status, response] of Object.entries(operation?.responses ?? {})) {
        if (status === '204') expect(response.content).toBeUndefined();
        else expect(Object.values(response.content ?? {}), status).not.toHaveLength(0);
        for (const { schema } of Object.values(response.content ?? {})) expect(schema, status).toBeDefined();
      }
    },
  );

  it('answers every error with the one error schema', () => {
    const errors = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods as Record<string, Operation>).flatMap((operation) =>
        Object.entries(operation.responses)
          .filter(([status]) => Number(status) >= 400 && Number(status) !== 422)
          .map(([, response]) => response.content?.['application/json']?.schema),
      ),
    );
    expect(errors.length).toBeGreaterThan(40);
    expect(new Set(errors.map((schema) => JSON.stringify(schema)))).toEqual(
      new Set([JSON.stringify({ $ref: '#/components/schemas/Error' })]),
    );
    expect(document.components.schemas.Error).toMatchObject({ required: ['error'] });
  });

  it('names only components it declares', () => {
    const references = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map(
      (match) => match[1] as string,
    );
    expect(references.length).toBeGreaterThan(0);
    expect(references.filter((name) => !(name in document.components.schemas))).toEqual([]);
  });

  it('documents the 401 and 403 answers of token routes', () => {
    for (const route of routes.filter((one) => one.auth === 'analyst' || one.auth === 'admin')) {
      const statuses = Object.keys(
        (document.paths[route.path] as Record<string, Operation>)[route.method.toLowerCase()]?.responses ??
          {},
      );
      expect(statuses, `${route.method} ${route.path}`).toContain('401');
      if (route.auth === 'admin') expect(statuses, `${route.method} ${route.path}`).toContain('403');
    }
  });

  it.each([
    ['hotline', 'ticketId', 'caseId'],
    ['city-platform', 'caseId', 'vehicleId'],
    ['sanitation', 'vehicleId', 'ticketId'],
  ])('documents the records of /ingest/%s alone on its own route', (source, own, other) => {
    const body = JSON.stringify(
      (document.paths[`/ingest/${source}`] as Record<string, { requestBody?: unknown }>).post?.requestBody,
    );
    expect(body).toContain(`"${own}"`);
    expect(body).not.toContain(`"${other}"`);
  });

  it('marks signed, analyst, admin and open routes differently', () => {
    const security = (path: string, method: string) =>
      (document.paths[path] as Record<string, { security: unknown }>)[method]?.security;
    for (const source of sources) {
      expect(security(`/ingest/${source}`, 'post')).toEqual([{ standardWebhooks: [] }]);
    }
    expect(security('/indicators', 'get')).toEqual([{ analystToken: [] }, { openId: [] }]);
    expect(security('/admin/recompute', 'post')).toEqual([{ adminToken: [] }, { openId: [] }]);
    const deployed = openApiDocument('https://api.example.org', 'https://login.example.org/realms/city/');
    expect(deployed.components.securitySchemes.openId).toMatchObject({
      type: 'openIdConnect',
      openIdConnectUrl: 'https://login.example.org/realms/city/.well-known/openid-configuration',
    });
    expect(security('/health', 'get')).toEqual([]);
  });
});

describe('the OpenAPI document as a document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const result = await new Validator().validate(openApiDocument('http://127.0.0.1:3000'));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
