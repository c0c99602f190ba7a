import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { IngestRequest } from '#shared/app/ingest';
import type { Unwrapped } from '#shared/domain/batch';
import { parseWorkingFlag } from '#shared/domain/jt808';
import { unwrapJt808 } from '#shared/domain/jt808-ingest';
import { unwrapOpen311 } from '#shared/domain/open311';
import { bodyBytes, type HttpEvent, parseJsonBody, textBody } from '#shared/http/api';
import { NotFoundError, PayloadTooLargeError } from '#shared/http/errors';
import { verifySignature } from '#shared/http/signature';
import { ingestLimits, type Source, sourceSchema, sources } from '#shared/schemas/ingest';
import { excerpt } from '#shared/schemas/messages';
import type { RouteKeyOf } from '#shared/topology';

/** Which JT/T 808 status bit says a vehicle is working, e.g. `0x2A:2` (see shared/domain/jt808.ts). */
export const jt808EnvSchema = z.object({ JT808_WORKING_FLAG: z.string().default('0x2A:2') });

/** A body format other than `{"records": [...]}`, with the source whose secret signs it. */
export interface BodyFormat {
  readonly source: Source;
  readonly unwrap: (body: unknown) => Unwrapped;
}

/** The ingest routes with their own body format (the others are `POST /ingest/{source}`). */
export type BodyFormats = Readonly<Partial<Record<RouteKeyOf<'ingest'>, BodyFormat>>>;

/**
 * Open311 GeoReport v2 service requests, signed with the hotline secret, and JT/T 808 location report
 * frames, signed with the sanitation secret, read with this working flag.
 */
export const bodyFormats = (jt808WorkingFlag: string): BodyFormats => ({
  'POST /ingest/hotline/open311': { source: 'hotline', unwrap: unwrapOpen311 },
  'POST /ingest/sanitation/jt808': {
    source: 'sanitation',
    unwrap: unwrapJt808(parseWorkingFlag(jt808WorkingFlag)),
  },
});

/**
 * Reads a signed ingest request (CONTRACT §4): its source (the route's, or the `{source}` parameter;
 * 404 when unknown), a body of at most 5 MB (413), signed with the source's secret (401), and JSON
 * (400). Everything but the request id that ingest needs.
 */
export const readSignedBatch = async (
  event: HttpEvent,
  formats: BodyFormats,
  secretOf: (source: Source) => Promise<string>,
): Promise<Omit<IngestRequest, 'requestId'>> => {
  const format = Object.hasOwn(formats, event.routeKey)
    ? formats[event.routeKey as RouteKeyOf<'ingest'>]
    : undefined;
  const parsedSource = sourceSchema.safeParse(format?.source ?? event.pathParameters?.source);
  if (!parsedSource.success) {
    throw new NotFoundError(
      `unknown source '${excerpt(event.pathParameters?.source ?? '')}': use one of ${sources.join(', ')}`,
    );
  }
  const source = parsedSource.data;
  const size = bodyBytes(event);
  if (size > ingestLimits.maxBytes) {
    throw new PayloadTooLargeError(
      `body is ${size} bytes; at most ${ingestLimits.maxBytes} bytes (5 MB) per request`,
    );
  }
  const text = textBody(event);
  const webhookId = verifySignature(await secretOf(source), text, event.headers);
  return {
    source,
    body: parseJsonBody(event),
    bodyDigest: createHash('sha256').update(text).digest('base64url'),
    webhookId,
    ...(format ? { unwrap: format.unwrap } : {}),
  };
};
