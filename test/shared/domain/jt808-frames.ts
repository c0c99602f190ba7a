/**
 * Hand-built JT/T 808 frames for the decoder's tests, laid out byte by byte from the JT/T 808 tables,
 * independently of the module's encoder.
 */

// 0x7e | message id WORD | properties WORD | [2019: version BYTE] | terminal BCD[6|10] | serial WORD |
// body | XOR checksum | 0x7e, with 0x7e → 0x7d 0x02 and 0x7d → 0x7d 0x01 between the flags.

export const word = (value: number): number[] => [(value >>> 8) & 0xff, value & 0xff];
export const dword = (value: number): number[] => [
  (value >>> 24) & 0xff,
  (value >>> 16) & 0xff,
  (value >>> 8) & 0xff,
  value & 0xff,
];
/** "260315083005" → [0x26, 0x03, 0x15, 0x08, 0x30, 0x05]. */
export const bcd = (digits: string): number[] => {
  const bytes: number[] = [];
  for (let i = 0; i < digits.length; i += 2) bytes.push(Number.parseInt(digits.slice(i, i + 2), 16));
  return bytes;
};
export const xorOf = (bytes: readonly number[]): number => bytes.reduce((sum, byte) => sum ^ byte, 0);
export const toHex = (bytes: readonly number[]): string =>
  bytes.map((byte) => byte.toString(16).padStart(2, '0')).join('');

/** Flags, escaping and the checksum (the XOR of the content, unless `checksum` overrides it). */
export const frame = (content: readonly number[], checksum = xorOf(content)): string => {
  const escaped: number[] = [];
  for (const byte of [...content, checksum]) {
    if (byte === 0x7e) escaped.push(0x7d, 0x02);
    else if (byte === 0x7d) escaped.push(0x7d, 0x01);
    else escaped.push(byte);
  }
  return toHex([0x7e, ...escaped, 0x7e]);
};

export interface Header {
  readonly id?: number;
  readonly terminal?: string;
  readonly serial?: number;
  /** Properties bits on top of the body length (encryption, sub-package). */
  readonly props?: number;
  /** Overrides the body length written in the properties. */
  readonly length?: number;
}

/** 2013 header: id, properties, BCD[6] terminal number, serial. */
export const header2013 = (bodyLength: number, h: Header = {}): number[] => [
  ...word(h.id ?? 0x0200),
  ...word((h.length ?? bodyLength) | (h.props ?? 0)),
  ...bcd(h.terminal ?? '013800138000'),
  ...word(h.serial ?? 42),
];

/** 2019 header: id, properties with the version flag (bit 14), protocol version, BCD[10] terminal, serial. */
export const header2019 = (bodyLength: number, h: Header = {}): number[] => [
  ...word(h.id ?? 0x0200),
  ...word((h.length ?? bodyLength) | 0x4000 | (h.props ?? 0)),
  0x01,
  ...bcd(h.terminal ?? '00000000013800138000'),
  ...word(h.serial ?? 42),
];

export interface Body {
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

export const body = (b: Body = {}): number[] => [
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

export const item = (id: number, value: readonly number[]): number[] => [id, value.length, ...value];

/** A complete 2013 location report frame. */
export const report = (b: Body = {}, h: Header = {}): string => {
  const bytes = body(b);
  return frame([...header2013(bytes.length, h), ...bytes]);
};

/** One package of a sub-packaged message: total packages and this package's sequence number (from 1). */
export interface PackageItem {
  readonly total: number;
  readonly seq: number;
}

/** Header fields of {@link messageFrame}: a 2013 (default) or 2019 header, optionally with a package item. */
export interface MessageHeader extends Header {
  readonly edition?: 2013 | 2019;
  /** Sets body property bit 13 and writes the package item (total WORD, sequence number WORD) after the serial. */
  readonly pkg?: PackageItem;
}

/** A frame of any message id (default 0x0200) around `bytes`: header, [package item], body, checksum, escaping. */
export const messageFrame = (bytes: readonly number[], h: MessageHeader = {}): string => {
  const fields = { ...h, props: (h.props ?? 0) | (h.pkg === undefined ? 0 : 0x2000) };
  const header = h.edition === 2019 ? header2019(bytes.length, fields) : header2013(bytes.length, fields);
  const item = h.pkg === undefined ? [] : [...word(h.pkg.total), ...word(h.pkg.seq)];
  return frame([...header, ...item, ...bytes]);
};

/**
 * A 0x0704 location data batch upload body: data item count WORD (default: the number of items), location
 * data type BYTE (0 normal batch, 1 blind-area supplement), then per item its length WORD and its bytes.
 */
export const batchBody = (
  type: number,
  items: readonly (readonly number[])[],
  count: number = items.length,
): number[] => [...word(count), type, ...items.flatMap((bytes) => [...word(bytes.length), ...bytes])];

/**
 * A message body cut into packages of the given sizes (they must add up to the body's length), each as a
 * frame of message `h.id`: package `seq` of `sizes.length`, serial `h.serial + seq - 1` (modulo 65536).
 * Returned in sequence order.
 */
export const packaged = (
  bytes: readonly number[],
  sizes: readonly number[],
  h: MessageHeader = {},
): string[] => {
  if (sizes.reduce((sum, size) => sum + size, 0) !== bytes.length) {
    throw new Error(`package sizes ${sizes.join('+')} do not add up to the body's ${bytes.length} bytes`);
  }
  let at = 0;
  return sizes.map((size, index) => {
    const part = bytes.slice(at, at + size);
    at += size;
    const serial = ((h.serial ?? 42) + index) & 0xffff;
    return messageFrame(part, { ...h, serial, pkg: { total: sizes.length, seq: index + 1 } });
  });
};
