import * as z from 'zod';
import { jt808RecordSchema } from '#shared/domain/jt808-ingest';
import {
  dayOutcomeSchema,
  qualityQuerySchema,
  qualityReportSchema,
  quarantinedRecordSchema,
  quarantineListSchema,
  quarantineQuerySchema,
  recomputeAnswerSchema,
  recomputeRequestSchema,
  redriveAnswerSchema,
  redriveRequestSchema,
} from '#shared/schemas/admin';
import { errorAnswerSchema, healthAnswerSchema } from '#shared/schemas/common';
import { ingestAnswerSchema, ingestBodySchema, recordSchemas, sources } from '#shared/schemas/ingest';
import {
  areaIndicatorMapSchema,
  eventPointsMapSchema,
  mapAreasQuerySchema,
  mapEventsQuerySchema,
  mapRoadsQuerySchema,
  roadCoverageMapSchema,
} from '#shared/schemas/map';
import { recordErrorSchema } from '#shared/schemas/messages';
import { openItemSchema, openItemsAnswerSchema, openItemsQuerySchema } from '#shared/schemas/open-items';
import { open311EnvelopeSchema, open311RequestSchema } from '#shared/schemas/open311';
import {
  areaListItemSchema,
  areaListSchema,
  feedStatusSchema,
  feedsAnswerSchema,
  indicatorItemSchema,
  indicatorPageSchema,
  indicatorQuerySchema,
} from '#shared/schemas/query';
import {
  alertsAnswerSchema,
  alertsSchema,
  areasAnswerSchema,
  areasSchema,
  calendarAnswerSchema,
  calendarSchema,
  roadsAnswerSchema,
  roadsSchema,
  supervisionAnswerSchema,
  supervisionSchema,
  vehiclesAnswerSchema,
  vehiclesSchema,
} from '#shared/schemas/reference';
import {
  createdSubscriptionSchema,
  createSubscriptionSchema,
  deliveriesQuerySchema,
  deliveryAttemptSchema,
  deliveryListSchema,
  patchedSubscriptionSchema,
  patchSubscriptionSchema,
  replayAnswerSchema,
  replayRequestSchema,
  subscriptionListSchema,
  subscriptionViewSchema,
  syncRulesAnswerSchema,
  syncRulesSchema,
} from '#shared/schemas/subscriptions';
import { type RouteAuth, type RouteDecl, routes } from '#shared/topology';

type JsonSchema = Record<string, unknown>;
type Operation = Record<string, unknown>;

/**
 * The answers the document names in `components.schemas`, each generated from the zod schema that
 * types it, so the document cannot drift from the code. A component nested in another is a `$ref`.
 */
const components = {
  Error: errorAnswerSchema,
  RecordError: recordErrorSchema,
  IngestAnswer: ingestAnswerSchema,
  IndicatorItem: indicatorItemSchema,
  IndicatorPage: indicatorPageSchema,
  Area: areaListItemSchema,
  AreaList: areaListSchema,
  FeedStatus: feedStatusSchema,
  FeedsAnswer: feedsAnswerSchema,
  RoadCoverageMap: roadCoverageMapSchema,
  AreaIndicatorMap: areaIndicatorMapSchema,
  EventPointsMap: eventPointsMapSchema,
  OpenItem: openItemSchema,
  OpenItemsAnswer: openItemsAnswerSchema,
  DayOutcome: dayOutcomeSchema,
  RecomputeAnswer: recomputeAnswerSchema,
  RedriveAnswer: redriveAnswerSchema,
  QuarantinedRecord: quarantinedRecordSchema,
  QuarantineList: quarantineListSchema,
  QualityReport: qualityReportSchema,
  AreasAnswer: areasAnswerSchema,
  CalendarAnswer: calendarAnswerSchema,
  RoadsAnswer: roadsAnswerSchema,
  VehiclesAnswer: vehiclesAnswerSchema,
  SyncRulesAnswer: syncRulesAnswerSchema,
  AlertsAnswer: alertsAnswerSchema,
  SupervisionAnswer: supervisionAnswerSchema,
  Subscription: subscriptionViewSchema,
  CreatedSubscription: createdSubscriptionSchema,
  PatchedSubscription: patchedSubscriptionSchema,
  SubscriptionList: subscriptionListSchema,
  DeliveryAttempt: deliveryAttemptSchema,
  DeliveryList: deliveryListSchema,
  ReplayAnswer: replayAnswerSchema,
  Health: healthAnswerSchema,
} as const satisfies Record<string, z.ZodType>;
type ComponentName = keyof typeof components;

/** Leaves out the bounds zod gives every integer (±2^53 − 1): they are JSON's, not the API's. */
const withoutSafeIntegerBounds = ({ jsonSchema }: { jsonSchema: JsonSchema }) => {
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
};

/**
 * The JSON Schema of a zod schema, for the document (without `$schema`: OpenAPI 3.1 sets the dialect).
 * A part JSON Schema cannot express (a transform's output) throws, unless `unrepresentable` is `'any'`.
 */
const jsonSchemaOf = (
  schema: z.ZodType,
  io: 'input' | 'output' = 'output',
  unrepresentable: 'throw' | 'any' = 'throw',
): JsonSchema => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io,
    unrepresentable,
    override: withoutSafeIntegerBounds,
  }) as JsonSchema;
  return json;
};

/** `components.schemas`, with `$ref`s between them. */
const componentSchemas = (() => {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(components)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    uri: (id) => `#/components/schemas/${id}`,
    override: withoutSafeIntegerBounds,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]),
  );
})();

const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });
/** A page as JSON (a component) or CSV (these columns), the next page's token in `x-next-token` for CSV. */
const pagedAnswer = (description: string, component: ComponentName, columns: string) => ({
  description,
  headers: {
    'x-next-token': {
      description: 'CSV only: where the next page starts (the nextToken of a JSON answer)',
      schema: jsonSchemaOf(z.string()),
    },
  },
  content: {
    'application/json': { schema: { $ref: `#/components/schemas/${component}` } },
    'text/csv': { schema: jsonSchemaOf(z.string().describe(columns)) },
  },
});

const answer = (description: string, component: ComponentName) => ({
  description,
  content: jsonContent({ $ref: `#/components/schemas/${component}` }),
});
const errorResponse = (description: string) => answer(description, 'Error');
/** A GeoJSON answer (`application/geo+json`, RFC 7946) typed by a component. */
const geoJsonAnswer = (description: string, component: ComponentName) => ({
  description,
  content: { 'application/geo+json': { schema: { $ref: `#/components/schemas/${component}` } } },
});

const securityOf: Record<RouteAuth, unknown[]> = {
  signature: [{ standardWebhooks: [] }],
  analyst: [{ analystToken: [] }, { openId: [] }],
  admin: [{ adminToken: [] }, { openId: [] }],
  open: [],
};

/** The answers every route of an auth kind may give before its handler runs. */
const authResponsesOf: Record<RouteAuth, Record<number, unknown>> = {
  signature: {},
  analyst: { 401: errorResponse('Missing or unknown token') },
  admin: { 401: errorResponse('Missing or unknown token'), 403: errorResponse('Not the admin token') },
  open: {},
};

/**
 * The query parameters of a route, read from the zod schema its handler validates them with (names,
 * types, limits, defaults, descriptions), so the document cannot drift from the code.
 */
export const queryParameters = (schema: z.ZodType) => {
  const json = jsonSchemaOf(schema, 'input', 'any') as {
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

/** A request body: the envelope its handler checks (`{"records": [...]}`), its list items described by `items`. */
const envelopeOf = (envelope: z.ZodObject, list: string, items: JsonSchema): JsonSchema => {
  const json = jsonSchemaOf(envelope, 'input') as JsonSchema & { properties: Record<string, JsonSchema> };
  return { ...json, properties: { ...json.properties, [list]: { ...json.properties[list], items } } };
};

/** An ingest route: a signed list of items, answered with the ingest counts. */
const ingestOperation = (
  summary: string,
  envelope: z.ZodObject,
  list: string,
  items: JsonSchema,
  extra: Record<number, unknown> = {},
) => ({
  summary,
  requestBody: { required: true, content: jsonContent(envelopeOf(envelope, list, items)) },
  responses: {
    202: answer(
      'At least one item accepted or a duplicate; the rest listed by index. The same body again under the same webhook-id (24 h): the first answer, nothing changed',
      'IngestAnswer',
    ),
    400: errorResponse(`Body is not JSON or not {"${list}": [...]}`),
    401: errorResponse('Missing or bad Standard Webhooks signature, or timestamp more than 5 minutes off'),
    409: errorResponse('The webhook-id was used for a different body within 24 hours; nothing changed'),
    413: errorResponse('Body larger than 5 MB'),
    422: answer(
      'Every item rejected (again, with the first answer, for the same body under the same webhook-id)',
      'IngestAnswer',
    ),
    ...extra,
  },
});

/** Open311: `{"requests": [...]}` or the bare array a GeoReport v2 server answers `GET /requests.json` with. */
const open311Operation = () => {
  const items = jsonSchemaOf(open311RequestSchema, 'input');
  const operation = ingestOperation(
    'Send Open311 GeoReport v2 service requests as a server returns them (signed with the hotline secret); mapped to ticket events (docs/open311.md)',
    open311EnvelopeSchema,
    'requests',
    items,
  );
  const wrapped = envelopeOf(open311EnvelopeSchema, 'requests', items);
  const bare = { type: 'array', minItems: 1, maxItems: 1000, items };
  return {
    ...operation,
    requestBody: { required: true, content: jsonContent({ oneOf: [wrapped, bare] }) },
    responses: {
      ...operation.responses,
      400: errorResponse(
        'Body is not JSON (integers with leading zeros aside) or neither {"requests": [...]} nor [...]',
      ),
    },
  };
};

/** A reference route: the whole set replaced, answered with its counts; every day recomputed. */
const referenceOperation = (
  summary: string,
  schema: z.ZodType,
  description: string,
  component: ComponentName,
) => ({
  summary,
  requestBody: { required: true, content: jsonContent(jsonSchemaOf(schema, 'input')) },
  responses: {
    200: answer(description, component),
    400: errorResponse('Invalid set; the message names each problem'),
  },
});

/** `GET /openapi.json`: the parts of this document a client can rely on. */
const documentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

const operations: Record<string, Operation> = {
  // One route per source (each throttled on its own on AWS); a path naming another source is a 404.
  ...Object.fromEntries(
    sources.map((source) => [
      `POST /ingest/${source}`,
      ingestOperation(
        `Send a signed batch of 1 to 1000 ${source} records (at most 5 MB)`,
        ingestBodySchema,
        'records',
        jsonSchemaOf(recordSchemas[source], 'input'),
      ),
    ]),
  ),
  'POST /ingest/hotline/open311': open311Operation(),
  'POST /ingest/sanitation/jt808': ingestOperation(
    'Send JT/T 808 location reports (0x0200) and location batch uploads (0x0704), sub-packaged or not, as hex frames per vehicle, signed with the sanitation secret (docs/jt808.md)',
    ingestBodySchema,
    'records',
    jsonSchemaOf(jt808RecordSchema, 'input'),
  ),
  'GET /indicators': {
    summary: 'Daily indicators of a day or a range, for areas, as JSON or CSV',
    parameters: queryParameters(indicatorQuerySchema),
    responses: {
      200: pagedAnswer(
        'Items sorted by date then area',
        'IndicatorPage',
        'date,area,<every indicator>,revision,computedAt; null is an empty cell',
      ),
      400: errorResponse('Bad date, range, area, format, limit or token'),
    },
  },
  'GET /openapi.json': {
    summary: 'This document',
    responses: {
      200: { description: 'OpenAPI 3.1 document', content: jsonContent(jsonSchemaOf(documentSchema)) },
    },
  },
  'GET /areas': {
    summary: 'Registered districts and streets with their names and area keys (no polygons), districts first',
    responses: {
      200: answer(
        'Areas as PUT /reference/areas last registered them; no items before the first PUT',
        'AreaList',
      ),
    },
  },
  'GET /feeds': {
    summary: 'Feed freshness: when each ingest source last had a record accepted, and how long ago',
    responses: {
      200: answer(
        'One item per source; null times for a source that never had a record accepted',
        'FeedsAnswer',
      ),
    },
  },
  'GET /map/roads': {
    summary: 'Map of a day: every road segment (LineString) with the share of it cleaned that day',
    parameters: queryParameters(mapRoadsQuerySchema),
    responses: {
      200: geoJsonAnswer(
        'A FeatureCollection of the road registry; shares sum to cleanedRoadKm (Σ share × lengthM)',
        'RoadCoverageMap',
      ),
      400: errorResponse('Missing or bad date, or a parameter the route does not take'),
    },
  },
  'GET /map/areas': {
    summary: "Map of a day: districts and streets (polygons) with one indicator's value that day",
    parameters: queryParameters(mapAreasQuerySchema),
    responses: {
      200: geoJsonAnswer('A FeatureCollection of the registered areas, districts first', 'AreaIndicatorMap'),
      400: errorResponse(
        'Missing or bad date, unknown indicator or level, or a parameter the route does not take',
      ),
    },
  },
  'GET /map/events': {
    summary:
      "Map of a day: the day's tickets and cases as points (kind, id, category, status), at most limit",
    parameters: queryParameters(mapEventsQuerySchema),
    responses: {
      200: geoJsonAnswer(
        'A FeatureCollection of points; truncated is true when the day has more than limit',
        'EventPointsMap',
      ),
      400: errorResponse('Missing or bad date, kind or limit, or a parameter the route does not take'),
    },
  },
  'GET /open-items': {
    summary:
      'Open tickets and cases with their deadline, share of the limit used and warning light (督办), sorted by deadline, as JSON or CSV',
    parameters: queryParameters(openItemsQuerySchema),
    responses: {
      200: pagedAnswer(
        'Items sorted by deadline (the most urgent first), then kind and id',
        'OpenItemsAnswer',
        'kind,id,category,startedAt,deadline,usedShare,light,overdueMinutes,area,name',
      ),
      400: errorResponse(
        'Bad area, kind, light, format, limit or token, or a parameter the route does not take',
      ),
      404: errorResponse('An area that is not registered (GET /areas lists them)'),
    },
  },
  'POST /admin/recompute': {
    summary: 'Recompute the indicators of a day or a range (at most 366 days) and answer when done',
    requestBody: { required: true, content: jsonContent(jsonSchemaOf(recomputeRequestSchema, 'input')) },
    responses: {
      200: answer('Days recomputed, with the areas whose values changed', 'RecomputeAnswer'),
      400: errorResponse('Bad date or range'),
    },
  },
  'POST /admin/redrive': {
    summary:
      'Move dead letters back to their queue (one queue, or every queue); with dryRun, count them and show a sample instead',
    requestBody: { required: true, content: jsonContent(jsonSchemaOf(redriveRequestSchema, 'input')) },
    responses: {
      200: answer('Per queue: dead letters found, a sample (dry run) or how many moved', 'RedriveAnswer'),
      400: errorResponse('Not {"queue"?, "dryRun"?} with a declared queue name'),
      409: errorResponse("A move of that queue's dead letters is still running"),
    },
  },
  'GET /quarantine': {
    summary: 'Rejected records of a source with their errors and arrival time (kept 30 days), newest first',
    parameters: queryParameters(quarantineQuerySchema),
    responses: {
      200: answer('Quarantined records', 'QuarantineList'),
      400: errorResponse('Bad source or limit'),
    },
  },
  'GET /admin/quality': {
    summary:
      'Area codes the registry does not know, with record counts per code and per source, over a range of days',
    parameters: queryParameters(qualityQuerySchema),
    responses: {
      200: answer('unknownCodes (code, records, bySource) and bySource totals', 'QualityReport'),
      400: errorResponse('Bad range'),
    },
  },
  'PUT /reference/areas': referenceOperation(
    'Replace the districts and streets (GeoJSON FeatureCollection of Polygon/MultiPolygon); every day is recomputed',
    areasSchema,
    'Districts and streets registered, and the days queued for recomputing',
    'AreasAnswer',
  ),
  'PUT /reference/calendar': referenceOperation(
    'Replace the holidays and make-up working days; every day is recomputed',
    calendarSchema,
    'Holidays and workdays registered, and the days queued for recomputing',
    'CalendarAnswer',
  ),
  'PUT /reference/roads': referenceOperation(
    'Replace the road registry (GeoJSON LineStrings: segmentId, district, street?, widthM?, level?, planned?); coverage and every day are recomputed',
    roadsSchema,
    'Segments registered, and the days queued for recomputing',
    'RoadsAnswer',
  ),
  'PUT /reference/vehicles': referenceOperation(
    'Replace the vehicle registry ([{vehicleId, type, district}]); coverage and every day are recomputed',
    vehiclesSchema,
    'Vehicles registered, and the days queued for recomputing',
    'VehiclesAnswer',
  ),
  'PUT /reference/sync': referenceOperation(
    'Replace the sync rules: ticket categories (* globs) whose received tickets emit sync.case-requested',
    syncRulesSchema,
    'Ticket categories registered',
    'SyncRulesAnswer',
  ),
  'PUT /reference/alerts': referenceOperation(
    'Replace the indicator alert rules (indicator, areas, below or above, at HH:MM city time) and the minutes of silence after which each feed is silent; announced as indicator.alert, feed.silent and feed.resumed',
    alertsSchema,
    'Rules registered, and the sources given their own silence minutes',
    'AlertsAnswer',
  ),
  'PUT /reference/supervision': referenceOperation(
    'Replace the share of its time limit from which an open ticket or case shows yellow: yellowAt, and per category',
    supervisionSchema,
    'The default share and how many categories have their own',
    'SupervisionAnswer',
  ),
  'POST /subscriptions': {
    summary:
      'Subscribe a URL to event types (ticket.*, case.closed, indicators.updated, sync.*), optionally for areas',
    requestBody: { required: true, content: jsonContent(jsonSchemaOf(createSubscriptionSchema, 'input')) },
    responses: {
      201: answer('The subscription with its secret, which is shown only here', 'CreatedSubscription'),
      400: errorResponse('Invalid subscription'),
      422: errorResponse('The URL is refused: not https (deployed), or it resolves to a non-public address'),
    },
  },
  'GET /subscriptions': {
    summary: 'All subscriptions (without secrets)',
    responses: { 200: answer('Every subscription', 'SubscriptionList') },
  },
  'GET /subscriptions/{id}': {
    summary: 'One subscription (without its secret)',
    responses: {
      200: answer('The subscription', 'Subscription'),
      404: errorResponse('No such subscription'),
    },
  },
  'PATCH /subscriptions/{id}': {
    summary:
      'Change status, events, areas or description; rotateSecret: true returns a new secret once, and the old one signs deliveries beside it for a while (24 hours by default)',
    requestBody: { required: true, content: jsonContent(jsonSchemaOf(patchSubscriptionSchema, 'input')) },
    responses: {
      200: answer(
        'The subscription; after rotateSecret with its new secret and until when the old one stays valid',
        'PatchedSubscription',
      ),
      400: errorResponse('Invalid patch'),
      404: errorResponse('No such subscription'),
      409: errorResponse('Another rotation of the same secret won three times over; try again'),
      422: errorResponse('Activating it, but its URL is refused (as for POST /subscriptions)'),
    },
  },
  'DELETE /subscriptions/{id}': {
    summary: 'Delete a subscription',
    responses: { 204: { description: 'Deleted' }, 404: errorResponse('No such subscription') },
  },
  'GET /subscriptions/{id}/deliveries': {
    summary:
      'Delivery attempts, newest first (event id, type, attempt, status code, error, duration, time; kept 30 days)',
    parameters: queryParameters(deliveriesQuerySchema),
    responses: {
      200: answer('Delivery attempts, newest first', 'DeliveryList'),
      400: errorResponse('Bad limit'),
      404: errorResponse('No such subscription'),
    },
  },
  'POST /subscriptions/{id}/replay': {
    summary: 'Re-send the events of a window (kept 30 days) that the subscription wants',
    requestBody: { required: true, content: jsonContent(jsonSchemaOf(replayRequestSchema, 'input')) },
    responses: {
      202: answer('Deliveries queued', 'ReplayAnswer'),
      400: errorResponse('Bad window, or one longer than 30 days'),
      404: errorResponse('No such subscription'),
    },
  },
  'GET /health': { summary: 'Liveness', responses: { 200: answer('Alive', 'Health') } },
  'GET /': {
    summary:
      'The analyst dashboard (HTML): indicators by district, trends, comparison, feed freshness, CSV; it asks for the analyst token',
    responses: {
      200: { description: 'The page', content: { 'text/html': { schema: jsonSchemaOf(z.string()) } } },
    },
  },
};

/** The OpenAPI 3.1 document of every route in the topology. */
export const openApiDocument = (
  serverUrl?: string,
  issuer: string | undefined = process.env.SIGN_IN_ISSUER,
) => {
  const paths: Record<string, Record<string, Operation>> = {};
  for (const route of routes as readonly RouteDecl[]) {
    const operation = operations[`${route.method} ${route.path}`] ?? { summary: route.path, responses: {} };
    paths[route.path] ??= {};
    const declared = (operation.parameters as { name: string; in: string }[] | undefined) ?? [];
    // Every {name} of the path is a required path parameter, unless the operation describes it.
    const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)]
      .map((match) => match[1] as string)
      .filter((name) => !declared.some((parameter) => parameter.in === 'path' && parameter.name === name))
      .map((name) => ({ name, in: 'path', required: true, schema: jsonSchemaOf(z.string()) }));
    (paths[route.path] as Record<string, Operation>)[route.method.toLowerCase()] = {
      ...operation,
      ...(declared.length + pathParameters.length > 0
        ? { parameters: [...pathParameters, ...declared] }
        : {}),
      responses: { ...(operation.responses as object), ...authResponsesOf[route.auth] },
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
      schemas: componentSchemas,
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
        openId: {
          // Where the provider is unknown (the local hub in bearer-token mode), a JWT bearer scheme.
          ...(issuer
            ? {
                type: 'openIdConnect',
                openIdConnectUrl: `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
              }
            : { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
          description:
            'Deployed (and the local OIDC mode): an OpenID Connect access token as "Authorization: Bearer <token>". Analyst routes need the analyst or admin group (cognito:groups or groups claim) or the cityhub/analyst or cityhub/admin scope; admin routes the admin group or the cityhub/admin scope. Browsers sign in with the authorization-code flow and PKCE, systems use client credentials.',
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
