import * as z from 'zod';

/** Area code of a district or street: lower-case letters, digits and dashes (CONTRACT §3). */
export const areaCodeSchema = z
  .string()
  .max(64, 'must be at most 64 characters')
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must match ^[a-z0-9][a-z0-9-]*$ (lower-case letters, digits, dashes)');

/** Instants taken: from `from` (included) until `until` (excluded); JT/T 808 frames carry 2000 to 2099. */
export const INSTANT_RANGE = { from: '1970-01-01T00:00:00Z', until: '2100-01-01T00:00:00Z' } as const;
const instantFrom = Date.parse(INSTANT_RANGE.from);
const instantUntil = Date.parse(INSTANT_RANGE.until);

/**
 * RFC 3339 timestamp that carries an offset (`Z` or `±hh:mm`), from 1970 to 2099 in UTC: a time such
 * as year 0 or 9999-12-31T23:59:59-23:59 (year 10000 in UTC) is no event of a city, and the day and
 * time-zone arithmetic downstream refuses it.
 */
export const instantSchema = z.iso
  .datetime({
    offset: true,
    message: 'must be an RFC 3339 time with an offset, e.g. 2026-03-01T09:30:00+08:00',
  })
  .refine(
    (value) => {
      const at = Date.parse(value);
      // A value that is no time at all has the format's message only.
      return Number.isNaN(at) || (at >= instantFrom && at < instantUntil);
    },
    { message: `must fall from ${INSTANT_RANGE.from} until ${INSTANT_RANGE.until}` },
  );

/** A calendar date `YYYY-MM-DD` that exists. */
export const dateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((value) => {
    const parsed = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
  }, 'is not a calendar date');

/** Identifiers chosen by the source systems (event, ticket, case, vehicle ids). */
export const idSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters');

/** A `limit` query parameter: a whole number from 1 to `max`, `fallback` when absent. */
export const limitParamSchema = (max: number, fallback: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, `must be 1 to ${max}`)
    .max(max, `must be 1 to ${max}`)
    .default(fallback);

/** A `nextToken` as the API hands it out: the JSON of where the next page starts, base64url. */
export const encodePageToken = (token: unknown): string =>
  Buffer.from(JSON.stringify(token)).toString('base64url');

/** Reads a `nextToken` back into the shape `token` describes; anything else is a clear 400. */
export const pageTokenSchemaOf = <Token extends z.ZodType>(token: Token) =>
  z.string().transform((value, context): z.infer<Token> => {
    try {
      return token.parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    } catch {
      context.addIssue({ code: 'custom', message: 'is not a nextToken this API returned' });
      return z.NEVER;
    }
  });

export const locationSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});
export type Location = z.infer<typeof locationSchema>;

/** Area keys: `city`, `district:<code>`, `street:<code>`. */
export const areaKeySchema = z
  .string()
  .regex(
    /^(city|district:[a-z0-9][a-z0-9-]*|street:[a-z0-9][a-z0-9-]*)$/,
    'must be city, district:<code> or street:<code>',
  );
export type AreaKey = z.infer<typeof areaKeySchema>;

/** Every 4xx and 5xx answer: `{"error": "..."}` (5xx without internals). */
export const errorAnswerSchema = z.object({
  error: z.string().describe('What was wrong, with the bad value, and how to fix it'),
});
export type ErrorAnswer = z.infer<typeof errorAnswerSchema>;

/** `GET /health`. */
export const healthAnswerSchema = z.object({ status: z.literal('ok') });
export type HealthAnswer = z.infer<typeof healthAnswerSchema>;

/** A type with every property and array readonly, all the way down. */
type Frozen<T> = T extends readonly (infer Item)[]
  ? readonly Frozen<Item>[]
  : T extends object
    ? { readonly [Key in keyof T]: Frozen<T[Key]> }
    : T;

/**
 * `true` when two types describe the same values, readonly modifiers aside (optional and required
 * properties, extra properties and nullability all count). Used as `true satisfies Agree<A, B>` where a
 * schema's type and a type declared elsewhere (domain, use-case) must not drift apart.
 */
export type Agree<A, B> =
  (<T>() => T extends Frozen<A> ? 1 : 2) extends <T>() => T extends Frozen<B> ? 1 : 2 ? true : false;
