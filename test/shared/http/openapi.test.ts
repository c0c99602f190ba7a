import { describe, expect, it } from 'vitest';
import { indicatorNames } from '#shared/domain/indicators/catalogue';
import { openApiDocument } from '#shared/http/openapi';
import { routes } from '#shared/topology';

describe('the OpenAPI document', () => {
  const document = openApiDocument('http://127.0.0.1:3000');

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

  it('lists every published indicator with its Chinese name', () => {
    const schema = JSON.stringify(document.paths['/indicators']);
    for (const name of indicatorNames) expect(schema).toContain(`"${name}"`);
    expect(schema).toContain('办结率');
  });

  it('marks signed, analyst, admin and open routes differently', () => {
    const security = (path: string, method: string) =>
      (document.paths[path] as Record<string, { security: unknown }>)[method]?.security;
    expect(security('/ingest/{source}', 'post')).toEqual([{ standardWebhooks: [] }]);
    expect(security('/indicators', 'get')).toEqual([{ analystToken: [] }, { sigv4: [] }]);
    expect(security('/admin/recompute', 'post')).toEqual([{ adminToken: [] }, { sigv4: [] }]);
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
