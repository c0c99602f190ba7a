import * as z from 'zod';
import { idSchema, instantSchema } from '#shared/schemas/common';
import type { HotlineRecord } from '#shared/schemas/ingest';

/** A coordinate as a number or a numeric string (some servers send strings); null or blank means none. */
const coordinate = (min: number, max: number) =>
  z.preprocess(
    (value) => (value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value),
    z
      .union([
        z.number(),
        z
          .string()
          .trim()
          .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
          .transform(Number),
      ])
      .pipe(z.number().min(min).max(max))
      .optional(),
  );

/** An identifier as a string or, as the specification's own examples write ids and codes, a number. */
const identifier = <Schema extends z.ZodType<string, string>>(schema: Schema) =>
  z.preprocess(
    (value) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value),
    schema,
  );

/** An optional field that servers also send as `null`. */
const nullable = <Schema extends z.ZodType>(schema: Schema) =>
  z.preprocess((value) => (value === null ? undefined : value), schema.optional());

/**
 * One Open311 GeoReport v2 service request, as `GET /requests.json` returns it: ids and codes as
 * strings or numbers, `null` for any optional field. Fields cityhub does not map (description,
 * address, address_id, zipcode, service_name, agency_responsible, media_url, …) are kept on the events.
 */
export const open311RequestSchema = z
  .looseObject({
    service_request_id: identifier(idSchema),
    status: z.enum(['open', 'closed']),
    service_code: identifier(z.string().trim().min(1, 'must not be empty').max(200)),
    requested_datetime: instantSchema,
    updated_datetime: nullable(instantSchema),
    expected_datetime: nullable(instantSchema),
    lat: coordinate(-90, 90),
    long: coordinate(-180, 180),
  })
  .superRefine((request, context) => {
    if (request.status === 'closed' && !request.updated_datetime) {
      context.addIssue({
        code: 'custom',
        path: ['updated_datetime'],
        message: 'is required when status is closed (it is the closing time)',
      });
    }
    if ((request.lat === undefined) !== (request.long === undefined)) {
      context.addIssue({ code: 'custom', path: ['lat'], message: 'lat and long go together' });
    }
  });
export type Open311Request = z.infer<typeof open311RequestSchema>;

/** `{"requests": [...]}`: the wrapped form of an Open311 body. */
export const open311EnvelopeSchema = z.object({
  requests: z
    .array(z.unknown())
    .min(1, 'requests must hold at least 1 request')
    .max(1000, 'requests must hold at most 1000 requests'),
});

/**
 * The body of `POST /ingest/hotline/open311`: `{"requests": [...]}`, or the bare array `GET
 * /requests.json` returns, as it comes.
 */
export const open311BodySchema = z.preprocess(
  (body) => (Array.isArray(body) ? { requests: body } : body),
  open311EnvelopeSchema,
);

/**
 * The hotline ticket events a service request stands for (docs/open311.md): always `received` at
 * `requested_datetime`; also `closed` at `updated_datetime` when the status is closed.
 */
export const open311ToTicketEvents = (request: Open311Request): HotlineRecord[] => {
  const {
    service_request_id: ticketId,
    status,
    service_code: category,
    requested_datetime,
    updated_datetime,
    expected_datetime,
    lat,
    long,
    ...kept
  } = request;
  const received: HotlineRecord = {
    ...kept,
    eventId: `open311:${ticketId}:received`,
    ticketId,
    type: 'received',
    occurredAt: requested_datetime,
    category,
    channel: 'open311',
    ...(expected_datetime ? { deadlineAt: expected_datetime } : {}),
    ...(lat !== undefined && long !== undefined ? { location: { lat, lon: long } } : {}),
  };
  if (status !== 'closed' || !updated_datetime) return [received];
  return [
    received,
    {
      eventId: `open311:${ticketId}:closed`,
      ticketId,
      type: 'closed',
      occurredAt: updated_datetime,
      category,
      channel: 'open311',
    },
  ];
};
