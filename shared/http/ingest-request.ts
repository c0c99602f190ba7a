import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { IngestRequest } from '#shared/app/ingest';
import type { Unwrapped } from '#shared/domain/batch';
import { parseWorkingFlag } from '#shared/domain/jt808';
import { unwrapJt808 } from '#shared/domain/jt808-ingest';
import { parseOpen311Json, unwrapOpen311 } from '#shared/domain/open311';
import { bodyBytes, type HttpEvent, parseJsonBody, textBody } from '#shared/http/api';
import { NotFoundError, PayloadTooLargeError } from '#shared/http/errors';
import { verifySignature } from '#shared/http/signature';
import { ingestLimits, type Source, sources } from '#shared/schemas/ingest';
import { excerpt } from '#shared/schemas/messages';
import type { RouteKeyOf } from '#shared/topology';

/** Which JT/T 808 status bit says a vehicle is working, e.g. `0x2A:2` (see shared/domain/jt808.ts). */
export const jt808EnvSchema = z.object({ JT808_WORKING_FLAG: z.string().default('0x2A:2') });

/** What an ingest route takes: whose secret signs it, and how its body becomes records. */
export interface IngestRoute {
  readonly source: Source;
  /** Turns a body other than `{"records": [...]}` into records. @default - the body is `{"records": [...]}` */
  readonly unwrap?: (body: unknown) => Unwrapped;
  /** Reads the body's text. @default JSON.parse */
  readonly parse?: (text: string) => unknown;
}

/** Every ingest route of the topology (a missing or extra one is a compile error). */
export type IngestRoutes = Readonly<Record<RouteKeyOf<'ingest'>, IngestRoute>>;

/**
 * One route per source for `{"records": [...]}` (each with its own throttle on AWS), Open311 GeoReport
 * v2 service requests, signed with the hotline secret, and JT/T 808 location report frames, signed
 * with the sanitation secret, read with this working flag.
 */
export const ingestRoutes = (jt808WorkingFlag: string): IngestRoutes => ({
  'POST /ingest/hotline': { source: 'hotline' },
  'POST /ingest/city-platform': { source: 'city-platform' },
  'POST /ingest/sanitation': { source: 'sanitation' },
  'POST /ingest/hotline/open311': { source: 'hotline', unwrap: unwrapOpen311, parse: parseOpen311Json },
  'POST /ingest/sanitation/jt808': {
    source: 'sanitation',
    unwrap: unwrapJt808(parseWorkingFlag(jt808WorkingFlag)),
  },
});

/**
 * Reads a signed ingest request (CONTRACT §4): its source (the route's; a path naming no source has no
 * route, so API Gateway answers 404), a body of at most 5 MB (413), signed with one of the source's
 * secrets (401), and JSON (400). Everything but the request id that ingest needs.
 */
export const readSignedBatch = async (
  event: HttpEvent,
  routes: IngestRoutes,
  secretsOf: (source: Source) => Promise<readonly string[]>,
): Promise<Omit<IngestRequest, 'requestId'>> => {
  const route = Object.hasOwn(routes, event.routeKey)
    ? routes[event.routeKey as RouteKeyOf<'ingest'>]
    : undefined;
  if (!route) {
    throw new NotFoundError(
      `no ingest route ${excerpt(event.routeKey)}: POST /ingest/<source> with one of ${sources.join(', ')}`,
    );
  }
  const { source } = route;
  const size = bodyBytes(event);
  if (size > ingestLimits.maxBytes) {
    throw new PayloadTooLargeError(
      `body is ${size} bytes; at most ${ingestLimits.maxBytes} bytes (5 MB) per request`,
    );
  }
  const text = textBody(event);
  const webhookId = verifySignature(await secretsOf(source), text, event.headers);
  return {
    source,
    body: parseJsonBody(event, route.parse),
    bodyDigest: createHash('sha256').update(text).digest('base64url'),
    webhookId,
    ...(route.unwrap ? { unwrap: route.unwrap } : {}),
  };
};
