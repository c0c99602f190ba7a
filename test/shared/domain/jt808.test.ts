import { describe, expect, it } from 'vitest';
import {
  decodeFrames,
  decodeLocationFrame,
  defaultWorkingFlag,
  encodeLocationFrame,
  parseWorkingFlag,
  type WorkingFlagSource,
} from '#shared/domain/jt808';
import {
  batchBody,
  body,
  dword,
  frame,
  header2013,
  header2019,
  item,
  messageFrame,
  packaged,
  report,
  word,
  xorOf,
} from './jt808-frames.ts';

const decoded = (hex: string, working?: WorkingFlagSource) => {
  const result = decodeLocationFrame(hex, working);
  if (!result.ok) throw new Error(`expected a point, got: ${result.reason}`);
  return result.point;
};

const reasonOf = (hex: string, working?: WorkingFlagSource) => {
  const result = decodeLocationFrame(hex, working);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.point)}`);
  return result.reason;
};

describe('decodeLocationFrame', () => {
  it('decodes a plain 2013 location report laid out byte by byte', () => {
    const content = [
      ...[0x02, 0x00], // message id 0x0200
      ...[0x00, 0x1c], // properties: body length 28, no encryption, not split, 2013
      ...[0x01, 0x38, 0x00, 0x13, 0x80, 0x00], // terminal BCD[6] 013800138000
      ...[0x00, 0x2a], // serial 42
      ...[0x00, 0x00, 0x00, 0x00], // alarm
      ...[0x00, 0x00, 0x00, 0x03], // status: ACC on, positioned
      ...[0x02, 0x60, 0xf5, 0x72], // latitude 39908722 (1e-6 degree)
      ...[0x06, 0xf0, 0x15, 0xbb], // longitude 116397499
      ...[0x00, 0x2c], // altitude 44 m
      ...[0x01, 0x59], // speed 345 (1/10 km/h)
      ...[0x00, 0x5a], // direction 90
      ...[0x26, 0x03, 0x15, 0x08, 0x30, 0x05], // time 26-03-15 08:30:05 GMT+8
    ];
    expect(decodeLocationFrame(frame(content))).toEqual({
      ok: true,
      point: {
        t: '2026-03-15T08:30:05+08:00',
        lat: 39.908722,
        lon: 116.397499,
        speedKmh: 34.5,
        terminal: '13800138000',
        serial: 42,
      },
    });
  });

  it('accepts upper-case hex with spaces', () => {
    const spaced = (report().toUpperCase().match(/../g) ?? []).join(' ');
    expect(decoded(spaced)).toEqual(decoded(report()));
  });

  it('decodes a 2019 report: version flag, protocol version byte and a BCD[10] terminal number', () => {
    const bytes = body();
    const hex = frame([
      ...header2019(bytes.length, { terminal: '00000000013912345678', serial: 7 }),
      ...bytes,
    ]);
    expect(decoded(hex)).toEqual({
      t: '2026-03-15T08:30:05+08:00',
      lat: 39.908722,
      lon: 116.397499,
      speedKmh: 34.5,
      terminal: '13912345678',
      serial: 7,
    });
  });

  it('keeps a terminal number that fills the whole BCD field', () => {
    expect(decoded(report({}, { terminal: '987654321098' })).terminal).toBe('987654321098');
  });

  it.each([
    { status: 0x02, lat: 39.908722, lon: 116.397499 },
    { status: 0x06, lat: -39.908722, lon: 116.397499 },
    { status: 0x0a, lat: 39.908722, lon: -116.397499 },
    { status: 0x0e, lat: -39.908722, lon: -116.397499 },
  ])('reads status $status as hemisphere signs lat $lat, lon $lon', ({ status, lat, lon }) => {
    const point = decoded(report({ status }));
    expect([point.lat, point.lon]).toEqual([lat, lon]);
  });

  it('gives 0 (not -0) for a zero latitude in the southern hemisphere', () => {
    expect(Object.is(decoded(report({ status: 0x06, lat: 0 })).lat, 0)).toBe(true);
  });

  it.each([
    { speed: 0, speedKmh: 0 },
    { speed: 1, speedKmh: 0.1 },
    { speed: 605, speedKmh: 60.5 },
    { speed: 1205, speedKmh: 120.5 },
  ])('reads speed $speed (1/10 km/h) as $speedKmh km/h', ({ speed, speedKmh }) => {
    expect(decoded(report({ speed })).speedKmh).toBe(speedKmh);
  });

  it.each([
    { time: '260315083005', t: '2026-03-15T08:30:05+08:00' },
    { time: '000101000000', t: '2000-01-01T00:00:00+08:00' },
    { time: '991231235959', t: '2099-12-31T23:59:59+08:00' },
    { time: '240229120000', t: '2024-02-29T12:00:00+08:00' },
  ])('reads BCD time $time as $t at GMT+8', ({ time, t }) => {
    expect(decoded(report({ time })).t).toBe(t);
  });

  it.each([
    { value: 0x0004, working: true },
    { value: 0x0003, working: false },
    { value: 0xfffb, working: false },
    { value: 0xffff, working: true },
  ])('reads 0x2A IO status $value as working=$working by default (bit 2)', ({ value, working }) => {
    const point = decoded(report({ items: [item(0x01, dword(1234)), item(0x2a, word(value))] }));
    expect(point.working).toBe(working);
  });

  it.each([
    { value: 0x0000_0020, working: true },
    { value: 0xffff_ffdf, working: false },
  ])('reads 0x25 extended signal status $value as working=$working with 0x25:5', ({ value, working }) => {
    const hex = report({ items: [item(0x2a, word(0xffff)), item(0x25, dword(value))] });
    expect(decoded(hex, parseWorkingFlag('0x25:5')).working).toBe(working);
  });

  it('reads the top bit of the 0x25 DWORD', () => {
    const hex = report({ items: [item(0x25, dword(0x8000_0000))] });
    expect(decoded(hex, parseWorkingFlag('0x25:31')).working).toBe(true);
  });

  it.each([
    { name: 'no additional items', items: [] },
    { name: 'other items only', items: [item(0x01, dword(1234)), item(0x30, [25]), item(0x31, [9])] },
    { name: 'the 0x25 item but not 0x2A', items: [item(0x25, dword(0xffff_ffff))] },
  ])('leaves working absent when the frame has $name', ({ items }) => {
    expect(decoded(report({ items }))).not.toHaveProperty('working');
  });

  it('decodes a frame whose serial and latitude contain 0x7e and 0x7d bytes, escaped on the wire', () => {
    const hex = report({ lat: 0x017e_7d00 }, { serial: 0x7e7d });
    expect(hex).toContain('7d027d01'); // serial 0x7e 0x7d
    expect(hex).toContain('017d027d0100'); // latitude 0x01 0x7e 0x7d 0x00
    expect(hex.slice(2, -2)).not.toContain('7e');
    const point = decoded(hex);
    expect([point.serial, point.lat]).toEqual([0x7e7d, 25.066752]);
  });

  it('decodes a frame whose checksum is 0x7e and so is escaped', () => {
    const bytes = body();
    const base = [...header2013(bytes.length, { serial: 0 }), ...bytes];
    const serial = xorOf(base) ^ 0x7e; // the serial's low byte turns the checksum into 0x7e
    const hex = frame([...header2013(bytes.length, { serial }), ...bytes]);
    expect(hex.endsWith('7d027e')).toBe(true);
    expect(decoded(hex).serial).toBe(serial);
  });

  it('refuses a bad checksum, naming both values', () => {
    const bytes = body();
    const content = [...header2013(bytes.length), ...bytes];
    const right = xorOf(content);
    const wrong = right ^ 0x01;
    const hex2 = (n: number) => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;
    expect(reasonOf(frame(content, wrong))).toBe(
      `checksum mismatch: expected ${hex2(right)}, got ${hex2(wrong)}`,
    );
  });

  it.each([
    { name: '0x7d 0x03', bad: '7d03' },
    { name: '0x7d 0x7d', bad: '7d7d' },
  ])('refuses a bad escape $name', ({ bad }) => {
    const hex = report();
    const broken = `${hex.slice(0, 10)}${bad}${hex.slice(10)}`;
    expect(reasonOf(broken)).toMatch(/^bad escape: 0x7D followed by 0x(03|7D)/);
  });

  it('refuses a 0x7d right before the end flag', () => {
    expect(reasonOf(`${report().slice(0, -2)}7d7e`)).toBe('bad escape: 0x7D right before the end flag');
  });

  it.each([
    { name: 'the start flag', hex: report().slice(2), reason: 'missing 0x7E start flag' },
    { name: 'the end flag', hex: report().slice(0, -2), reason: 'missing 0x7E end flag' },
    { name: 'both flags', hex: report().slice(2, -2), reason: 'missing 0x7E start flag' },
    { name: 'everything but a flag', hex: '7e', reason: 'missing 0x7E end flag' },
    { name: 'everything', hex: '', reason: 'empty frame' },
  ])('refuses a frame missing $name', ({ hex, reason }) => {
    expect(reasonOf(hex)).toBe(reason);
  });

  it('refuses two frames run together', () => {
    expect(reasonOf(`${report()}${report()}`)).toMatch(/^unexpected 0x7E inside the frame/);
  });

  it.each([
    { name: 'odd digit count', hex: '7e0200f' },
    { name: 'non-hex characters', hex: '7e02zz7e' },
  ])('refuses text that is not hex ($name)', ({ hex }) => {
    expect(reasonOf(hex)).toBe('frame is not an even number of hex digits');
  });

  it('refuses a frame too short to hold a header', () => {
    expect(reasonOf(frame([0x02, 0x00, 0x00]))).toBe('frame too short: 4 bytes between the flags');
  });

  it('refuses another message id (0x0102 authentication)', () => {
    const code = [0x31, 0x32, 0x33]; // authentication code "123"
    expect(reasonOf(frame([...header2013(code.length, { id: 0x0102 }), ...code]))).toBe(
      'not a location report (message id 0x0102)',
    );
  });

  it.each([
    { declared: 30, actual: 28 },
    { declared: 28, actual: 34 },
  ])('refuses a body of $actual bytes declared as $declared', ({ declared, actual }) => {
    const bytes = body({ items: actual > 28 ? [item(0x01, dword(1))] : [] });
    expect(bytes).toHaveLength(actual);
    expect(reasonOf(frame([...header2013(bytes.length, { length: declared }), ...bytes]))).toBe(
      `body length mismatch: header says ${declared} bytes, frame has ${actual}`,
    );
  });

  it('refuses a body shorter than the basic location information', () => {
    const bytes = body().slice(0, 20);
    expect(reasonOf(frame([...header2013(bytes.length), ...bytes]))).toBe(
      'location body too short: 20 bytes, need 28',
    );
  });

  it.each([{ status: 0x00 }, { status: 0x01 }, { status: 0x0c }])(
    'refuses a report with status $status (not positioned)',
    ({ status }) => {
      expect(reasonOf(report({ status }))).toBe('not positioned');
    },
  );

  it.each([
    { lat: 90_000_001, reason: 'latitude out of range: 90.000001' },
    { lon: 180_000_001, reason: 'longitude out of range: 180.000001' },
  ])('refuses an impossible position ($reason)', ({ reason, ...position }) => {
    expect(reasonOf(report(position))).toBe(reason);
  });

  it('accepts the extreme position 90 S 180 W', () => {
    const point = decoded(report({ status: 0x0e, lat: 90_000_000, lon: 180_000_000 }));
    expect([point.lat, point.lon]).toEqual([-90, -180]);
  });

  it.each([
    { name: 'month 13', time: '261301120000' },
    { name: 'day 0', time: '260300120000' },
    { name: '30 February', time: '260230120000' },
    { name: '29 February of a common year', time: '250229120000' },
    { name: 'hour 24', time: '260315240000' },
    { name: 'minute 60', time: '260315086000' },
    { name: 'second 60', time: '260315083060' },
    { name: 'a non-BCD nibble', time: '26031508301a' },
  ])('refuses an invalid BCD time ($name)', ({ time }) => {
    expect(reasonOf(report({ time }))).toMatch(/^invalid time: /);
  });

  it('names the invalid date in the reason', () => {
    expect(reasonOf(report({ time: '261301120000' }))).toBe(
      'invalid time: 2026-13-01 12:00:00 is not a real date and time',
    );
  });

  it.each([
    {
      name: 'only its id byte',
      items: [item(0x01, dword(1)), [0x2a]],
      reason: 'truncated additional item at body byte 34',
    },
    {
      name: 'a value shorter than its length',
      items: [[0x01, 0x04, 0x00, 0x00]],
      reason: 'truncated additional item 0x01: length 4, only 2 bytes left',
    },
  ])('refuses a truncated additional item with $name', ({ items, reason }) => {
    expect(reasonOf(report({ items }))).toBe(reason);
  });

  it.each([
    {
      source: '0x2A:2',
      items: [item(0x2a, dword(4))],
      reason: 'additional item 0x2A has length 4, expected 2',
    },
    {
      source: '0x25:5',
      items: [item(0x25, word(32))],
      reason: 'additional item 0x25 has length 2, expected 4',
    },
  ])('refuses a working item of the wrong length ($source)', ({ source, items, reason }) => {
    expect(reasonOf(report({ items }), parseWorkingFlag(source))).toBe(reason);
  });

  it.each([
    { props: 1 << 10, reason: 'encrypted body not supported (encryption bits 1)' },
    { props: 3 << 10, reason: 'encrypted body not supported (encryption bits 3)' },
  ])('refuses an encrypted body ($reason)', ({ props, reason }) => {
    expect(reasonOf(report({}, { props }))).toBe(reason);
  });

  it('decodes a sub-package header carrying the whole report (package 1 of 1)', () => {
    const bytes = body();
    const hex = frame([...header2013(bytes.length, { props: 1 << 13 }), ...word(1), ...word(1), ...bytes]);
    expect(decoded(hex).serial).toBe(42);
  });

  it('refuses one package of a split report', () => {
    const bytes = body();
    const hex = frame([...header2013(bytes.length, { props: 1 << 13 }), ...word(2), ...word(1), ...bytes]);
    expect(reasonOf(hex)).toBe('split location report (package 1 of 2) not supported');
  });

  it('refuses a terminal number that is not BCD', () => {
    expect(reasonOf(report({}, { terminal: '0138001380a0' }))).toBe('terminal number is not BCD');
  });

  it('refuses a working flag source outside the item, instead of throwing', () => {
    expect(reasonOf(report(), { item: 0x2a, bit: 16 })).toMatch(/^working flag source 0x2A:16/);
  });

  it.each(['', '7e7e', '7e7d7e', 'not hex at all', '7e020000'])('never throws, even on %j', (hex) => {
    expect(() => decodeLocationFrame(hex)).not.toThrow();
    expect(decodeLocationFrame(hex).ok).toBe(false);
  });
});

describe('working flag source', () => {
  it('defaults to the first free bit of the 0x2A IO status word', () => {
    expect(defaultWorkingFlag).toEqual({ item: 0x2a, bit: 2 });
  });

  it.each([
    { text: '0x2A:2', expected: { item: 0x2a, bit: 2 } },
    { text: '0x2a:15', expected: { item: 0x2a, bit: 15 } },
    { text: '0X25:0', expected: { item: 0x25, bit: 0 } },
    { text: '0x25:31', expected: { item: 0x25, bit: 31 } },
    { text: ' 0x25:5 ', expected: { item: 0x25, bit: 5 } },
  ])('parses $text', ({ text, expected }) => {
    expect(parseWorkingFlag(text)).toEqual(expected);
  });

  it.each([
    { text: '0x2A:16', message: 'working flag bit 16 is out of range for item 0x2A (0..15)' },
    { text: '0x25:32', message: 'working flag bit 32 is out of range for item 0x25 (0..31)' },
  ])('refuses a bit outside the item: $text', ({ text, message }) => {
    expect(() => parseWorkingFlag(text)).toThrow(message);
  });

  it.each(['0x30:1', '2A:2', '0x2A', '0x2A:', '0x2A:-1', '0x2A:b', '0x2A:2:1', '42:2', ''])(
    'refuses malformed %j with the expected format in the message',
    (text) => {
      expect(() => parseWorkingFlag(text)).toThrow(/working flag must be "<item>:<bit>".*"0x2A:2"/);
    },
  );
});

describe('encodeLocationFrame', () => {
  it('round-trips through decodeLocationFrame, 2013 and 2019', () => {
    const input = {
      terminal: '13800138000',
      serial: 0x7e7d,
      t: '2026-03-15T08:30:05+08:00',
      lat: -25.066752,
      lon: -116.397499,
      speedKmh: 34.5,
      working: true,
    };
    const expected = {
      t: input.t,
      lat: input.lat,
      lon: input.lon,
      speedKmh: input.speedKmh,
      working: true,
      terminal: input.terminal,
      serial: input.serial,
    };
    expect(decoded(encodeLocationFrame(input))).toEqual(expected);
    const source = parseWorkingFlag('0x25:5');
    const hex2019 = encodeLocationFrame({ ...input, edition: 2019, working: false, workingFlag: source });
    expect(decoded(hex2019, source)).toEqual({ ...expected, working: false });
    // The encoder matches the byte-by-byte layout above.
    expect(
      encodeLocationFrame({
        terminal: '13800138000',
        serial: 42,
        t: Date.parse('2026-03-15T00:30:05Z'),
        lat: 39.908722,
        lon: 116.397499,
        speedKmh: 34.5,
        altitudeM: 44,
        direction: 90,
      }),
    ).toBe(report());
  });
});

// Three location report bodies and the points they must give, worked out by hand: latitude and longitude
// are DWORDs in 1e-6 degrees (status bit 2 = south), speed is in 1/10 km/h, time is BCD YYMMDDhhmmss at
// GMT+8, the working flag is bit 2 of the 0x2A IO status word.

/** 28 bytes: 39.908722 N 116.397499 E, 34.5 km/h, 2026-03-15 08:30:05; no additional items. */
const bodyA = body();
const pointA = { t: '2026-03-15T08:30:05+08:00', lat: 39.908722, lon: 116.397499, speedKmh: 34.5 };
/** 38 bytes: status 0x06 (south), mileage item 0x01, IO status 0x0004 (bit 2 set). */
const bodyB = body({
  status: 0x06,
  lat: 31_230_416,
  lon: 121_473_701,
  speed: 0,
  time: '260315083035',
  items: [item(0x01, dword(1234)), item(0x2a, word(0x0004))],
});
const pointB = {
  t: '2026-03-15T08:30:35+08:00',
  lat: -31.230416,
  lon: 121.473701,
  speedKmh: 0,
  working: true,
};
/** 32 bytes: IO status 0x0003 (bit 2 clear), just past midnight at GMT+8. */
const bodyC = body({
  lat: 22_543_099,
  lon: 114_057_868,
  speed: 1205,
  time: '260316000105',
  items: [item(0x2a, word(0x0003))],
});
const pointC = {
  t: '2026-03-16T00:01:05+08:00',
  lat: 22.543099,
  lon: 114.057868,
  speedKmh: 120.5,
  working: false,
};
/** 3 + (2 + 28) + (2 + 38) + (2 + 32) bytes. */
const batchABC = (type: number) => batchBody(type, [bodyA, bodyB, bodyC]);
const terminal = '13800138000';

const batchFrame = (bytes: readonly number[], serial = 42) => messageFrame(bytes, { id: 0x0704, serial });
/** The frames at the given positions, in that order. */
const pick = (frames: readonly string[], order: readonly number[]) => order.map((at) => frames[at] as string);

describe('decodeFrames: location batch uploads (0x0704)', () => {
  it('decodes a normal batch of 3 items, one with additional items, each as a 0x0200 body', () => {
    expect(batchABC(0)).toHaveLength(107);
    expect(decodeFrames([batchFrame(batchABC(0))])).toEqual({
      points: [
        { ...pointA, terminal, serial: 42, blindArea: false },
        { ...pointB, terminal, serial: 42, blindArea: false },
        { ...pointC, terminal, serial: 42, blindArea: false },
      ],
      errors: [],
    });
  });

  it.each([
    { type: 0, blindArea: false },
    { type: 1, blindArea: true },
  ])('reads location data type $type as blindArea $blindArea', ({ type, blindArea }) => {
    const { points, errors } = decodeFrames([batchFrame(batchABC(type))]);
    expect(errors).toEqual([]);
    expect(points.map((point) => point.blindArea)).toEqual([blindArea, blindArea, blindArea]);
  });

  it('gives the points in the order of the items, not of their times', () => {
    const late = body({ time: '260315090000' });
    const early = body({ time: '260315083000' });
    const middle = body({ time: '260315084500' });
    const { points } = decodeFrames([batchFrame(batchBody(1, [late, early, middle]))]);
    expect(points.map((point) => point.t)).toEqual([
      '2026-03-15T09:00:00+08:00',
      '2026-03-15T08:30:00+08:00',
      '2026-03-15T08:45:00+08:00',
    ]);
  });

  it('gives batch points and single reports in the order of the frames', () => {
    const { points } = decodeFrames([report({ time: '260315100000' }), batchFrame(batchBody(0, [bodyC]))]);
    expect(points.map((point) => point.t)).toEqual(['2026-03-15T10:00:00+08:00', pointC.t]);
  });

  it('reads the working flag from the configured item in every item', () => {
    const items = [body({ items: [item(0x25, dword(0x20))] }), body({ items: [item(0x25, dword(0))] })];
    const { points } = decodeFrames([batchFrame(batchBody(0, items))], parseWorkingFlag('0x25:5'));
    expect(points.map((point) => point.working)).toEqual([true, false]);
  });

  it('unescapes an item holding 0x7e and 0x7d bytes', () => {
    const hex = batchFrame(batchBody(0, [body({ lat: 0x017e_7d00 })]));
    expect(hex).toContain('017d027d0100');
    expect(decodeFrames([hex]).points.map((point) => point.lat)).toEqual([25.066752]);
  });

  it('refuses only the bad item of a batch and keeps the others', () => {
    const bytes = batchBody(0, [bodyA, body({ status: 0x00 }), bodyC]);
    expect(decodeFrames([report(), batchFrame(bytes)])).toEqual({
      points: [
        { ...pointA, terminal, serial: 42 },
        { ...pointA, terminal, serial: 42, blindArea: false },
        { ...pointC, terminal, serial: 42, blindArea: false },
      ],
      errors: [{ frame: 1, reason: 'item 2 of 3: not positioned' }],
    });
  });

  it.each([
    {
      name: 'an item longer than the rest of the body',
      bytes: batchBody(0, [bodyA, bodyB]).slice(0, -8),
      reason: 'item 2 of 2 truncated: length 38, only 30 bytes left',
    },
    {
      name: 'a body ending inside an item length',
      bytes: [...batchBody(0, [bodyA], 2), 0x00],
      reason: 'item 2 of 2 truncated: 1 byte left, need 2 for its length',
    },
    {
      name: 'a count above the items',
      bytes: batchBody(0, [bodyA, bodyB], 3),
      reason: 'item count mismatch: data item count 3, but the body ends after item 2',
    },
    {
      name: 'a count below the items',
      bytes: batchBody(1, [bodyA, bodyB], 1),
      reason: 'item count mismatch: data item count 1, but 40 bytes follow item 1',
    },
    {
      name: 'a count of 0',
      bytes: batchBody(0, [], 0),
      reason: 'location batch holds no items (data item count 0)',
    },
    {
      name: 'an unknown location data type',
      bytes: batchBody(2, [bodyA]),
      reason: 'unknown location data type 2 (0 = normal batch report, 1 = blind-area supplement)',
    },
    {
      name: 'a body shorter than count and type',
      bytes: [0x00, 0x01],
      reason: 'location batch body too short: 2 bytes, need at least 3 (item count WORD, data type BYTE)',
    },
  ])('refuses the whole frame for $name', ({ bytes, reason }) => {
    expect(decodeFrames([batchFrame(bytes)])).toEqual({ points: [], errors: [{ frame: 0, reason }] });
  });

  it('refuses an item too short for the basic location information', () => {
    expect(decodeFrames([batchFrame(batchBody(0, [bodyA.slice(0, 20)]))]).errors).toEqual([
      { frame: 0, reason: 'item 1 of 1: location body too short: 20 bytes, need 28' },
    ]);
  });

  it('refuses a 0x0704 frame on its own in decodeLocationFrame, pointing at decodeFrames', () => {
    expect(reasonOf(batchFrame(batchABC(0)))).toBe(
      'location batch upload (message id 0x0704) holds several points: read it with decodeFrames',
    );
  });
});

describe('decodeFrames: sub-packaged messages', () => {
  it.each([
    {
      name: 'a 0x0200 report in 3 packages sent 3, 1, 2',
      bytes: bodyB,
      sizes: [10, 20, 8],
      header: { serial: 100 },
      order: [2, 0, 1],
      points: [{ ...pointB, terminal, serial: 100 }],
    },
    {
      name: 'a 0x0704 blind-area batch in 4 packages sent 2, 4, 1, 3, serials wrapping past 65535',
      bytes: batchABC(1),
      sizes: [30, 30, 30, 17],
      header: { id: 0x0704, serial: 65_535 },
      order: [1, 3, 0, 2],
      points: [
        { ...pointA, terminal, serial: 65_535, blindArea: true },
        { ...pointB, terminal, serial: 65_535, blindArea: true },
        { ...pointC, terminal, serial: 65_535, blindArea: true },
      ],
    },
    {
      name: 'a 0x0704 normal batch with 2019 headers in 2 packages sent 2, 1',
      bytes: batchABC(0),
      sizes: [50, 57],
      header: { id: 0x0704, serial: 7, edition: 2019 as const, terminal: '00000000013912345678' },
      order: [1, 0],
      points: [
        { ...pointA, terminal: '13912345678', serial: 7, blindArea: false },
        { ...pointB, terminal: '13912345678', serial: 7, blindArea: false },
        { ...pointC, terminal: '13912345678', serial: 7, blindArea: false },
      ],
    },
  ])('reassembles $name', ({ bytes, sizes, header, order, points }) => {
    const frames = packaged(bytes, sizes, header);
    expect(decodeFrames(pick(frames, order))).toEqual({ points, errors: [] });
  });

  it('lays out the package item after the serial, with body property bit 13 set', () => {
    const [first] = packaged(bodyB, [10, 20, 8], { serial: 100 });
    // 0x0200 | 0x2000 + 10 | terminal | serial 100 | 3 packages | package 1 | 10 body bytes | checksum
    expect(first?.slice(0, 34)).toBe('7e0200200a013800138000006400030001');
  });

  it("puts a reassembled message's points at its first frame in the list", () => {
    const [one, two] = packaged(batchBody(0, [bodyB, bodyC]), [40, 37], { id: 0x0704, serial: 100 });
    const { points } = decodeFrames([two as string, report(), one as string]);
    expect(points.map((point) => point.t)).toEqual([pointB.t, pointC.t, pointA.t]);
  });

  it('counts a package sent twice with the same bytes once', () => {
    const frames = packaged(bodyB, [10, 20, 8], { serial: 100 });
    expect(decodeFrames(pick(frames, [1, 0, 1, 2]))).toEqual({
      points: [{ ...pointB, terminal, serial: 100 }],
      errors: [],
    });
  });

  it('refuses a message with two different packages of one number', () => {
    const frames = packaged(bodyB, [10, 20, 8], { serial: 100 });
    const other = messageFrame(bodyC.slice(0, 20), { serial: 101, pkg: { total: 3, seq: 2 } });
    expect(decodeFrames([...frames, other])).toEqual({
      points: [],
      errors: [
        {
          frame: 0,
          reason:
            'sub-packaged message 0x0200 of terminal 13800138000, first serial number 100: package 2 sent twice with different contents (frames[1] and frames[3])',
        },
      ],
    });
  });

  it.each([
    {
      name: 'packages 2 and 4 of 4',
      sizes: [30, 30, 30, 17],
      keep: [2, 0],
      reason: 'missing packages 2, 4 of 4 (received 2)',
    },
    {
      name: 'all packages but the 3rd of 5',
      sizes: [20, 20, 20, 20, 27],
      keep: [2],
      reason: 'missing packages 1-2, 4-5 of 5 (received 1)',
    },
    {
      name: 'the last package of 2',
      sizes: [50, 57],
      keep: [0],
      reason: 'missing package 2 of 2 (received 1)',
    },
  ])('refuses a message missing $name, keeping the other frames', ({ sizes, keep, reason }) => {
    const frames = packaged(batchABC(1), sizes, { id: 0x0704, serial: 100 });
    expect(decodeFrames([report(), ...pick(frames, keep)])).toEqual({
      points: [{ ...pointA, terminal, serial: 42 }],
      errors: [
        {
          frame: 1,
          reason: `sub-packaged message 0x0704 of terminal 13800138000, first serial number 100: ${reason}`,
        },
      ],
    });
  });

  it.each([
    {
      name: 'serials that are not consecutive',
      second: { serial: 105 },
      terminals: ['13800138000', '13800138000'],
      firsts: [100, 104],
    },
    {
      name: 'another terminal',
      second: { serial: 101, terminal: '013800138001' },
      terminals: ['13800138000', '13800138001'],
      firsts: [100, 100],
    },
  ])('does not put together packages with $name', ({ second, terminals, firsts }) => {
    const one = messageFrame(bodyB.slice(0, 19), { serial: 100, pkg: { total: 2, seq: 1 } });
    const two = messageFrame(bodyB.slice(19), { ...second, pkg: { total: 2, seq: 2 } });
    expect(decodeFrames([one, two]).errors).toEqual([
      {
        frame: 0,
        reason: `sub-packaged message 0x0200 of terminal ${terminals[0]}, first serial number ${firsts[0]}: missing package 2 of 2 (received 1)`,
      },
      {
        frame: 1,
        reason: `sub-packaged message 0x0200 of terminal ${terminals[1]}, first serial number ${firsts[1]}: missing package 1 of 2 (received 1)`,
      },
    ]);
  });

  it('refuses packages that disagree on the package count', () => {
    const one = messageFrame(bodyB.slice(0, 19), { serial: 100, pkg: { total: 2, seq: 1 } });
    const two = messageFrame(bodyB.slice(19), { serial: 101, pkg: { total: 3, seq: 2 } });
    expect(decodeFrames([one, two]).errors).toEqual([
      {
        frame: 0,
        reason:
          'sub-packaged message 0x0200 of terminal 13800138000, first serial number 100: packages disagree on the package count: frames[0] says 2, frames[1] says 3',
      },
    ]);
  });

  it('refuses a reassembled batch whose items do not add up', () => {
    const frames = packaged(batchBody(0, [bodyA, bodyB, bodyC], 4), [60, 47], { id: 0x0704, serial: 100 });
    expect(decodeFrames(frames).errors).toEqual([
      {
        frame: 0,
        reason:
          'sub-packaged message 0x0704 of terminal 13800138000, first serial number 100: item count mismatch: data item count 4, but the body ends after item 3',
      },
    ]);
  });

  it('refuses a bad item of a reassembled batch and keeps the others', () => {
    const bytes = batchBody(1, [bodyA, body({ time: '261301120000' })]);
    const { points, errors } = decodeFrames(packaged(bytes, [33, 30], { id: 0x0704, serial: 100 }));
    expect(points).toEqual([{ ...pointA, terminal, serial: 100, blindArea: true }]);
    expect(errors).toEqual([
      {
        frame: 0,
        reason:
          'sub-packaged message 0x0704 of terminal 13800138000, first serial number 100: item 2 of 2: invalid time: 2026-13-01 12:00:00 is not a real date and time',
      },
    ]);
  });

  it('checks each package frame on its own: a bad checksum refuses that frame and leaves a gap', () => {
    const [one, two] = packaged(bodyB, [19, 19], { serial: 100 });
    // Flip a body byte of package 2 (16 header bytes after the flag, no escapes before it).
    const broken = `${two?.slice(0, 34)}${two?.slice(34, 36) === 'ff' ? '00' : 'ff'}${two?.slice(36)}`;
    const { points, errors } = decodeFrames([one as string, broken]);
    expect(points).toEqual([]);
    expect(errors).toEqual([
      {
        frame: 0,
        reason:
          'sub-packaged message 0x0200 of terminal 13800138000, first serial number 100: missing package 2 of 2 (received 1)',
      },
      { frame: 1, reason: expect.stringMatching(/^checksum mismatch: expected 0x[0-9A-F]{2}, got 0x/) },
    ]);
  });

  it.each([
    { name: '3 of 2', total: 2, seq: 3 },
    { name: '0 of 2', total: 2, seq: 0 },
    { name: '0 of 0', total: 0, seq: 0 },
  ])('refuses a package item numbered $name', ({ total, seq }) => {
    expect(decodeFrames([messageFrame(bodyA, { pkg: { total, seq } })]).errors).toEqual([
      { frame: 0, reason: `bad package item: package ${seq} of ${total} (numbers run from 1 to the total)` },
    ]);
  });

  it('reads package 1 of 1 as a whole message', () => {
    expect(decodeFrames([messageFrame(bodyA, { pkg: { total: 1, seq: 1 } })]).points).toEqual([
      { ...pointA, terminal, serial: 42 },
    ]);
  });
});

describe('decodeFrames: other messages and bad frames', () => {
  it.each([
    { name: '0x0102 authentication', hex: messageFrame([0x31, 0x32, 0x33], { id: 0x0102 }), id: '0x0102' },
    { name: '0x0002 heartbeat', hex: messageFrame([], { id: 0x0002 }), id: '0x0002' },
    {
      name: 'a package of a 0x0801 multimedia upload',
      hex: messageFrame([1, 2, 3, 4], { id: 0x0801, pkg: { total: 9, seq: 4 } }),
      id: '0x0801',
    },
  ])('refuses $name with the ids it reads', ({ hex, id }) => {
    expect(decodeFrames([hex, report()])).toEqual({
      points: [{ ...pointA, terminal, serial: 42 }],
      errors: [
        {
          frame: 0,
          reason: `not a location report (message id ${id}): only location reports (0x0200) and location batch uploads (0x0704) are read`,
        },
      ],
    });
  });

  it('gives the same points and reasons as decodeLocationFrame for single reports', () => {
    const frames = [report(), report({ status: 0 }), 'zz', report({ speed: 605 }, { serial: 9 })];
    expect(decodeFrames(frames)).toEqual({
      points: [
        { ...pointA, terminal, serial: 42 },
        { ...pointA, speedKmh: 60.5, terminal, serial: 9 },
      ],
      errors: [
        { frame: 1, reason: 'not positioned' },
        { frame: 2, reason: 'frame is not an even number of hex digits' },
      ],
    });
  });

  it('refuses every frame when the working flag source is out of range, instead of throwing', () => {
    const { points, errors } = decodeFrames([report(), report()], { item: 0x2a, bit: 16 });
    expect(points).toEqual([]);
    expect(errors.map((error) => error.frame)).toEqual([0, 1]);
    expect(errors[0]?.reason).toMatch(/^working flag source 0x2A:16/);
  });
});
