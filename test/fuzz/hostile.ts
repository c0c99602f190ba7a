import fc from 'fast-check';

/**
 * Hostile values for the fuzz tests: wrong types, huge strings, deep nesting, impossible dates,
 * NaN/Infinity coordinates, strange keys. Each generator documents which contract rule its values break,
 * so a test can say what the hub must answer.
 */

/** JSON text that `JSON.stringify` cannot write (`1e999`, `NaN`, 10,000-deep arrays), spliced in as is. */
export class RawJson {
  constructor(readonly text: string) {}
  toString() {
    return this.text.length > 80
      ? `RawJson(${this.text.slice(0, 80)}… ${this.text.length} chars)`
      : `RawJson(${this.text})`;
  }
}

export type JsonLike = null | boolean | number | string | RawJson | readonly JsonLike[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonLike;
}

/** Writes JSON text, `RawJson` pieces verbatim (keys such as `__proto__` stay own keys). */
export const toJsonText = (value: JsonLike): string => {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value as JsonObject).map(
      ([key, member]) => `${JSON.stringify(key)}:${toJsonText(member)}`,
    );
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
};

/** Sets or deletes own keys without `__proto__` turning into a prototype change. */
export const withKeys = (base: JsonObject, changes: Readonly<Record<string, JsonLike | typeof MISSING>>) => {
  const result: Record<string, JsonLike> = {};
  for (const [key, value] of Object.entries(base))
    Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  for (const [key, value] of Object.entries(changes)) {
    if (value === MISSING) delete result[key];
    else Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return result as JsonObject;
};

/** Marks a field to leave out. */
export const MISSING = Symbol('missing');

/** A string that repeats one character (ASCII, 2-, 3- or 4-byte UTF-8, or one JSON must escape) `length` times. */
export const repeatedString = (minLength: number, maxLength: number) =>
  fc
    .record({
      unit: fc.constantFrom('x', 'é', '漢', '😀', '"', '\\', '\u0000', '\u2028'),
      length: fc.integer({ min: minLength, max: maxLength }),
    })
    .map(({ unit, length }) => unit.repeat(Math.ceil(length / unit.length)));

/** Huge strings: 100,000 to 400,000 of one character (up to 2.4 MB of JSON when each is escaped as `\u0000`). */
export const hugeString = repeatedString(100_000, 400_000);

/** Strings of every kind: control characters, lone surrogates, right-to-left marks, markup, SQL. */
export const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '\udfff\ud800',
    '\u202e\u0645',
    'null',
    'undefined',
    'NaN',
    'Infinity',
    '__proto__',
    '<script>alert(1)</script>',
    "'; DROP TABLE facts; --",
    '../../etc/passwd',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text itself, sent to see it is not evaluated
    '${process.env}',
    '%00',
  ),
);

/** Keys of unknown fields: empty, prototype names, dotted paths, control characters, long. */
export const hostileKey = fc.oneof(
  anyString,
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'a.b', '$where', '[0]'),
  repeatedString(200, 5_000),
);

/** Numbers JSON text can carry that no field accepts as they are: overflow to ±Infinity, NaN as text. */
export const overflowNumber = fc.constantFrom(
  new RawJson('1e999'),
  new RawJson('-1e999'),
  new RawJson('1E+400'),
  '1e999',
  'NaN',
  'Infinity',
  '-Infinity',
);

/** Tokens no JSON parser takes: NaN, Infinity, undefined, comments, trailing commas, single quotes. */
export const invalidJsonToken = fc.constantFrom(
  'NaN',
  'Infinity',
  '-Infinity',
  'undefined',
  "'single'",
  '01',
  '1.',
  '.5',
  '+1',
  '0x10',
  '[1,]',
  '{"a":1,}',
  '/* comment */ 1',
  '{a:1}',
  '"\u0001"',
  '"\\x41"',
  '"\\ud83d',
);

/** Shallow JSON values of any type (no deeper than 3 levels). */
export const anyJson: fc.Arbitrary<JsonLike> = fc.oneof(
  {
    arbitrary: fc.constantFrom(null, true, false, 0, -0, 1, -1, 2 ** 53, -(2 ** 53), 1e308, 5e-324),
    weight: 3,
  },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 2 },
  { arbitrary: anyString, weight: 3 },
  { arbitrary: fc.array(fc.oneof(fc.integer(), anyString, fc.constant(null)), { maxLength: 4 }), weight: 1 },
  {
    arbitrary: fc.dictionary(hostileKey, fc.oneof(fc.integer(), anyString, fc.constant(null)), {
      maxKeys: 3,
    }),
    weight: 1,
  },
);

/** Values that are not strings (so any string field refuses them). */
export const notString: fc.Arbitrary<JsonLike> = fc.oneof(
  fc.constantFrom(null, true, false, 0, 1, -1, 1e21, [], {}, ['a'], { a: 'b' }),
  fc.integer(),
  overflowNumber.filter((value) => value instanceof RawJson),
);

/** Values that are not numbers (strings of digits included). */
export const notNumber: fc.Arbitrary<JsonLike> = fc.oneof(
  fc.constantFrom(null, true, false, '39.9', '', '0', [], {}, [39.9], { value: 1 }),
  overflowNumber,
  anyString,
);

/** Values that are not booleans ("true", 1, null …). */
export const notBoolean: fc.Arbitrary<JsonLike> = fc.constantFrom(
  null,
  'true',
  'false',
  1,
  0,
  'yes',
  [],
  {},
  [true],
);

/** Values that are neither objects nor arrays. */
export const notObject: fc.Arbitrary<JsonLike> = fc.oneof(
  fc.constantFrom(null, true, false, 0, 1, '', '{}', 'null'),
  fc.integer(),
  anyString,
);

/**
 * Strings that are not RFC 3339 times with an offset from 1970 to 2099: impossible dates and times,
 * missing offsets, other formats, years 0 and 10000.
 */
export const badInstant: fc.Arbitrary<JsonLike> = fc.oneof(
  fc.constantFrom(
    '2026-02-30T10:00:00+08:00',
    '2026-02-29T10:00:00+08:00',
    '2025-04-31T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-00-10T10:00:00Z',
    '2026-03-01T24:00:00Z',
    '2026-03-01T23:60:00Z',
    '2026-03-01T23:59:61Z',
    '2026-03-01T10:00:00+24:00',
    '2026-03-01T10:00:00+08:60',
    '2026-03-01T10:00:00',
    '2026-03-01 10:00:00+08:00',
    '2026-03-01T10:00Z',
    '2026-3-1T10:00:00Z',
    '+002026-03-01T10:00:00Z',
    '2026-03-01T10:00:00+0800',
    '2026-03-01',
    '10:00:00+08:00',
    '0000-00-00T00:00:00Z',
    '9999-99-99T99:99:99Z',
    // Real times, but outside 1970 to 2099 in UTC.
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59-23:59',
    '1969-12-31T23:59:59Z',
    '2100-01-01T00:00:00Z',
    'yesterday',
    '',
  ),
  fc.integer({ min: 0, max: 4_102_444_800_000 }),
  notString,
  anyString.filter((value) => !/^\d{4}-\d\d-\d\dT/.test(value)),
);

/** Strings that are not calendar dates `YYYY-MM-DD`. */
export const badDate: fc.Arbitrary<JsonLike> = fc.oneof(
  fc.constantFrom(
    '2026-02-30',
    '2026-02-29',
    '2025-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '0000-00-00',
    '9999-99-99',
    '2026-3-1',
    '20260301',
    '2026-03-01T00:00:00Z',
    '2026/03/01',
    ' 2026-03-01',
    '２０２６-03-01',
    'today',
    '',
  ),
  anyString.filter((value) => !/^\d{4}-\d\d-\d\d$/.test(value)),
);

/** Strings that break `^[a-z0-9][a-z0-9-]*$` (area codes). */
export const badAreaCode: fc.Arbitrary<JsonLike> = fc.oneof(
  fc.constantFrom('', '-lead', 'Dongcheng', 'a b', 'a_b', '东城', 'a\n', 'district:a', 'é'),
  anyString.filter((value) => !/^[a-z0-9][a-z0-9-]*$/.test(value)),
  notString,
);

/** Length as the schemas count it: in characters (code points), not UTF-16 units. */
const characters = (value: string) => [...value].length;

/** Values an identifier (1 to 128 characters after trimming) refuses: blank, too long, not a string. */
export const badId: fc.Arbitrary<JsonLike> = fc.oneof(
  { arbitrary: fc.constantFrom('', ' ', '\t\n', '\u00a0\u3000\ufeff'), weight: 3 },
  { arbitrary: repeatedString(129, 2_000).filter((value) => characters(value.trim()) > 128), weight: 2 },
  { arbitrary: notString, weight: 4 },
  { arbitrary: hugeString, weight: 1 },
);

/** A string field with a maximum length: not a string, or longer than `max`. */
export const badText = (max: number, blankToo = false): fc.Arbitrary<JsonLike> =>
  fc.oneof(
    notString,
    repeatedString(max + 1, max + 3_000).filter((value) => characters(value.trim()) > max),
    ...(blankToo ? [fc.constantFrom('', '  ', '\n\t')] : []),
  );

/** Values outside an enum: other strings (the listed ones in upper case too) and other types. */
export const badEnum = (allowed: readonly string[]): fc.Arbitrary<JsonLike> =>
  fc.oneof(
    fc.constantFrom(...allowed.map((value) => value.toUpperCase()), ...allowed.map((value) => ` ${value}`)),
    anyString.filter((value) => !allowed.includes(value)),
    notString,
  );

/** A latitude or longitude no schema takes: beyond ±`limit`, ±Infinity via overflow, NaN as text, not a number. */
export const badCoordinate = (limit: number): fc.Arbitrary<JsonLike> =>
  fc.oneof(
    fc.double({ min: limit + 1e-9, max: 1e308, noNaN: true, noDefaultInfinity: true }),
    fc.double({ min: -1e308, max: -limit - 1e-9, noNaN: true, noDefaultInfinity: true }),
    overflowNumber,
    notNumber,
  );

/** `{lat, lon}` locations the contract refuses. */
export const badLocation: fc.Arbitrary<JsonLike> = fc.oneof(
  fc.record({ lat: badCoordinate(90), lon: fc.constant(116.4) }),
  fc.record({ lat: fc.constant(39.9), lon: badCoordinate(180) }),
  fc.constantFrom({ lat: 39.9 }, { lon: 116.4 }, {}, [116.4, 39.9], '39.9,116.4', null),
);

/** Arrays and objects nested `depth` levels deep, as JSON text. */
export const deeplyNested = (minDepth: number, maxDepth: number) =>
  fc
    .record({
      depth: fc.integer({ min: minDepth, max: maxDepth }),
      kind: fc.constantFrom('array', 'object', 'mixed'),
    })
    .map(({ depth, kind }) => {
      if (kind === 'array') return new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`);
      if (kind === 'object') return new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
      return new RawJson(`${'[{"a":'.repeat(depth >> 1)}0${'}]'.repeat(depth >> 1)}`);
    });

/** Byte sequences that are not UTF-8: stray continuation bytes, truncated and overlong sequences, surrogates, 0xFF. */
export const invalidUtf8 = fc.constantFrom(
  Buffer.from([0x80]),
  Buffer.from([0xbf, 0xbf]),
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xe4, 0xb8]),
  Buffer.from([0xf0, 0x9f, 0x98]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xe0, 0x80, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  Buffer.from([0xfe]),
  Buffer.from([0xff, 0xfe]),
);

/** A JSON body with bytes that are not UTF-8 spliced into a string, at the start, or at the end. */
export const invalidUtf8Body = (valid: fc.Arbitrary<string>) =>
  fc
    .record({ text: valid, bad: invalidUtf8, where: fc.constantFrom('string', 'start', 'end') })
    .map(({ text, bad, where }) => {
      if (where === 'start') return Buffer.concat([bad, Buffer.from(text)]);
      if (where === 'end') return Buffer.concat([Buffer.from(text), bad]);
      const quote = text.indexOf('"');
      if (quote < 0) return Buffer.concat([Buffer.from(text), bad]);
      return Buffer.concat([Buffer.from(text.slice(0, quote + 1)), bad, Buffer.from(text.slice(quote + 1))]);
    });

/** Text that is not JSON at all, or JSON with one invalid token spliced in. */
export const notJsonText = fc.oneof(
  fc.string().filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  }),
  invalidJsonToken.map((token) => `{"records": [${token}]}`),
  invalidJsonToken,
  fc.constantFrom('', '\ufeff{"records":[]}', '{"records":[{}]', '{"records":[{}]}}', '<xml/>', 'records=1'),
);

/**
 * A path segment percent-encoded as a client sends it; lone surrogates, which have no UTF-8 form, go as
 * U+FFFD (as a browser sends them).
 */
export const encodeSegment = (value: string) =>
  encodeURIComponent(value.replace(/[\ud800-\udfff]/gu, '\ufffd'));

/**
 * Header values a client can send (printable Latin-1, never CR, LF or NUL), up to 2 KB: a few of them and
 * a long path stay under the 16 KB Node allows for the request line and headers (beyond it, 431).
 */
export const headerValue = fc.oneof(
  fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength: 60,
  }),
  fc.string({
    unit: fc.integer({ min: 0xa0, max: 0xff }).map((code) => String.fromCharCode(code)),
    minLength: 1,
    maxLength: 20,
  }),
  fc.integer({ min: 500, max: 2_000 }).map((length) => 'h'.repeat(length)),
);

/** Content types a hostile client may claim for a JSON body. */
export const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
);

/** Query strings of random parameters, with broken percent-encoding and repeated keys. */
export const hostileQuery = fc.oneof(
  fc
    .dictionary(fc.string({ maxLength: 12 }), anyString, { maxKeys: 4 })
    .map((params) => new URLSearchParams(params).toString()),
  fc.constantFrom(
    '%',
    '%zz',
    'a=%E0%A4%A',
    '&&&',
    '=',
    'a=1&a=2&a=3',
    'a[]=1&a[b]=2',
    `x=${'y'.repeat(4_000)}`,
    ';a=1',
  ),
);
