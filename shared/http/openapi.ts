import * as z from 'zod';
import { indicatorCatalogue } from '#shared/domain/indicators/catalogue';
import { jt808RecordSchema } from '#shared/domain/jt808-ingest';
import { qualityQuerySchema, quarantineQuerySchema, recomputeRequestSchema } from '#shared/schemas/admin';
import { ingestAnswerSchema, recordSchemas, sources } from '#shared/schemas/ingest';
import { open311RequestSchema } from '#shared/schemas/open311';
import { indicatorQuerySchema } from '#shared/schemas/query';
import { areasSchema, calendarSchema, roadsSchema, vehiclesSchema } from '#shared/schemas/reference';
import {
  createSubscriptionSchema,
  deliveriesQuerySchema,
  patchSubscriptionSchema,
  replayRequestSchema,
  syncRulesSchema,
} from '#shared/schemas/subscriptions';
import { type RouteAuth, type RouteDecl, routes } from '#shared/topology';

type Operation = Record<string, unknown>;

const errorBody = { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] };
const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({ description, content: jsonContent(errorBody) });

const securityOf: Record<RouteAuth, unknown[]> = {
  signature: [{ standardWebhooks: [] }],
  analyst: [{ analystToken: [] }, { sigv4: [] }],
  admin: [{ adminToken: [] }, { sigv4: [] }],
  open: [],
};

const indicatorItem = {
  type: 'object',
  properties: {
    date: { type: 'string', format: 'date' },
    area: { type: 'string', example: 'district:dongcheng' },
    timezone: { type: 'string', example: 'Asia/Shanghai' },
    indicators: {
      type: 'object',
      properties: Object.fromEntries(
        indicatorCatalogue.map((info) => [
          info.name,
          {
            type: ['number', 'null'],
            description: `${info.chineseName}: ${info.description} (${info.unit})`,
          },
        ]),
      ),
    },
    revision: { type: 'integer', minimum: 1 },
    computedAt: { type: 'string', format: 'date-time' },
  },
};

/**
 * The query parameters of a route, read from the zod schema its handler validates them with (names,
 * types, limits, defaults, descriptions), so the document cannot drift from the code.
 */
export const queryParameters = (schema: z.ZodType) => {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, { description?: string; type?: string }>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, { description, ...property }]) => ({
    name,
    in: 'query',
    ...(description ? { description } : {}),
    ...(json.required?.includes(name) ? { required: true } : {}),
    ...(property.type === 'array' ? { explode: true } : {}),
    schema: property,
  }));
};

/** An ingest route: a signed list of items, answered with the ingest counts. */
const ingestOperation = (
  summary: string,
  list: string,
  items: unknown,
  extra: Record<number, unknown> = {},
) => {
  const answer = jsonContent(z.toJSONSchema(ingestAnswerSchema));
  return {
    summary,
    requestBody: {
      required: true,
      content: jsonContent({
        type: 'object',
        required: [list],
        properties: { [list]: { type: 'array', minItems: 1, maxItems: 1000, items } },
      }),
    },
    responses: {
      200: { description: 'A webhook-id seen before: the first answer, nothing changed', content: answer },
      202: {
        description: 'At least one item accepted or a duplicate; the rest listed by index',
        content: answer,
      },
      400: errorResponse(`Body is not JSON or not {"${list}": [...]}`),
      401: errorResponse('Missing or bad Standard Webhooks signature, or timestamp more than 5 minutes off'),
      409: errorResponse('A request with this webhook-id is still being processed'),
      413: errorResponse('Body larger than 5 MB'),
      422: { description: 'Every item rejected', content: answer },
      ...extra,
    },
  };
};

/** A reference route: the whole set replaced, answered with its counts; every day recomputed. */
const referenceOperation = (summary: string, schema: z.ZodType, answer: string) => ({
  summary,
  requestBody: { required: true, content: jsonContent(z.toJSONSchema(schema, { io: 'input' })) },
  responses: {
    200: { description: answer },
    400: errorResponse('Invalid set; the message names each problem'),
  },
});

const operations: Record<string, Operation> = {
  'POST /ingest/{source}': {
    ...ingestOperation(
      'Send a signed batch of 1 to 1000 records of one feed (at most 5 MB)',
      'records',
      { oneOf: sources.map((source) => z.toJSONSchema(recordSchemas[source], { io: 'input' })) },
      { 404: errorResponse('Unknown source') },
    ),
    parameters: [{ name: 'source', in: 'path', required: true, schema: { type: 'string', enum: sources } }],
  },
  'POST /ingest/hotline/open311': ingestOperation(
    'Send Open311 GeoReport v2 service requests (signed with the hotline secret); mapped to ticket events (docs/open311.md)',
    'requests',
    z.toJSONSchema(open311RequestSchema, { io: 'input' }),
  ),
  'POST /ingest/sanitation/jt808': ingestOperation(
    'Send JT/T 808 location reports (0x0200) as hex frames per vehicle, signed with the sanitation secret (docs/jt808.md)',
    'records',
    z.toJSONSchema(jt808RecordSchema, { io: 'input' }),
  ),
  'GET /indicators': {
    summary: 'Daily indicators of a day or a range, for areas, as JSON or CSV',
    parameters: queryParameters(indicatorQuerySchema),
    responses: {
      200: {
        description: 'Items sorted by date then area',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: { items: { type: 'array', items: indicatorItem }, nextToken: { type: 'string' } },
            },
          },
          'text/csv': { schema: { type: 'string' } },
        },
      },
      400: errorResponse('Bad date, range, area, format, limit or token'),
      401: errorResponse('Missing or unknown token'),
    },
  },
  'GET /openapi.json': {
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
  },
  'GET /areas': {
    summary: 'Registered districts and streets with their names and area keys (no polygons), districts first',
    responses: {
      200: {
        description: 'Areas as PUT /reference/areas last registered them; no items before the first PUT',
        content: jsonContent({
          type: 'object',
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: ['area', 'code', 'name', 'level'],
                properties: {
                  area: { type: 'string', example: 'district:dongcheng' },
                  code: { type: 'string', example: 'dongcheng' },
                  name: { type: 'string', example: '东城区' },
                  level: { type: 'string', enum: ['district', 'street'] },
                  parent: { type: 'string', description: "A street's district code" },
                },
              },
            },
          },
        }),
      },
      401: errorResponse('Missing or unknown token'),
    },
  },
  'GET /feeds': {
    summary: 'Feed freshness: when each ingest source last had a record accepted, and how long ago',
    responses: {
      200: {
        description: 'One item per source; null times for a source that never had a record accepted',
        content: jsonContent({
          type: 'object',
          properties: {
            now: { type: 'string', format: 'date-time', description: "The hub's clock" },
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: ['source', 'lastAcceptedAt', 'ageSeconds'],
                properties: {
                  source: { type: 'string', enum: sources },
                  lastAcceptedAt: { type: ['string', 'null'], format: 'date-time' },
                  ageSeconds: { type: ['integer', 'null'], minimum: 0 },
                },
              },
            },
          },
        }),
      },
      401: errorResponse('Missing or unknown token'),
    },
  },
  'POST /admin/recompute': {
    summary: 'Recompute the indicators of a day or a range (at most 366 days) and answer when done',
    requestBody: {
      required: true,
      content: jsonContent(z.toJSONSchema(recomputeRequestSchema, { io: 'input' })),
    },
    responses: {
      200: { description: 'Days recomputed, with the areas whose values changed' },
      400: errorResponse('Bad date or range'),
      401: errorResponse('Missing or unknown token'),
      403: errorResponse('Not the admin token'),
    },
  },
  'GET /quarantine': {
    summary: 'Rejected records of a source with their errors and arrival time (kept 30 days), newest first',
    parameters: queryParameters(quarantineQuerySchema),
    responses: { 200: { description: 'Quarantined records' }, 400: errorResponse('Bad source or limit') },
  },
  'GET /admin/quality': {
    summary:
      'Area codes the registry does not know, with record counts per code and per source, over a range of days',
    parameters: queryParameters(qualityQuerySchema),
    responses: {
      200: { description: 'unknownCodes (code, records, bySource) and bySource totals' },
      400: errorResponse('Bad range'),
    },
  },
  'PUT /reference/areas': referenceOperation(
    'Replace the districts and streets (GeoJSON FeatureCollection of Polygon/MultiPolygon); every day is recomputed',
    areasSchema,
    '{districts, streets, recomputingDays}',
  ),
  'PUT /reference/calendar': referenceOperation(
    'Replace the holidays and make-up working days; every day is recomputed',
    calendarSchema,
    '{holidays, workdays, recomputingDays}',
  ),
  'PUT /reference/roads': referenceOperation(
    'Replace the road registry (GeoJSON LineStrings: segmentId, district, street?, widthM?, level?, planned?); coverage and every day are recomputed',
    roadsSchema,
    '{segments, plannedSegments, recomputingDays}',
  ),
  'PUT /reference/vehicles': referenceOperation(
    'Replace the vehicle registry ([{vehicleId, type, district}]); coverage and every day are recomputed',
    vehiclesSchema,
    '{vehicles, recomputingDays}',
  ),
  'PUT /reference/sync': referenceOperation(
    'Replace the sync rules: ticket categories (* globs) whose received tickets emit sync.case-requested',
    syncRulesSchema,
    '{ticketCategoriesToCityPlatform}',
  ),
  'POST /subscriptions': {
    summary:
      'Subscribe a URL to event types (ticket.*, case.closed, indicators.updated, sync.*), optionally for areas',
    requestBody: {
      required: true,
      content: jsonContent(z.toJSONSchema(createSubscriptionSchema, { io: 'input' })),
    },
    responses: {
      201: { description: '{id, url, events, areas, status, secret} — the secret is shown only here' },
      400: errorResponse('Invalid subscription'),
      422: errorResponse('The URL is refused: not https (deployed), or it resolves to a non-public address'),
    },
  },
  'GET /subscriptions': {
    summary: 'All subscriptions (without secrets)',
    responses: { 200: { description: '{items}' } },
  },
  'GET /subscriptions/{id}': {
    summary: 'One subscription (without its secret)',
    responses: { 200: { description: 'The subscription' }, 404: errorResponse('No such subscription') },
  },
  'PATCH /subscriptions/{id}': {
    summary: 'Change status, events, areas or description; rotateSecret: true returns a new secret once',
    requestBody: {
      required: true,
      content: jsonContent(z.toJSONSchema(patchSubscriptionSchema, { io: 'input' })),
    },
    responses: { 200: { description: 'The subscription' }, 404: errorResponse('No such subscription') },
  },
  'DELETE /subscriptions/{id}': {
    summary: 'Delete a subscription',
    responses: { 204: { description: 'Deleted' }, 404: errorResponse('No such subscription') },
  },
  'GET /subscriptions/{id}/deliveries': {
    summary:
      'Delivery attempts, newest first (event id, type, attempt, status code, error, duration, time; kept 30 days)',
    parameters: queryParameters(deliveriesQuerySchema),
    responses: { 200: { description: '{items}' }, 404: errorResponse('No such subscription') },
  },
  'POST /subscriptions/{id}/replay': {
    summary: 'Re-send the events of a window (kept 30 days) that the subscription wants',
    requestBody: {
      required: true,
      content: jsonContent(z.toJSONSchema(replayRequestSchema, { io: 'input' })),
    },
    responses: { 202: { description: '{replayed}' }, 404: errorResponse('No such subscription') },
  },
  'GET /health': { summary: 'Liveness', responses: { 200: { description: '{"status": "ok"}' } } },
  'GET /': {
    summary:
      'The analyst dashboard (HTML): indicators by district, trends, comparison, feed freshness, CSV; it asks for the analyst token',
    responses: { 200: { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } } },
  },
};

/** The OpenAPI 3.1 document of every route in the topology. */
export const openApiDocument = (serverUrl?: string) => {
  const paths: Record<string, Record<string, Operation>> = {};
  for (const route of routes as readonly RouteDecl[]) {
    const operation = operations[`${route.method} ${route.path}`] ?? { summary: route.path, responses: {} };
    paths[route.path] ??= {};
    const declared = (operation.parameters as { name: string; in: string }[] | undefined) ?? [];
    // Every {name} of the path is a required path parameter, unless the operation describes it.
    const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)]
      .map((match) => match[1] as string)
      .filter((name) => !declared.some((parameter) => parameter.in === 'path' && parameter.name === name))
      .map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    (paths[route.path] as Record<string, Operation>)[route.method.toLowerCase()] = {
      ...operation,
      ...(declared.length + pathParameters.length > 0
        ? { parameters: [...pathParameters, ...declared] }
        : {}),
      security: securityOf[route.auth],
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'cityhub',
      version: '1',
      description: 'Integration hub for city management: feeds in, daily indicators out',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: {
        analystToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'Local runtime: analystToken from the state file',
        },
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'Local runtime: adminToken from the state file',
        },
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'Deployed: AWS SigV4 (IAM)',
        },
        standardWebhooks: {
          type: 'apiKey',
          in: 'header',
          name: 'webhook-signature',
          description:
            'Standard Webhooks 1.0 with the source secret: webhook-id, webhook-timestamp, webhook-signature',
        },
      },
    },
  };
};
