import fc from 'fast-check';
import { indicatorNames } from '#shared/domain/indicators/catalogue';
import { encodeLocationFrame } from '#shared/domain/jt808';
import { redriveQueueNames } from '#shared/schemas/admin';
import { caseEventTypes, ingestLimits, sources, ticketEventTypes } from '#shared/schemas/ingest';
import { MAX_MAP_EVENTS } from '#shared/schemas/map';
import { vehicleTypes } from '#shared/schemas/reference';
import { webhookEventTypes } from '#shared/schemas/subscriptions';
import type { RouteDecl } from '#shared/topology';
import type { HubState } from '../support/hub-process.ts';
import { type Expectation, type HostileCase, hostileCase, type Signing, strangerSecret } from './harness.ts';
import {
  anyJson,
  anyString,
  badAreaCode,
  badCoordinate,
  badDate,
  badEnum,
  badId,
  badInstant,
  badLocation,
  badText,
  contentType,
  deeplyNested,
  encodeSegment,
  headerValue,
  hostileKey,
  hostileQuery,
  invalidUtf8Body,
  type JsonLike,
  type JsonObject,
  MISSING,
  notBoolean,
  notJsonText,
  notNumber,
  notObject,
  notString,
  overflowNumber,
  RawJson,
  repeatedString,
  toJsonText,
  withKeys,
} from './hostile.ts';

/**
 * A fuzzer for every route of `routes` (shared/topology.ts), keyed `METHOD /path`. Each gives a request
 * the route would carry out (sent with wrong credentials, so that only they are wrong; signed routes
 * have a wrong-signature family instead) and families of hostile inputs sent with good credentials,
 * each case saying what the hub must answer. The hub under test is empty but for one subscription, so
 * every id but that one is unknown.
 */

export interface FuzzContext {
  readonly state: HubState;
  /** The one subscription the hub has. */
  readonly subscriptionId: string;
}

/** A request a route would carry out: path with query, and body. */
export interface ValidRequest {
  readonly target: string;
  readonly body?: string;
}

export interface RouteFuzzer {
  /**
   * A request the route would carry out were the credentials right (its own input valid): sent with
   * wrong tokens, and plain for the answer a route without input must keep giving. Signed routes have
   * their own wrong-signature family instead.
   */
  readonly valid?: (context: FuzzContext) => ValidRequest;
  /** Hostile inputs with good credentials, by family. */
  readonly inputs: (context: FuzzContext) => Readonly<Record<string, fc.Arbitrary<HostileCase>>>;
}

export const routeKey = (route: Pick<RouteDecl, 'method' | 'path'>) => `${route.method} ${route.path}`;

/** Families whose every case costs seconds (megabytes sent, 1000 records quarantined): run a few times only. */
const costlyFamilies = new WeakSet<fc.Arbitrary<HostileCase>>();
const costly = (cases: fc.Arbitrary<HostileCase>) => {
  costlyFamilies.add(cases);
  return cases;
};

/** A family of hostile cases of one route. */
export interface Family {
  readonly cases: fc.Arbitrary<HostileCase>;
  readonly costly: boolean;
}

/**
 * Path segments as they go on the wire: any text percent-encoded (at most 5,000 characters so, with the
 * headers, under the 16 KB Node allows), or malformed percent-encoding sent as is. `.` and `..` are left
 * out: the client resolves them away before sending.
 */
const encodedSegment = fc.oneof(
  fc
    .oneof(anyString, repeatedString(200, 3_000))
    .filter((value) => value !== '' && value !== '.' && value !== '..')
    .map(encodeSegment)
    .filter((encoded) => encoded.length <= 5_000),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%2F', 'a%2Fb', '%C0%AF', '%ED%A0%80'),
);

/** Extra headers a hostile client adds; never ones the hub reads. */
const extraHeaders = fc.dictionary(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).map((name) => `x-fuzz-${name}`),
  headerValue,
  { maxKeys: 3 },
);

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** Either token opens analyst routes; only the admin token opens admin routes. */
const goodCredentials = (route: RouteDecl, state: HubState) =>
  route.auth === 'admin'
    ? fc.constant(bearer(state.adminToken))
    : route.auth === 'analyst'
      ? fc.constantFrom(bearer(state.analystToken), bearer(state.adminToken))
      : fc.constant({});

/** Authorization headers that name no role: missing, other schemes, tokens altered by one character. */
const badAuthorization = (state: HubState): fc.Arbitrary<Record<string, string>> => {
  const known = [state.adminToken, state.analystToken];
  const altered = fc
    .record({
      token: fc.constantFrom(...known),
      at: fc.nat(),
      change: fc.constantFrom('flip', 'drop', 'append', 'prefix'),
    })
    .map(({ token, at, change }) => {
      const index = at % token.length;
      if (change === 'drop') return token.slice(0, index) + token.slice(index + 1);
      if (change === 'append') return `${token}x`;
      if (change === 'prefix') return `x${token}`;
      const character = token[index] === 'A' ? 'B' : 'A';
      return token.slice(0, index) + character + token.slice(index + 1);
    });
  return fc.oneof(
    fc.constant({}),
    fc
      .constantFrom('', 'Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', 'Token x', 'null')
      .map((value) => ({ authorization: value })),
    fc.constantFrom(...known).map((token) => ({ authorization: token })),
    fc.constantFrom(...known).map((token) => ({ authorization: `Basic ${token}` })),
    fc.constantFrom(...known).map((token) => ({ authorization: `Bearer ${token} ${token}` })),
    altered.map(bearer),
    headerValue.filter((token) => !/\s/.test(token) && !known.includes(token)).map(bearer),
  );
};

const ANY_4XX = { refused: 'any-4xx' } as const;
const refused = (...statuses: number[]): Expectation => ({ refused: statuses });

// ---------------------------------------------------------------------------------------------------
// Records: valid ones to break, and the fields each source's contract defines.

interface FieldRule {
  readonly required: boolean;
  /** Values the contract refuses for this field. */
  readonly bad: fc.Arbitrary<JsonLike>;
}

/** A valid RFC 3339 time with an offset, in 2020–2030. */
const instant = fc
  .record({
    ms: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
    zone: fc.constantFrom('Z', '+08:00', '-05:30'),
  })
  .map(({ ms, zone }) => {
    if (zone === 'Z') return new Date(ms).toISOString();
    const minutes = zone === '+08:00' ? 480 : -330;
    return `${new Date(ms + minutes * 60_000).toISOString().slice(0, 19)}${zone}`;
  });
const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_:-]{0,30}$/);

const hotlineRecord = fc.record({
  eventId: id,
  ticketId: id,
  type: fc.constantFrom(...ticketEventTypes),
  occurredAt: instant,
  category: fc.constantFrom('city.road-damage', 'noise', '市容环境'),
});
const hotlineRules: Record<string, FieldRule> = {
  eventId: { required: true, bad: badId },
  ticketId: { required: true, bad: badId },
  type: { required: true, bad: badEnum(ticketEventTypes) },
  occurredAt: { required: true, bad: badInstant },
  category: { required: true, bad: badText(200, true) },
  severity: { required: false, bad: badEnum(['minor', 'major', 'difficult']) },
  deadlineAt: { required: false, bad: badInstant },
  district: { required: false, bad: badAreaCode },
  street: { required: false, bad: badAreaCode },
  location: { required: false, bad: badLocation },
  satisfaction: { required: false, bad: badEnum(['satisfied', 'neutral', 'dissatisfied']) },
  channel: { required: false, bad: badText(100) },
};

const cityPlatformRecord = fc.record({
  eventId: id,
  caseId: id,
  type: fc.constantFrom(...caseEventTypes),
  occurredAt: instant,
  category: fc.constantFrom('market', 'street-lamp'),
});
const cityPlatformRules: Record<string, FieldRule> = {
  eventId: { required: true, bad: badId },
  caseId: { required: true, bad: badId },
  type: { required: true, bad: badEnum(caseEventTypes) },
  occurredAt: { required: true, bad: badInstant },
  kind: { required: false, bad: badEnum(['component', 'event']) },
  category: { required: true, bad: badText(200, true) },
  subcategory: { required: false, bad: badText(200) },
  deadlineAt: { required: false, bad: badInstant },
  urgent: { required: false, bad: notBoolean },
  district: { required: false, bad: badAreaCode },
  street: { required: false, bad: badAreaCode },
  grid: { required: false, bad: badText(100) },
  location: { required: false, bad: badLocation },
  origin: { required: false, bad: badEnum(['inspector', 'hotline', 'video', 'public']) },
  linkedTicketId: { required: false, bad: badId },
};

const point = fc.record({
  t: instant,
  lat: fc.double({ min: -90, max: 90, noNaN: true }),
  lon: fc.double({ min: -180, max: 180, noNaN: true }),
});
const pointRules: Record<string, FieldRule> = {
  t: { required: true, bad: badInstant },
  lat: { required: true, bad: badCoordinate(90) },
  lon: { required: true, bad: badCoordinate(180) },
  speedKmh: {
    required: false,
    bad: fc.oneof(fc.double({ max: -1e-9, min: -1e308, noNaN: true, noDefaultInfinity: true }), notNumber),
  },
  working: { required: false, bad: notBoolean },
};

/** A record with at least one field the contract refuses, and maybe unknown fields (which are fine). */
const broken = (
  valid: fc.Arbitrary<JsonObject>,
  rules: Readonly<Record<string, FieldRule>>,
): fc.Arbitrary<JsonObject> =>
  fc
    .tuple(
      valid,
      fc.subarray(Object.keys(rules), { minLength: 1, maxLength: 3 }),
      fc.dictionary(hostileKey, anyJson, { maxKeys: 2 }),
    )
    .chain(([base, fields, extra]) =>
      fc
        .tuple(
          ...fields.map((field) => {
            const rule = rules[field] as FieldRule;
            return rule.required ? fc.oneof(fc.constant(MISSING), rule.bad) : rule.bad;
          }),
        )
        .map((values) => {
          const unknown = Object.fromEntries(
            Object.entries(extra).filter(([key]) => !Object.hasOwn(rules, key) && key !== 'points'),
          );
          return withKeys(
            withKeys(unknown as JsonObject, base),
            Object.fromEntries(fields.map((field, index) => [field, values[index] ?? null])),
          );
        }),
    );

/** Points of which at least one breaks the contract; sometimes all 10,000 of the contract's limit. */
const brokenPoints: fc.Arbitrary<JsonLike> = fc.oneof(
  { arbitrary: fc.constantFrom([], null, '[]', {}, 0), weight: 1 },
  {
    arbitrary: fc
      .tuple(
        fc.array(point, { maxLength: 20 }),
        fc.array(broken(point, pointRules), { minLength: 1, maxLength: 5 }),
        fc.nat(),
      )
      .map(([good, bad, at]) => {
        const all: JsonLike[] = [...good];
        for (const [index, value] of bad.entries()) all.splice((at + index) % (all.length + 1), 0, value);
        return all;
      }),
    weight: 6,
  },
  { arbitrary: fc.array(notObject, { minLength: 1, maxLength: 5 }), weight: 1 },
  {
    // The contract's limit: 10,000 points, every one or just one of them bad (a small bad one: 10,000
    // copies of a point with a 5,000-character key would be 50 MB).
    arbitrary: fc
      .tuple(
        broken(point, pointRules).filter((bad) => toJsonText(bad).length <= 200),
        point,
        fc.boolean(),
      )
      .map(([bad, good, allBad]) =>
        Array.from({ length: 10_000 }, (_, index) => (allBad || index === 9_999 ? bad : good)),
      ),
    weight: 1,
  },
  {
    // One over the limit.
    arbitrary: point.map((good) => Array.from({ length: 10_001 }, () => good)),
    weight: 1,
  },
);
const sanitationRecord = fc.record({
  eventId: id,
  vehicleId: id,
  points: fc.array(point, { minLength: 1, maxLength: 5 }),
});
const sanitationRules: Record<string, FieldRule> = {
  eventId: { required: true, bad: badId },
  vehicleId: { required: true, bad: badId },
  points: { required: true, bad: brokenPoints },
};

const brokenRecords: Record<Source, fc.Arbitrary<JsonLike>> = {
  hotline: fc.oneof(
    { arbitrary: broken(hotlineRecord, hotlineRules), weight: 9 },
    { arbitrary: notObject, weight: 1 },
  ),
  'city-platform': fc.oneof(
    { arbitrary: broken(cityPlatformRecord, cityPlatformRules), weight: 9 },
    { arbitrary: notObject, weight: 1 },
  ),
  sanitation: fc.oneof(
    { arbitrary: broken(sanitationRecord, sanitationRules), weight: 9 },
    { arbitrary: notObject, weight: 1 },
  ),
};
const validRecords: Record<Source, fc.Arbitrary<JsonObject>> = {
  hotline: hotlineRecord,
  'city-platform': cityPlatformRecord,
  sanitation: sanitationRecord,
};

// Open311 service requests and JT/T 808 frames.

const open311Request = fc.record({
  service_request_id: id,
  status: fc.constant('open'),
  service_code: fc.constantFrom('pothole', 'graffiti'),
  requested_datetime: instant,
  lat: fc.constant(39.9),
  long: fc.constant(116.4),
});
/** Open311 takes coordinates as numbers or numeric strings, and null or blank as none. */
const badOpen311Coordinate = (limit: number): fc.Arbitrary<JsonLike> =>
  fc.oneof(
    fc.double({ min: limit + 1e-9, max: 1e308, noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: limit + 1, max: 100_000 }).map(String),
    overflowNumber,
    fc.constantFrom('abc', '39.9.1', '1e2', '--1', true, false, [], {}, [39.9]),
  );
/** Open311 ids and codes may be numbers, as the specification's examples write them. */
const isNoNumber = (value: JsonLike) => typeof value !== 'number';
const open311Rules: Record<string, FieldRule> = {
  service_request_id: { required: true, bad: badId.filter(isNoNumber) },
  status: { required: true, bad: badEnum(['open', 'closed']) },
  service_code: { required: true, bad: badText(200, true).filter(isNoNumber) },
  requested_datetime: { required: true, bad: badInstant },
  // Every optional field may be null (none).
  updated_datetime: { required: false, bad: badInstant.filter((value) => value !== null) },
  expected_datetime: { required: false, bad: badInstant.filter((value) => value !== null) },
  lat: { required: false, bad: badOpen311Coordinate(90) },
  long: { required: false, bad: badOpen311Coordinate(180) },
};
const brokenOpen311: fc.Arbitrary<JsonLike> = fc.oneof(
  { arbitrary: broken(open311Request, open311Rules), weight: 8 },
  // Closed without the closing time; one coordinate without the other.
  { arbitrary: open311Request.map((request) => withKeys(request, { status: 'closed' })), weight: 1 },
  { arbitrary: open311Request.map((request) => withKeys(request, { long: MISSING })), weight: 1 },
  { arbitrary: notObject, weight: 1 },
);

const frame = fc
  .record({
    t: instant,
    lat: fc.double({ min: -90, max: 90, noNaN: true }),
    lon: fc.double({ min: -180, max: 180, noNaN: true }),
  })
  .map(({ t, lat, lon }) =>
    encodeLocationFrame({ terminal: '13800138000', serial: 1, t, lat, lon, speedKmh: 5, working: true }),
  );
/** Frames the decoder must refuse: each breaks the framing, the checksum or the hex. */
const badFrame: fc.Arbitrary<JsonLike> = fc.oneof(
  frame.map((good) => good.slice(0, -2)),
  frame.map((good) => `${good.slice(0, -4)}${good.slice(-4, -2) === '55' ? 'aa' : '55'}7e`),
  frame.map((good) => `7e0201${good.slice(6)}`),
  frame.map((good) => good.slice(0, Math.max(2, good.length >> 1))),
  fc.uint8Array({ maxLength: 60 }).map((bytes) => `00${Buffer.from(bytes).toString('hex')}`),
  fc.constantFrom('', 'zz', '7', '7e7e', '7e0200', 'g'.repeat(10), '7e 02 00 7e'),
  repeatedString(4_097, 6_000),
  notString,
);
const jt808Record = fc.record({
  eventId: id,
  vehicleId: id,
  frames: fc.array(frame, { minLength: 1, maxLength: 3 }),
});
const jt808Rules: Record<string, FieldRule> = {
  eventId: { required: true, bad: badId },
  vehicleId: { required: true, bad: badId },
  frames: {
    required: true,
    bad: fc.oneof(
      fc.constantFrom([], null, 'frames', {}),
      fc.array(badFrame, { minLength: 1, maxLength: 20 }),
      badFrame
        .filter((bad) => toJsonText(bad).length <= 200)
        .map((bad) => Array.from({ length: 10_000 }, () => bad)),
      frame.map((good) => Array.from({ length: 10_001 }, () => good)),
    ),
  },
};
const brokenJt808: fc.Arbitrary<JsonLike> = fc.oneof(
  { arbitrary: broken(jt808Record, jt808Rules), weight: 9 },
  { arbitrary: notObject, weight: 1 },
);

// ---------------------------------------------------------------------------------------------------
// Ingest routes: signatures and bodies.

type Source = (typeof sources)[number];

interface IngestFormat {
  readonly path: fc.Arbitrary<{ target: string; source: Source }>;
  /** Key of the list in the body: `records` or `requests`. */
  readonly list: string;
  /** Items the route would accept, of a source. */
  readonly valid: (source: Source) => fc.Arbitrary<JsonLike>;
  /** Items the contract refuses, of a source. */
  readonly broken: (source: Source) => fc.Arbitrary<JsonLike>;
  /** The route also takes the list bare (`[...]`, Open311's own answer), not only as `{list: [...]}`. */
  readonly bareList?: boolean;
}

const json = (value: JsonLike) => toJsonText(value);

/** The answer a signed body must get: 413 over 5 MB, else what the body deserves. */
const bySize = (body: string | Buffer, otherwise: Expectation): Expectation =>
  Buffer.byteLength(body) > ingestLimits.maxBytes ? refused(413) : otherwise;

const signingFor = (state: HubState, source: Source): Signing => ({
  secret: state.sourceSecrets[source],
});

/** Everything wrong a signature can be, on a body that would otherwise be accepted. */
const signatureAttacks = (state: HubState, format: IngestFormat) =>
  fc
    .record({
      path: format.path,
      attack: fc.oneof(
        fc
          .subarray(['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const, { minLength: 1 })
          .map((omit) => ({ omit })),
        fc.constant({ secret: strangerSecret() }),
        fc.constant({ otherSource: true }),
        fc.constantFrom(' ', '\n', 'x', '{}').map((tamper) => ({ tamper })),
        fc.integer({ min: 310, max: 20 * 365 * 86_400 }).map((seconds) => ({ offsetSeconds: seconds })),
        fc.integer({ min: 310, max: 20 * 365 * 86_400 }).map((seconds) => ({ offsetSeconds: -seconds })),
        fc
          .oneof(
            fc.constantFrom('', 'abc', '1e9', '-1', '0x10', '+1', '\u00bd', '9'.repeat(40), '1.5'),
            headerValue,
          )
          .map((timestamp) => ({ timestamp })),
        fc
          .constantFrom(
            (valid: string) => valid.replace('v1,', 'v2,'),
            (valid: string) => valid.slice(3),
            (valid: string) => `v1,${Buffer.from(valid.slice(3), 'base64').reverse().toString('base64')}`,
            (valid: string) => valid.replace('v1,', 'v1, '),
            (valid: string) => `${valid.slice(0, -4)}${valid.endsWith('AAA=') ? 'BBB=' : 'AAA='}`,
            () => 'v1,',
            () => 'v1,****',
            () =>
              Array.from(
                { length: 150 },
                (_, index) => `v1,${Buffer.alloc(32, index).toString('base64')}`,
              ).join(' '),
          )
          .map((signature) => ({ signature })),
        fc.constant({ otherId: true }),
      ),
    })
    .chain(({ path, attack }) =>
      fc
        .array(format.valid(path.source), { minLength: 1, maxLength: 3 })
        .map((records) => ({ path, attack, records })),
    )
    .map(({ path, records, attack }) => {
      const body = json({ [format.list]: records });
      const signing: Record<string, unknown> = { ...signingFor(state, path.source) };
      let sent = body;
      if ('omit' in attack) signing.omit = attack.omit;
      if ('secret' in attack) signing.secret = attack.secret;
      if ('otherSource' in attack) {
        signing.secret = state.sourceSecrets[sources.find((source) => source !== path.source) ?? 'hotline'];
      }
      if ('tamper' in attack) {
        signing.signedBody = body;
        sent = `${body}${attack.tamper}`;
      }
      if ('offsetSeconds' in attack) signing.offsetSeconds = attack.offsetSeconds;
      if ('timestamp' in attack) signing.timestamp = attack.timestamp;
      if ('signature' in attack) signing.signature = attack.signature;
      if ('otherId' in attack) signing.signedId = (id: string) => `${id}-other`;
      return hostileCase(
        {
          label: `wrong signature: ${Object.keys(attack).join(', ')}`,
          method: 'POST',
          target: path.target,
          headers: { 'content-type': 'application/json' },
          body: sent,
          signing: signing as unknown as Signing,
        },
        refused(401),
      );
    });

/** Hostile bodies, signed right. */
const ingestInputs = (state: HubState, format: IngestFormat) => {
  const signedCase = (
    label: string,
    target: string,
    source: Source,
    body: string | Buffer,
    expectation: Expectation,
    type = 'application/json',
  ) =>
    hostileCase(
      {
        label,
        method: 'POST',
        target,
        headers: { 'content-type': type },
        body,
        signing: signingFor(state, source),
      },
      bySize(body, expectation),
    );
  const list = (source: Source) => fc.array(format.broken(source), { minLength: 1, maxLength: 25 });
  return {
    'records the contract refuses': fc
      .tuple(
        format.path,
        contentType.filter((type) => type !== ''),
      )
      .chain(([path, type]) =>
        list(path.source)
          // Under the 10 MB the API takes at all (5 to 10 MB is the ingest route's own 413).
          .filter((records) => Buffer.byteLength(json({ [format.list]: records })) < 9 * 1024 * 1024)
          .map((records) =>
            signedCase(
              'bad records',
              path.target,
              path.source,
              json({ [format.list]: records }),
              { rejectedRecords: records.length },
              type,
            ),
          ),
      ),
    'a full batch of 1000 bad records, and one over': costly(
      fc.tuple(format.path, fc.constantFrom(1_000, 1_001)).chain(([path, count]) =>
        // Small records: 1000 of them stay under 5 MB.
        format
          .broken(path.source)
          .filter((record) => json(record).length <= 4_000)
          .map((record) => {
            const body = json({ [format.list]: Array.from({ length: count }, () => record) });
            return signedCase(
              `${count} bad records`,
              path.target,
              path.source,
              body,
              count > 1000 ? refused(400) : { rejectedRecords: count },
            );
          }),
      ),
    ),
    'bodies that are not a batch': fc
      .tuple(
        format.path,
        fc.oneof(
          notJsonText,
          fc
            .oneof(notObject, fc.constant([]), fc.array(anyJson, { maxLength: format.bareList ? 0 : 3 }))
            .filter((body) => !(format.bareList && Array.isArray(body) && body.length > 0))
            .map(json),
          fc
            .constantFrom<JsonLike>({}, { [format.list]: [] }, { [format.list.toUpperCase()]: [{}] })
            .map(json),
          fc
            .oneof(notObject, fc.dictionary(hostileKey, anyJson, { maxKeys: 2 }))
            .map((list) => json({ [format.list]: list })),
        ),
      )
      .map(([path, body]) => signedCase('not a batch', path.target, path.source, body, refused(400))),
    'deeply nested bodies': fc
      .tuple(format.path, deeplyNested(65, 200_000), fc.boolean())
      .map(([path, deep, inRecord]) => {
        const body = inRecord
          ? json({ [format.list]: [new RawJson(`{"eventId":"e1","x":${deep.text}}`)] })
          : json({ [format.list]: [deep] });
        return signedCase('deep nesting', path.target, path.source, body, refused(400));
      }),
    'bodies that are not UTF-8': fc
      .tuple(format.path, fc.constantFrom('application/json', 'application/octet-stream', 'text/plain'))
      .chain(([path, type]) => format.valid(path.source).map((record) => [path, record, type] as const))
      .chain(([path, record, type]) =>
        invalidUtf8Body(fc.constant(json({ [format.list]: [record] }))).map((bytes) =>
          signedCase('invalid UTF-8', path.target, path.source, bytes, refused(400), type),
        ),
      ),
    'bodies over 5 MB': costly(
      fc
        .tuple(format.path, fc.integer({ min: ingestLimits.maxBytes + 1, max: 9 * 1024 * 1024 }))
        .map(([path, size]) => {
          const prefix = `{"${format.list}":[{"eventId":"big","x":"`;
          const body = `${prefix}${'x'.repeat(size - prefix.length - 4)}"}]}`;
          return signedCase('over 5 MB', path.target, path.source, body, refused(413));
        }),
    ),
    'webhook-ids longer than 256 characters': fc
      .tuple(format.path, fc.integer({ min: 257, max: 6_000 }))
      .chain(([path, length]) => format.valid(path.source).map((record) => [path, record, length] as const))
      .map(([path, record, length]) =>
        hostileCase(
          {
            label: 'long webhook-id',
            method: 'POST',
            target: path.target,
            headers: { 'content-type': 'application/json' },
            body: json({ [format.list]: [record] }),
            signing: { ...signingFor(state, path.source), id: 'i'.repeat(length) },
          },
          refused(400),
        ),
      ),
  };
};

const ingestFuzzer = (
  format: IngestFormat,
  extra: (state: HubState) => Record<string, fc.Arbitrary<HostileCase>> = () => ({}),
): RouteFuzzer => ({
  inputs: ({ state }) => ({
    'wrong signatures': signatureAttacks(state, format),
    ...ingestInputs(state, format),
    ...extra(state),
  }),
});

/** Signed posts to `/ingest/<x>` for an x that names no source: no route takes them. */
const unknownSources = (state: HubState): Record<string, fc.Arbitrary<HostileCase>> => ({
  'unknown sources': fc
    .tuple(
      encodedSegment.filter((source) => {
        try {
          return !(sources as readonly string[]).includes(decodeURIComponent(source));
        } catch {
          return true;
        }
      }),
      fc.constantFrom(...sources),
    )
    .map(([source, secret]) =>
      hostileCase(
        {
          label: 'unknown source',
          method: 'POST',
          target: `/ingest/${source}`,
          headers: { 'content-type': 'application/json' },
          body: '{"records":[{}]}',
          signing: signingFor(state, secret),
        },
        ANY_4XX,
      ),
    ),
});

// ---------------------------------------------------------------------------------------------------
// Analyst and admin routes.

/** A query string built from parameters, with extra unknown ones (GET /indicators refuses them, others ignore them). */
const query = (params: fc.Arbitrary<Record<string, string | readonly string[]>>, known: readonly string[]) =>
  fc
    .tuple(
      params,
      fc.dictionary(
        fc.stringMatching(/^[a-z_]{1,10}$/).filter((name) => !known.includes(name)),
        anyString,
        { maxKeys: 2 },
      ),
    )
    .map(([given, extra]) => {
      const search = new URLSearchParams();
      for (const [name, value] of Object.entries({ ...extra, ...given })) {
        for (const one of typeof value === 'string' ? [value] : value) search.append(name, one);
      }
      const text = search.toString();
      return text ? `?${text}` : '';
    });

const date = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) })
  .map((ms) => new Date(ms).toISOString().slice(0, 10));
const asText = (value: JsonLike) => (typeof value === 'string' ? value : toJsonText(value));
const badDateText = badDate.map(asText);
/** Two dates more than 366 days apart, or `to` before `from`. */
const badRange = fc.oneof(
  fc
    .tuple(date, fc.integer({ min: 367, max: 4_000 }))
    .map(
      ([from, days]) =>
        [from, new Date(Date.parse(from) + (days - 1) * 86_400_000).toISOString().slice(0, 10)] as const,
    ),
  fc
    .tuple(date, fc.integer({ min: 1, max: 400 }))
    .map(
      ([from, days]) =>
        [from, new Date(Date.parse(from) - days * 86_400_000).toISOString().slice(0, 10)] as const,
    ),
);
const badAreaKey = fc.oneof(
  fc.constantFrom(
    '',
    'City',
    'district:',
    'street:',
    'district:Bad',
    'district:东城',
    'area:x',
    'district:a:b',
    ' city',
  ),
  anyString.filter(
    (value) =>
      !/^(city|district:[a-z0-9][a-z0-9-]*|street:[a-z0-9][a-z0-9-]*)$/.test(value) && !value.includes(','),
  ),
);
const badLimit = fc.oneof(
  fc.constantFrom('0', '-1', '1001', '1.5', 'abc', 'NaN', 'Infinity', '1e999', '', '10000000000000000000000'),
  anyString.filter((value) => Number.isNaN(Number(value))),
);

const indicatorQueries = fc.oneof(
  fc.constant({}),
  badDateText.map((value) => ({ date: value })),
  fc.tuple(date, date).map(([day, from]) => ({ date: day, from })),
  date.map((from) => ({ from })),
  date.map((to) => ({ to })),
  fc.tuple(badDateText, date).map(([from, to]) => ({ from, to })),
  badRange.map(([from, to]) => ({ from, to })),
  fc.tuple(date, badAreaKey).map(([day, area]) => ({ date: day, area })),
  date.map((day) => ({ date: day, area: Array.from({ length: 101 }, (_, index) => `district:d${index}`) })),
  fc
    .tuple(
      date,
      anyString.filter((value) => value !== 'json' && value !== 'csv'),
    )
    .map(([day, format]) => ({ date: day, format })),
  fc.tuple(date, badLimit).map(([day, limit]) => ({ date: day, limit })),
  fc
    .tuple(
      date,
      fc.oneof(
        anyString,
        fc.base64String(),
        fc.constant(Buffer.from('{"date":"2026-02-30","area":"city"}').toString('base64url')),
      ),
    )
    .map(([day, nextToken]) => ({ date: day, nextToken })),
);

/** Map queries: the day is required, and so is an indicator of the catalogue for the areas. */
const mapRoadsQueries = fc.oneof(
  fc.constant({}),
  badDateText.map((value) => ({ date: value })),
);
const mapAreasQueries = fc.oneof(
  fc.constant({}),
  badDateText.map((value) => ({ date: value, indicator: 'ticketsReceived' })),
  date.map((day) => ({ date: day })),
  fc
    .tuple(
      date,
      anyString.filter((value) => !(indicatorNames as readonly string[]).includes(value)),
    )
    .map(([day, indicator]) => ({ date: day, indicator })),
  fc
    .tuple(
      date,
      anyString.filter((value) => value !== 'district' && value !== 'street'),
    )
    .map(([day, level]) => ({ date: day, indicator: 'roadCleaningRate', level })),
);
const badMapLimit = fc.oneof(
  fc.constantFrom('0', '-1', String(MAX_MAP_EVENTS + 1), '1.5', 'abc', 'NaN', 'Infinity', '1e999', ''),
  anyString.filter((value) => Number.isNaN(Number(value))),
);
const mapEventsQueries = fc.oneof(
  fc.constant({}),
  badDateText.map((value) => ({ date: value })),
  fc
    .tuple(
      date,
      anyString.filter((value) => value !== 'ticket' && value !== 'case'),
    )
    .map(([day, kind]) => ({ date: day, kind })),
  fc.tuple(date, badMapLimit).map(([day, limit]) => ({ date: day, limit })),
);

/** `GET /open-items` queries with a kind, light, format, limit or token the route refuses. */
const openItemsQueries = fc.oneof(
  anyString.filter((value) => value !== 'ticket' && value !== 'case').map((kind) => ({ kind })),
  anyString
    .filter((value) => !['green', 'yellow', 'red', 'paused'].includes(value))
    .map((light) => ({ light })),
  anyString.filter((value) => value !== 'json' && value !== 'csv').map((format) => ({ format })),
  badMapLimit.map((limit) => ({ limit })),
  anyString.map((token) => ({ nextToken: `~${token}` })),
);

/** Bodies an admin route refuses as a whole: not JSON, not UTF-8, nested too deep, of the wrong type. */
const unreadableBodies = (valid: string) =>
  fc.oneof(
    notJsonText.map((body) => ({ label: 'not JSON', body: body as string | Buffer })),
    invalidUtf8Body(fc.constant(valid)).map((body) => ({
      label: 'invalid UTF-8',
      body: body as string | Buffer,
    })),
    deeplyNested(65, 200_000).map((deep) => ({ label: 'deep nesting', body: deep.text as string | Buffer })),
    fc
      .integer({ min: 100_000, max: 2_000_000 })
      .map((size) => ({ label: 'huge string', body: JSON.stringify('s'.repeat(size)) as string | Buffer })),
  );

/** A hostile-input family of a route that takes a JSON body: bodies the route's schema refuses. */
const bodyFamily = (
  method: string,
  target: string | fc.Arbitrary<string>,
  bodies: fc.Arbitrary<JsonLike>,
  valid: string,
  expectation: Expectation = refused(400),
) => {
  const targets = typeof target === 'string' ? fc.constant(target) : target;
  return fc
    .tuple(
      targets,
      fc.oneof(
        {
          arbitrary: bodies.map((body) => ({
            label: 'refused by the schema',
            body: toJsonText(body) as string | Buffer,
          })),
          weight: 4,
        },
        { arbitrary: unreadableBodies(valid), weight: 1 },
      ),
      contentType,
    )
    .map(([path, { label, body }, type]) =>
      hostileCase({ label, method, target: path, headers: { 'content-type': type }, body }, expectation),
    );
};

// Reference data.

const ring = fc.constant([
  [116.3, 39.9],
  [116.4, 39.9],
  [116.4, 40.0],
  [116.3, 39.9],
]);
const areaFeature = (code: string, level: 'district' | 'street', parent?: string) =>
  ring.map((positions) => ({
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates: [positions] },
    properties: { code, name: code, level, ...(parent ? { parent } : {}) },
  }));
const badPosition = fc.oneof(
  fc.tuple(badCoordinate(180), fc.constant(39.9)),
  fc.tuple(fc.constant(116.4), badCoordinate(90)),
  fc.constantFrom<JsonLike>([116.4], [116.4, 39.9, 1, 2], [], '116.4,39.9', null),
);
const brokenAreaFeature: fc.Arbitrary<JsonLike> = fc.oneof(
  areaFeature('d1', 'district').chain((feature) =>
    fc.oneof(
      badAreaCode.map((code) => ({ ...feature, properties: { ...feature.properties, code } })),
      badText(200, true).map((name) => ({ ...feature, properties: { ...feature.properties, name } })),
      badEnum(['district', 'street']).map((level) => ({
        ...feature,
        properties: { ...feature.properties, level },
      })),
      fc
        .constantFrom<JsonLike>('Point', 'LineString', 'polygon', null)
        .map((type) => ({ ...feature, geometry: { ...feature.geometry, type } })),
      badPosition.map((position) => ({
        ...feature,
        geometry: { type: 'Polygon', coordinates: [[position, [116.4, 39.9], [116.4, 40], position]] },
      })),
      fc
        .constantFrom<JsonLike>(
          [
            [
              [116.3, 39.9],
              [116.4, 39.9],
              [116.3, 39.9],
            ],
          ],
          [
            [
              [116.3, 39.9],
              [116.4, 39.9],
              [116.4, 40],
              [116.5, 40],
            ],
          ],
          [],
          [[]],
          'polygon',
        )
        .map((coordinates) => ({ ...feature, geometry: { type: 'Polygon', coordinates } })),
      notObject.map((properties) => ({ ...feature, properties })),
      fc.constantFrom('Feature ', 'feature', null).map((type) => ({ ...feature, type })),
    ),
  ),
  // A street without its district, and a code listed twice.
  areaFeature('s1', 'street', 'nowhere'),
  notObject,
);
const areasBody: fc.Arbitrary<JsonLike> = fc.oneof(
  fc
    .tuple(
      fc.array(areaFeature('d0', 'district'), { maxLength: 1 }),
      fc.array(brokenAreaFeature, { minLength: 1, maxLength: 3 }),
    )
    .map(([good, bad]) => ({ type: 'FeatureCollection', features: [...good, ...bad] })),
  areaFeature('d1', 'district').map((feature) => ({
    type: 'FeatureCollection',
    features: [feature, feature],
  })),
  fc.constantFrom<JsonLike>(
    { type: 'FeatureCollection' },
    { features: [] },
    { type: 'Feature', features: [] },
    [],
  ),
  notObject,
);

const road = fc.record({
  type: fc.constant('Feature'),
  geometry: fc.constant({
    type: 'LineString',
    coordinates: [
      [116.3, 39.9],
      [116.4, 39.9],
    ],
  }),
  properties: fc.record({ segmentId: id, district: fc.constant('d1') }),
});
const brokenRoad: fc.Arbitrary<JsonLike> = fc.oneof(
  road.chain((feature) =>
    fc.oneof(
      fc
        .oneof(badText(128, true), fc.constant(MISSING))
        .map((segmentId) => ({ ...feature, properties: withKeys(feature.properties, { segmentId }) })),
      fc
        .oneof(badAreaCode, fc.constant(MISSING))
        .map((district) => ({ ...feature, properties: withKeys(feature.properties, { district }) })),
      badAreaCode.map((street) => ({ ...feature, properties: { ...feature.properties, street } })),
      badText(200).map((name) => ({ ...feature, properties: { ...feature.properties, name } })),
      fc
        .oneof(fc.constantFrom<JsonLike>(0, -1, 200.5, 1e308, '15', null), overflowNumber)
        .map((widthM) => ({ ...feature, properties: { ...feature.properties, widthM } })),
      fc
        .constantFrom<JsonLike>(0, 5, 2.5, '1', null, -1)
        .map((level) => ({ ...feature, properties: { ...feature.properties, level } })),
      notBoolean.map((planned) => ({ ...feature, properties: { ...feature.properties, planned } })),
      fc
        .constantFrom<JsonLike>([[116.3, 39.9]], [], 'line', null)
        .map((coordinates) => ({ ...feature, geometry: { type: 'LineString', coordinates } })),
      badPosition.map((position) => ({
        ...feature,
        geometry: { type: 'LineString', coordinates: [position, [116.4, 39.9]] },
      })),
      fc
        .constantFrom('Polygon', 'MultiLineString')
        .map((type) => ({ ...feature, geometry: { ...feature.geometry, type } })),
    ),
  ),
  road.map((feature) => [feature, feature]),
  notObject,
);
const roadsBody: fc.Arbitrary<JsonLike> = fc.oneof(
  fc.tuple(fc.array(road, { maxLength: 2 }), brokenRoad).map(([good, bad]) => ({
    type: 'FeatureCollection',
    features: [
      ...good.map((feature, index) => ({
        ...feature,
        properties: { ...feature.properties, segmentId: `ok${index}` },
      })),
      ...(Array.isArray(bad) ? bad : [bad]),
    ],
  })),
  fc.constantFrom<JsonLike>({ type: 'FeatureCollection' }, { features: [] }, []),
  notObject,
);

const vehicle = fc.record({
  vehicleId: id,
  type: fc.constantFrom(...vehicleTypes),
  district: fc.constant('d1'),
});
const vehicleRules: Record<string, FieldRule> = {
  vehicleId: { required: true, bad: badText(128, true) },
  type: { required: true, bad: badEnum(vehicleTypes) },
  district: { required: true, bad: badAreaCode },
};
const vehiclesBody: fc.Arbitrary<JsonLike> = fc.oneof(
  fc
    .tuple(
      fc.array(
        vehicle.map((one) => ({ ...one, vehicleId: `v-${one.vehicleId}` })),
        { maxLength: 2 },
      ),
      fc.array(fc.oneof(broken(vehicle, vehicleRules), notObject), { minLength: 1, maxLength: 3 }),
    )
    .map(([good, bad]) => [...good, ...bad]),
  vehicle.map((one) => [one, one]),
  fc.oneof(notObject, fc.constant({ vehicles: [] })),
);

const calendarBody: fc.Arbitrary<JsonLike> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('holidays', 'workdays'),
      fc.array(badDate, { minLength: 1, maxLength: 3 }),
      fc.array(date, { maxLength: 3 }),
    )
    .map(([list, bad, good]) => ({ [list]: [...good, ...bad] })),
  date.map((day) => ({ holidays: [day], workdays: [day] })),
  fc
    .tuple(
      fc.constantFrom('holidays', 'workdays'),
      fc.oneof(
        notObject.filter((value) => value !== null),
        fc.constant({}),
      ),
    )
    .map(([list, value]) => ({ [list]: value })),
  fc.oneof(notObject, fc.constant([])),
);

const syncBody: fc.Arbitrary<JsonLike> = fc.oneof(
  fc
    .array(fc.oneof(badText(200, true), fc.constant(null)), { minLength: 1, maxLength: 3 })
    .map((categories) => ({ ticketCategoriesToCityPlatform: ['city.*', ...categories] })),
  fc.constant({ ticketCategoriesToCityPlatform: Array.from({ length: 1_001 }, (_, index) => `c${index}`) }),
  fc
    .oneof(
      notObject.filter((value) => value !== null),
      fc.constant({}),
    )
    .map((value) => ({ ticketCategoriesToCityPlatform: value })),
  fc.oneof(notObject, fc.constant([])),
);

const alertRule = {
  id: 'cases-on-time',
  indicator: 'caseOnTimeClosureRate',
  areas: 'district',
  below: 0.9,
  at: '17:00',
};

/** `PUT /reference/alerts` bodies its schema refuses: each field of a rule broken, bad feeds, not objects. */
const alertsBody: fc.Arbitrary<JsonLike> = fc.oneof(
  badAreaCode.map((id) => ({ rules: [{ ...alertRule, id }] })),
  badEnum(indicatorNames).map((indicator) => ({ rules: [{ ...alertRule, indicator }] })),
  fc
    .oneof(badEnum(['district', 'street', 'city']), fc.constantFrom([], ['dongcheng'], ['city', 7]))
    .map((areas) => ({ rules: [{ ...alertRule, areas }] })),
  notNumber.map((below) => ({ rules: [{ ...alertRule, below }] })),
  fc.constant({ rules: [{ ...alertRule, above: 1 }] }),
  fc.constant({ rules: [withKeys(alertRule, { below: MISSING })] }),
  fc
    .oneof(fc.constantFrom('24:00', '9:00', '17:60', '17:00:00', ''), notString)
    .map((at) => ({ rules: [{ ...alertRule, at }] })),
  fc.constant({ rules: [alertRule, alertRule] }),
  badEnum(sources).map((source) => ({ feeds: { [String(source)]: 30 } })),
  fc
    .oneof(fc.constantFrom(0, -1, 10_081, 1.5), notNumber)
    .map((minutes) => ({ feeds: { hotline: minutes } })),
  fc.oneof(notObject, fc.constant([])),
);

/** `PUT /reference/supervision` bodies its schema refuses: shares outside (0, 1), bad categories, other keys. */
const supervisionBody: fc.Arbitrary<JsonLike> = fc.oneof(
  fc.oneof(fc.constantFrom(0, 1, -0.5, 75, 1.01), notNumber).map((yellowAt) => ({ yellowAt })),
  fc.oneof(fc.constantFrom(0, 1, 75), notNumber).map((share) => ({ categories: { noise: share } })),
  fc.constant({ categories: { ' ': 0.5 } }),
  fc.oneof(notObject, fc.constant([])).map((categories) => ({ categories })),
  fc.constant({ yelowAt: 0.5 }),
  fc.oneof(notObject, fc.constant([])),
);

const recomputeBody: fc.Arbitrary<JsonLike> = fc.oneof(
  fc.constant({}),
  badDate.map((day) => ({ date: day })),
  fc.tuple(date, badDate).map(([day, to]) => ({ date: day, to })),
  badRange.map(([day, to]) => ({ date: day, to })),
  fc.oneof(notObject, fc.constant([])),
);

/** `POST /admin/redrive` bodies its schema refuses: unknown queues, a dryRun that is no boolean, other keys. */
const redriveBody: fc.Arbitrary<JsonLike> = fc.oneof(
  anyString
    .filter((queue) => !(redriveQueueNames as readonly string[]).includes(queue))
    .map((queue) => ({ queue, dryRun: true })),
  notBoolean.map((dryRun) => ({ dryRun })),
  fc
    .tuple(
      hostileKey.filter((key) => key !== 'queue' && key !== 'dryRun'),
      anyJson,
    )
    .map(([key, value]) => withKeys({ dryRun: true }, { [key]: value })),
  fc.oneof(notObject, fc.constant([])),
);

// Subscriptions.

const refusedUrl = fc.constantFrom(
  'http://10.1.2.3/hook',
  'http://172.16.0.1/hook',
  'http://192.168.1.1/hook',
  'http://169.254.169.254/latest/meta-data/',
  'http://100.64.0.1/hook',
  'http://0.0.0.0/hook',
  'http://[::]/hook',
  'http://[fd00::1]/hook',
  'http://[fe80::1]/hook',
  'http://[::ffff:10.0.0.1]/hook',
  'http://224.0.0.1/hook',
  'http://255.255.255.255/hook',
  'http://0x0a000001/hook',
  'http://012.0.0.1/hook',
  'ftp://8.8.8.8/hook',
  'https://user:secret@8.8.8.8/hook',
  'javascript:alert(1)',
  'file:///etc/passwd',
);
const badEventPattern = fc.oneof(
  fc.constantFrom(
    'ticket',
    'ticket.',
    'ticket.**',
    'tickets.*',
    '*.*',
    'case.*.*',
    'indicators.*.x',
    'TICKET.*',
    ' *',
    'sync',
    'webhook.updated',
  ),
  anyString.filter(
    (value) =>
      value !== '*' && !(webhookEventTypes as readonly string[]).includes(value) && !value.endsWith('.*'),
  ),
  notString,
);
const subscription = fc.record({
  url: fc.constant('http://127.0.0.1:9/hook'),
  events: fc.constant(['ticket.*']),
});
const subscriptionRules: Record<string, FieldRule> = {
  url: {
    required: true,
    bad: fc.oneof(
      fc.constantFrom('not a url', '', '//no-scheme', 'http://', '127.0.0.1:9/hook'),
      notString,
      fc.constant(`http://127.0.0.1:9/${'p'.repeat(2_100)}`),
    ),
  },
  events: {
    required: true,
    bad: fc.oneof(
      fc.constantFrom<JsonLike>([], 'ticket.*', null),
      fc.array(badEventPattern, { minLength: 1, maxLength: 3 }),
      fc.constant(Array.from({ length: 51 }, () => '*')),
    ),
  },
  areas: {
    required: false,
    bad: fc.oneof(
      fc.array(badAreaKey, { minLength: 1, maxLength: 3 }),
      fc.constantFrom<JsonLike>('city', null, {}),
      fc.constant(Array.from({ length: 201 }, () => 'city')),
    ),
  },
  description: { required: false, bad: badText(500) },
};
const patchBody: fc.Arbitrary<JsonLike> = fc.oneof(
  fc.constantFrom<JsonLike>(
    {},
    { unknown: 1 },
    { rotateSecret: false },
    { rotateSecret: 'true' },
    { status: 'deleted' },
    { status: null },
  ),
  badEnum(['active', 'disabled']).map((status) => ({ status })),
  fc
    .oneof(fc.constantFrom<JsonLike>([], null), fc.array(badEventPattern, { minLength: 1, maxLength: 3 }))
    .map((events) => ({ events })),
  fc
    .oneof(fc.constantFrom<JsonLike>('city', null), fc.array(badAreaKey, { minLength: 1, maxLength: 3 }))
    .map((areas) => ({ areas })),
  badText(500).map((description) => ({ description })),
  fc
    .tuple(fc.constantFrom('disabled', 'active'), badText(500))
    .map(([status, description]) => ({ status, description })),
  fc.oneof(notObject, fc.constant([])),
);
const replayBody: fc.Arbitrary<JsonLike> = fc.oneof(
  fc.constant({}),
  badInstant.map((since) => ({ since })),
  fc.tuple(instant, badInstant).map(([since, until]) => ({ since, until })),
  instant.map((until) => ({ until })),
  // `until` before `since`; a window over the 30 days events are kept.
  fc.integer({ min: 1, max: 10 * 86_400 }).map((seconds) => ({
    since: new Date(Date.now() - 1_000).toISOString(),
    until: new Date(Date.now() - 1_000 - seconds * 1000).toISOString(),
  })),
  fc
    .integer({ min: 31, max: 10_000 })
    .map((days) => ({ since: new Date(Date.now() - days * 86_400_000).toISOString() })),
  fc.oneof(notObject, fc.constant([])),
);
/** Ids of no subscription: random, huge, badly percent-encoded. */
const unknownId = encodedSegment;

const served = (route: RouteDecl, context: FuzzContext, target: string) =>
  fc
    .tuple(hostileQuery, extraHeaders, goodCredentials(route, context.state))
    .map(([search, headers, credentials]) =>
      hostileCase(
        {
          label: 'input the route does not read',
          method: route.method,
          target: `${target}${search ? `?${search}` : ''}`,
          headers: { ...headers, ...credentials },
        },
        { served: routeKey(route) },
      ),
    );
const queryFamily = (target: string, queries: fc.Arbitrary<string>) =>
  queries.map((search) =>
    hostileCase(
      { label: 'query the contract refuses', method: 'GET', target: `${target}${search}` },
      refused(400),
    ),
  );

const noInput = (target: string): RouteFuzzer => ({
  valid: () => ({ target }),
  inputs: () => ({}),
});

export const fuzzers: Readonly<Record<string, RouteFuzzer>> = {
  // One route per source; paths naming no source reach no route (hotline's fuzzer sends those).
  ...Object.fromEntries(
    sources.map((source) => [
      `POST /ingest/${source}`,
      ingestFuzzer(
        {
          path: fc.constant({ target: `/ingest/${source}`, source }),
          list: 'records',
          valid: () => validRecords[source],
          broken: () => brokenRecords[source],
        },
        source === 'hotline' ? unknownSources : undefined,
      ),
    ]),
  ),
  'POST /ingest/hotline/open311': ingestFuzzer({
    path: fc.constant({ target: '/ingest/hotline/open311', source: 'hotline' as const }),
    list: 'requests',
    valid: () => open311Request,
    broken: () => brokenOpen311,
    bareList: true,
  }),
  'POST /ingest/sanitation/jt808': ingestFuzzer({
    path: fc.constant({ target: '/ingest/sanitation/jt808', source: 'sanitation' as const }),
    list: 'records',
    valid: () => jt808Record,
    broken: () => brokenJt808,
  }),
  'GET /indicators': {
    valid: () => ({ target: '/indicators?date=2026-03-02' }),
    inputs: () => ({
      'queries the contract refuses': queryFamily(
        '/indicators',
        query(indicatorQueries, ['date', 'from', 'to', 'area', 'format', 'limit', 'nextToken']),
      ),
    }),
  },
  'GET /openapi.json': noInput('/openapi.json'),
  'GET /areas': noInput('/areas'),
  'GET /feeds': noInput('/feeds'),
  'GET /map/roads': {
    valid: () => ({ target: '/map/roads?date=2026-03-02' }),
    inputs: () => ({
      'queries the contract refuses': queryFamily('/map/roads', query(mapRoadsQueries, ['date'])),
    }),
  },
  'GET /map/areas': {
    valid: () => ({ target: '/map/areas?date=2026-03-02&indicator=roadCleaningRate' }),
    inputs: () => ({
      'queries the contract refuses': queryFamily(
        '/map/areas',
        query(mapAreasQueries, ['date', 'indicator', 'level']),
      ),
    }),
  },
  'GET /map/events': {
    valid: () => ({ target: '/map/events?date=2026-03-02' }),
    inputs: () => ({
      'queries the contract refuses': queryFamily(
        '/map/events',
        query(mapEventsQueries, ['date', 'kind', 'limit']),
      ),
    }),
  },
  'GET /open-items': {
    valid: () => ({ target: '/open-items?light=red' }),
    inputs: () => ({
      'queries the contract refuses': queryFamily(
        '/open-items',
        query(openItemsQueries, ['area', 'kind', 'light', 'format', 'limit', 'nextToken']),
      ),
    }),
  },
  'POST /admin/recompute': {
    valid: () => ({ target: '/admin/recompute', body: '{"date":"2026-03-02"}' }),
    inputs: () => ({
      'bodies the contract refuses': bodyFamily(
        'POST',
        '/admin/recompute',
        recomputeBody,
        '{"date":"2026-03-02"}',
      ),
    }),
  },
  'POST /admin/redrive': {
    valid: () => ({ target: '/admin/redrive', body: '{"dryRun":true}' }),
    inputs: () => ({
      'bodies the contract refuses': bodyFamily('POST', '/admin/redrive', redriveBody, '{"dryRun":true}'),
    }),
  },
  'GET /quarantine': {
    valid: () => ({ target: '/quarantine?source=hotline' }),
    inputs: () => ({
      'queries the contract refuses': queryFamily(
        '/quarantine',
        query(
          fc.oneof(
            fc.constant({}),
            anyString
              .filter((value) => !(sources as readonly string[]).includes(value))
              .map((source) => ({ source })),
            fc.tuple(fc.constantFrom(...sources), badLimit).map(([source, limit]) => ({ source, limit })),
          ),
          ['source', 'limit'],
        ),
      ),
    }),
  },
  'GET /admin/quality': {
    valid: () => ({ target: '/admin/quality?from=2026-03-01&to=2026-03-02' }),
    inputs: () => ({
      'queries the contract refuses': queryFamily(
        '/admin/quality',
        query(
          fc.oneof(
            fc.constant({}),
            date.map((from) => ({ from })),
            date.map((to) => ({ to })),
            fc.tuple(badDateText, date).map(([from, to]) => ({ from, to })),
            fc.tuple(date, badDateText).map(([from, to]) => ({ from, to })),
            badRange.map(([from, to]) => ({ from, to })),
          ),
          ['from', 'to'],
        ),
      ),
    }),
  },
  'PUT /reference/areas': {
    valid: () => ({ target: '/reference/areas', body: '{"type":"FeatureCollection","features":[]}' }),
    inputs: () => ({
      'bodies the contract refuses': bodyFamily(
        'PUT',
        '/reference/areas',
        areasBody,
        '{"type":"FeatureCollection","features":[]}',
      ),
    }),
  },
  'PUT /reference/calendar': {
    valid: () => ({ target: '/reference/calendar', body: '{"holidays":[],"workdays":[]}' }),
    inputs: () => ({
      'bodies the contract refuses': bodyFamily(
        'PUT',
        '/reference/calendar',
        calendarBody,
        '{"holidays":["2026-03-02"]}',
      ),
    }),
  },
  'PUT /reference/roads': {
    valid: () => ({ target: '/reference/roads', body: '{"type":"FeatureCollection","features":[]}' }),
    inputs: () => ({
      'bodies the contract refuses': bodyFamily(
        'PUT',
        '/reference/roads',
        roadsBody,
        '{"type":"FeatureCollection","features":[]}',
      ),
    }),
  },
  'PUT /reference/sync': {
    valid: () => ({ target: '/reference/sync', body: '{"ticketCategoriesToCityPlatform":["city.*"]}' }),
    inputs: () => ({
      'bodies the contract refuses': bodyFamily(
        'PUT',
        '/reference/sync',
        syncBody,
        '{"ticketCategoriesToCityPlatform":["城市"]}',
      ),
    }),
  },
  'PUT /reference/alerts': {
    valid: () => ({ target: '/reference/alerts', body: JSON.stringify({ rules: [alertRule] }) }),
    inputs: () => ({
      'bodies the contract refuses': bodyFamily('PUT', '/reference/alerts', alertsBody, '{"rules":[]}'),
    }),
  },
  'PUT /reference/supervision': {
    valid: () => ({ target: '/reference/supervision', body: '{"yellowAt":0.8}' }),
    inputs: () => ({
      'bodies the contract refuses': bodyFamily(
        'PUT',
        '/reference/supervision',
        supervisionBody,
        '{"categories":{"城市":0.5}}',
      ),
    }),
  },
  'PUT /reference/vehicles': {
    valid: () => ({ target: '/reference/vehicles', body: '[]' }),
    inputs: () => ({
      'bodies the contract refuses': bodyFamily(
        'PUT',
        '/reference/vehicles',
        vehiclesBody,
        '[{"vehicleId":"v1","type":"sweeper","district":"d1"}]',
      ),
    }),
  },
  'POST /subscriptions': {
    valid: () => ({ target: '/subscriptions', body: '{"url":"http://127.0.0.1:9/hook","events":["*"]}' }),
    inputs: () => ({
      'bodies the contract refuses': bodyFamily(
        'POST',
        '/subscriptions',
        fc.oneof(broken(subscription, subscriptionRules), notObject),
        '{"url":"http://127.0.0.1:9/é","events":["*"]}',
      ),
      'addresses webhooks may not go to': refusedUrl.map((url) =>
        hostileCase(
          {
            label: 'refused address',
            method: 'POST',
            target: '/subscriptions',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ url, events: ['*'] }),
          },
          ANY_4XX,
        ),
      ),
    }),
  },
  'GET /subscriptions': {
    valid: () => ({ target: '/subscriptions' }),
    inputs: () => ({}),
  },
  'GET /subscriptions/{id}': {
    valid: ({ subscriptionId }) => ({ target: `/subscriptions/${subscriptionId}` }),
    inputs: () => ({
      'unknown ids': unknownId.map((unknown) =>
        hostileCase(
          { label: 'unknown id', method: 'GET', target: `/subscriptions/${unknown}` },
          refused(400, 404),
        ),
      ),
    }),
  },
  'PATCH /subscriptions/{id}': {
    valid: ({ subscriptionId }) => ({
      target: `/subscriptions/${subscriptionId}`,
      body: '{"description":"changed"}',
    }),
    inputs: ({ subscriptionId }) => ({
      'bodies the contract refuses': bodyFamily(
        'PATCH',
        `/subscriptions/${subscriptionId}`,
        patchBody,
        '{"description":"é"}',
      ),
      'unknown ids': unknownId.map((unknown) =>
        hostileCase(
          {
            label: 'unknown id',
            method: 'PATCH',
            target: `/subscriptions/${unknown}`,
            headers: { 'content-type': 'application/json' },
            body: '{"status":"disabled"}',
          },
          refused(400, 404),
        ),
      ),
    }),
  },
  'DELETE /subscriptions/{id}': {
    valid: ({ subscriptionId }) => ({ target: `/subscriptions/${subscriptionId}` }),
    inputs: () => ({
      'unknown ids': unknownId.map((unknown) =>
        hostileCase(
          { label: 'unknown id', method: 'DELETE', target: `/subscriptions/${unknown}` },
          refused(400, 404),
        ),
      ),
    }),
  },
  'GET /subscriptions/{id}/deliveries': {
    valid: ({ subscriptionId }) => ({ target: `/subscriptions/${subscriptionId}/deliveries` }),
    inputs: ({ subscriptionId }) => ({
      'queries the contract refuses': queryFamily(
        `/subscriptions/${subscriptionId}/deliveries`,
        query(
          badLimit.map((limit) => ({ limit })),
          ['limit'],
        ),
      ),
      'unknown ids': unknownId.map((unknown) =>
        hostileCase(
          { label: 'unknown id', method: 'GET', target: `/subscriptions/${unknown}/deliveries` },
          refused(400, 404),
        ),
      ),
    }),
  },
  'POST /subscriptions/{id}/replay': {
    valid: ({ subscriptionId }) => ({
      target: `/subscriptions/${subscriptionId}/replay`,
      body: JSON.stringify({ since: new Date(Date.now() - 3_600_000).toISOString() }),
    }),
    inputs: ({ subscriptionId }) => ({
      'bodies the contract refuses': bodyFamily(
        'POST',
        `/subscriptions/${subscriptionId}/replay`,
        replayBody,
        '{"since":"2026-03-02T00:00:00+08:00"}',
      ),
      'unknown ids': unknownId.map((unknown) =>
        hostileCase(
          {
            label: 'unknown id',
            method: 'POST',
            target: `/subscriptions/${unknown}/replay`,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ since: new Date().toISOString() }),
          },
          refused(400, 404),
        ),
      ),
    }),
  },
  'GET /health': noInput('/health'),
  'GET /': noInput('/'),
};

/** Family names do not depend on the hub; this context only lets the families be listed before it starts. */
export const listing: FuzzContext = {
  state: {
    url: 'http://127.0.0.1:0',
    adminToken: 'listing-admin-token',
    analystToken: 'listing-analyst-token',
    sourceSecrets: { hotline: 'whsec_', 'city-platform': 'whsec_', sanitation: 'whsec_' },
  },
  subscriptionId: 'sub_listing',
};

/**
 * Every family of hostile cases for a route: wrong credentials (on a request the route would carry out),
 * input the route does not read (routes without input), and the route's own hostile inputs.
 */
export const familiesOf = (route: RouteDecl, context: FuzzContext): Record<string, Family> => {
  const fuzzer = fuzzers[routeKey(route)];
  if (!fuzzer) {
    throw new Error(`route ${routeKey(route)} has no fuzzer: add one to fuzzers in test/fuzz/routes.ts`);
  }
  const families: Record<string, Family> = {};
  const valid = fuzzer.valid?.(context);
  if (!valid && route.auth !== 'signature') {
    throw new Error(`the fuzzer of ${routeKey(route)} needs a valid request, to send with wrong credentials`);
  }
  if (valid && (route.auth === 'analyst' || route.auth === 'admin')) {
    const wrong = fc.tuple(badAuthorization(context.state), extraHeaders).map(([authorization, headers]) =>
      hostileCase(
        {
          label: 'wrong credentials',
          method: route.method,
          target: valid.target,
          headers: {
            ...headers,
            ...authorization,
            ...(valid.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(valid.body === undefined ? {} : { body: valid.body }),
        },
        refused(401),
      ),
    );
    families['wrong credentials'] = {
      costly: false,
      cases:
        route.auth === 'admin'
          ? fc.oneof(
              wrong,
              fc.constant(
                hostileCase(
                  {
                    label: 'the analyst token',
                    method: route.method,
                    target: valid.target,
                    headers: {
                      ...bearer(context.state.analystToken),
                      ...(valid.body === undefined ? {} : { 'content-type': 'application/json' }),
                    },
                    ...(valid.body === undefined ? {} : { body: valid.body }),
                  },
                  refused(403),
                ),
              ),
            )
          : wrong,
    };
  }
  const inputs = fuzzer.inputs(context);
  if (valid && Object.keys(inputs).length === 0 && route.method === 'GET') {
    families['input the route does not read'] = {
      cases: served(route, context, valid.target),
      costly: false,
    };
  }
  for (const [name, cases] of Object.entries(inputs)) {
    families[name] = {
      costly: costlyFamilies.has(cases),
      cases: cases.chain((hostile) =>
        fc
          .tuple(
            route.auth === 'signature' ? fc.constant({}) : goodCredentials(route, context.state),
            extraHeaders,
          )
          .map(([credentials, headers]) =>
            hostileCase(
              { ...hostile.request, headers: { ...headers, ...credentials, ...hostile.request.headers } },
              hostile.expect,
            ),
          ),
      ),
    };
  }
  return families;
};
