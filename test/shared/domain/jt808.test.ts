import { describe, expect, it } from 'vitest';
import {
  decodeLocationFrame,
  defaultWorkingFlag,
  encodeLocationFrame,
  parseWorkingFlag,
  type WorkingFlagSource,
} from '#shared/domain/jt808';

// Frames are laid out here byte by byte from the JT/T 808 tables, independently of the module's encoder:
// 0x7e | message id WORD | properties WORD | [2019: version BYTE] | terminal BCD[6|10] | serial WORD |
// body | XOR checksum | 0x7e, with 0x7e → 0x7d 0x02 and 0x7d → 0x7d 0x01 between the flags.

const word = (value: number): number[] => [(value >>> 8) & 0xff, value & 0xff];
const dword = (value: number): number[] => [
  (value >>> 24) & 0xff,
  (value >>> 16) & 0xff,
  (value >>> 8) & 0xff,
  value & 0xff,
];
/** "260315083005" → [0x26, 0x03, 0x15, 0x08, 0x30, 0x05]. */
const bcd = (digits: string): number[] => {
  const bytes: number[] = [];
  for (let i = 0; i < digits.length; i += 2) bytes.push(Number.parseInt(digits.slice(i, i + 2), 16));
  return bytes;
};
const xorOf = (bytes: readonly number[]): number => bytes.reduce((sum, byte) => sum ^ byte, 0);
const toHex = (bytes: readonly number[]): string =>
  bytes.map((byte) => byte.toString(16).padStart(2, '0')).join('');

/** Flags, escaping and the checksum (the XOR of the content, unless `checksum` overrides it). */
const frame = (content: readonly number[], checksum = xorOf(content)): string => {
  const escaped: number[] = [];
  for (const byte of [...content, checksum]) {
    if (byte === 0x7e) escaped.push(0x7d, 0x02);
    else if (byte === 0x7d) escaped.push(0x7d, 0x01);
    else escaped.push(byte);
  }
  return toHex([0x7e, ...escaped, 0x7e]);
};

interface Header {
  readonly id?: number;
  readonly terminal?: string;
  readonly serial?: number;
  /** Properties bits on top of the body length (encryption, sub-package). */
  readonly props?: number;
  /** Overrides the body length written in the properties. */
  readonly length?: number;
}

/** 2013 header: id, properties, BCD[6] terminal number, serial. */
const header2013 = (bodyLength: number, h: Header = {}): number[] => [
  ...word(h.id ?? 0x0200),
  ...word((h.length ?? bodyLength) | (h.props ?? 0)),
  ...bcd(h.terminal ?? '013800138000'),
  ...word(h.serial ?? 42),
];

/** 2019 header: id, properties with the version flag (bit 14), protocol version, BCD[10] terminal, serial. */
const header2019 = (bodyLength: number, h: Header = {}): number[] => [
  ...word(h.id ?? 0x0200),
  ...word((h.length ?? bodyLength) | 0x4000 | (h.props ?? 0)),
  0x01,
  ...bcd(h.terminal ?? '00000000013800138000'),
  ...word(h.serial ?? 42),
];

interface Body {
  readonly alarm?: number;
  /** Bit 1 positioned, bit 2 south, bit 3 west. */
  readonly status?: number;
  /** 1e-6 degree. */
  readonly lat?: number;
  readonly lon?: number;
  readonly altitude?: number;
  /** 1/10 km/h. */
  readonly speed?: number;
  readonly direction?: number;
  /** YYMMDDhhmmss, GMT+8. */
  readonly time?: string;
  /** Additional items, each id, length, value. */
  readonly items?: readonly (readonly number[])[];
}

const body = (b: Body = {}): number[] => [
  ...dword(b.alarm ?? 0),
  ...dword(b.status ?? 0x02),
  ...dword(b.lat ?? 39_908_722),
  ...dword(b.lon ?? 116_397_499),
  ...word(b.altitude ?? 44),
  ...word(b.speed ?? 345),
  ...word(b.direction ?? 90),
  ...bcd(b.time ?? '260315083005'),
  ...(b.items ?? []).flat(),
];

const item = (id: number, value: readonly number[]): number[] => [id, value.length, ...value];

/** A complete 2013 location report frame. */
const report = (b: Body = {}, h: Header = {}): string => {
  const bytes = body(b);
  return frame([...header2013(bytes.length, h), ...bytes]);
};

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
