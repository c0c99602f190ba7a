/**
 * JT/T 808 (road transport vehicle satellite positioning terminal protocol) location reports, message id
 * 0x0200, decoded from hex frames into GPS track points. Covers the 2013 edition and the 2019 edition's
 * header (version flag, protocol version byte, BCD[10] terminal number).
 *
 * Frame: `0x7e | header | body | checksum | 0x7e`, with 0x7e and 0x7d inside escaped as `0x7d 0x02` and
 * `0x7d 0x01`; the checksum is the XOR of every unescaped byte from the message id to the end of the body.
 * Words and double words are big-endian.
 */

/** Where the working flag is read: the additional-information item id (0x2A IO status WORD or 0x25 extended signal status DWORD) and the bit. */
export interface WorkingFlagSource {
  readonly item: 0x2a | 0x25;
  readonly bit: number;
}

/**
 * The default working flag: additional item 0x2A (IO status, WORD), bit 2.
 *
 * The standard defines only bits 0 (deep sleep) and 1 (sleep) of the 0x2A IO status word and leaves bits
 * 2-15 reserved, so bit 2 is the first bit free for a vehicle's own input; it is where sweeper and washer
 * terminals commonly report their work switch (brush / spray pump). The 0x25 extended signal status, by
 * contrast, has bits 0-14 taken by lamps, brake, reverse, horn, air conditioning and so on. Fleets wired
 * differently pass their own source, e.g. `parseWorkingFlag('0x25:20')`.
 */
export const defaultWorkingFlag: WorkingFlagSource = { item: 0x2a, bit: 2 };

/** Bits in the item's value: the 0x2A IO status is a WORD, the 0x25 extended signal status a DWORD. */
const ITEM_BITS = { 42: 16, 37: 32 } as const;

const itemName = (item: 0x2a | 0x25): string => (item === 0x2a ? '0x2A' : '0x25');

/**
 * Parses "0x2A:2" / "0x25:5" (case-insensitive hex id, decimal bit 0..15 for 0x2A, 0..31 for 0x25);
 * throws Error with a clear message otherwise.
 */
export function parseWorkingFlag(text: string): WorkingFlagSource {
  const match = /^0x(2a|25):(\d{1,2})$/i.exec(text.trim());
  if (!match) {
    throw new Error(
      `working flag must be "<item>:<bit>" with item 0x2A (IO status) or 0x25 (extended signal status), e.g. "0x2A:2"; got ${JSON.stringify(text)}`,
    );
  }
  const item = (match[1]?.toLowerCase() === '2a' ? 0x2a : 0x25) as 0x2a | 0x25;
  const bit = Number(match[2]);
  const bits = ITEM_BITS[item];
  if (bit >= bits) {
    throw new Error(`working flag bit ${bit} is out of range for item ${itemName(item)} (0..${bits - 1})`);
  }
  return { item, bit };
}

/** One GPS track point read from a location report. */
export interface Jt808Point {
  /** Fix time, RFC 3339 in the protocol's GMT+8: `20YY-MM-DDThh:mm:ss+08:00`. */
  t: string;
  /** Degrees, negative in the southern hemisphere. */
  lat: number;
  /** Degrees, negative in the western hemisphere. */
  lon: number;
  /** Speed, km/h (the frame carries 1/10 km/h). */
  speedKmh: number;
  /** The working flag; absent when the frame lacks the additional item it is read from. */
  working?: boolean;
  /** Terminal (phone) number digits from the header, without the leading zeros that pad it to BCD[6]/BCD[10]. */
  terminal: string;
  /** The header's message serial number. */
  serial: number;
}

/** A decoded point, or a short human reason why the frame was refused. */
export type Jt808Result = { ok: true; point: Jt808Point } | { ok: false; reason: string };

const FLAG = 0x7e;
const ESCAPE = 0x7d;
const LOCATION_REPORT = 0x0200;
/** Alarm, status, latitude, longitude (DWORDs), altitude, speed, direction (WORDs), time BCD[6]. */
const BASIC_LOCATION_BYTES = 28;
const STATUS_POSITIONED = 1 << 1;
const STATUS_SOUTH = 1 << 2;
const STATUS_WEST = 1 << 3;
const PROPS_LENGTH_MASK = 0x3ff;
const PROPS_SUBPACKAGE = 1 << 13;
const PROPS_VERSION = 1 << 14;

const hex2 = (value: number): string => `0x${value.toString(16).toUpperCase().padStart(2, '0')}`;
const hex4 = (value: number): string => `0x${value.toString(16).toUpperCase().padStart(4, '0')}`;

const fail = (reason: string): Jt808Result => ({ ok: false, reason });

/** Hex digits to bytes; undefined when the text is not an even number of hex digits. */
const hexToBytes = (hex: string): Uint8Array | undefined => {
  const digits = hex.replace(/\s+/g, '');
  if (digits.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(digits)) return undefined;
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
};

/** Reverses the escaping of the bytes between the flags, or says what is wrong. */
const unescapeContent = (bytes: Uint8Array): Uint8Array | string => {
  const out = new Uint8Array(bytes.length - 2);
  let length = 0;
  for (let i = 1; i < bytes.length - 1; i += 1) {
    const byte = bytes[i] as number;
    if (byte === FLAG) return `unexpected 0x7E inside the frame at byte ${i}`;
    if (byte !== ESCAPE) {
      out[length++] = byte;
      continue;
    }
    if (i + 1 === bytes.length - 1) return 'bad escape: 0x7D right before the end flag';
    const next = bytes[i + 1] as number;
    if (next === 0x02) out[length++] = FLAG;
    else if (next === 0x01) out[length++] = ESCAPE;
    else return `bad escape: 0x7D followed by ${hex2(next)} at byte ${i}`;
    i += 1;
  }
  return out.subarray(0, length);
};

const xor = (bytes: Uint8Array, end: number): number => {
  let sum = 0;
  for (let i = 0; i < end; i += 1) sum ^= bytes[i] as number;
  return sum;
};

/** BCD bytes as decimal digits; undefined when a nibble is above 9. */
const bcdDigits = (bytes: Uint8Array): string | undefined => {
  let digits = '';
  for (const byte of bytes) {
    const high = byte >> 4;
    const low = byte & 0x0f;
    if (high > 9 || low > 9) return undefined;
    digits += `${high}${low}`;
  }
  return digits;
};

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** BCD[6] YYMMDDhhmmss (GMT+8, year 20YY) as RFC 3339, or a reason. */
const bcdTime = (bytes: Uint8Array): { t: string } | { reason: string } => {
  const digits = bcdDigits(bytes);
  if (digits === undefined) {
    return { reason: `invalid time: ${[...bytes].map((byte) => hex2(byte).slice(2)).join('')} is not BCD` };
  }
  const [yy, mm, dd, hh, mi, ss] = (digits.match(/../g) ?? []) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const year = 2000 + Number(yy);
  const month = Number(mm);
  const day = Number(dd);
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    Number(hh) <= 23 &&
    Number(mi) <= 59 &&
    Number(ss) <= 59;
  const t = `${year}-${mm}-${dd}T${hh}:${mi}:${ss}+08:00`;
  return valid
    ? { t }
    : { reason: `invalid time: ${t.slice(0, 19).replace('T', ' ')} is not a real date and time` };
};

/** Degrees from a DWORD of 1e-6 degrees, negated in the other hemisphere (never -0). */
const degrees = (raw: number, negative: boolean): number => {
  const value = raw / 1e6;
  return negative && raw !== 0 ? -value : value;
};

/**
 * Decodes one JT/T 808 location report (message id 0x0200) given as hex (case-insensitive, spaces allowed,
 * flags included) into a track point. The working flag is read from the additional item `working` names
 * (default {@link defaultWorkingFlag}). Never throws: every refusal is `{ ok: false, reason }` with a short
 * reason meant for people reviewing quarantined frames.
 */
export function decodeLocationFrame(
  hex: string,
  working: WorkingFlagSource = defaultWorkingFlag,
): Jt808Result {
  const workingBits = ITEM_BITS[working.item];
  if (
    workingBits === undefined ||
    !Number.isInteger(working.bit) ||
    working.bit < 0 ||
    working.bit >= workingBits
  ) {
    return fail(
      `working flag source ${hex2(Number(working.item))}:${working.bit} is not a 0x2A bit 0..15 or 0x25 bit 0..31`,
    );
  }
  if (typeof hex !== 'string') return fail('frame is not a hex string');
  const bytes = hexToBytes(hex);
  if (bytes === undefined) return fail('frame is not an even number of hex digits');
  if (bytes.length === 0) return fail('empty frame');
  if (bytes[0] !== FLAG) return fail('missing 0x7E start flag');
  if (bytes.length < 2 || bytes[bytes.length - 1] !== FLAG) return fail('missing 0x7E end flag');

  const content = unescapeContent(bytes);
  if (typeof content === 'string') return fail(content);
  // Message id, properties, BCD[6] terminal number and serial (the shortest header), then the checksum.
  if (content.length < 13) return fail(`frame too short: ${content.length} bytes between the flags`);
  const checksumAt = content.length - 1;
  const expected = xor(content, checksumAt);
  const got = content[checksumAt] as number;
  if (expected !== got) return fail(`checksum mismatch: expected ${hex2(expected)}, got ${hex2(got)}`);

  const view = new DataView(content.buffer, content.byteOffset, checksumAt);
  const messageId = view.getUint16(0);
  if (messageId !== LOCATION_REPORT) return fail(`not a location report (message id ${hex4(messageId)})`);
  const props = view.getUint16(2);
  const encryption = (props >> 10) & 0x7;
  if (encryption !== 0) return fail(`encrypted body not supported (encryption bits ${encryption})`);
  const is2019 = (props & PROPS_VERSION) !== 0;
  const terminalAt = is2019 ? 5 : 4;
  const terminalBytes = is2019 ? 10 : 6;
  const serialAt = terminalAt + terminalBytes;
  const subpackage = (props & PROPS_SUBPACKAGE) !== 0;
  const bodyAt = serialAt + 2 + (subpackage ? 4 : 0);
  if (checksumAt < bodyAt) return fail(`header truncated: ${checksumAt} bytes, need ${bodyAt}`);
  if (subpackage) {
    const total = view.getUint16(serialAt + 2);
    const index = view.getUint16(serialAt + 4);
    if (total !== 1 || index !== 1) {
      return fail(`split location report (package ${index} of ${total}) not supported`);
    }
  }
  const terminalDigits = bcdDigits(content.subarray(terminalAt, serialAt));
  if (terminalDigits === undefined) return fail('terminal number is not BCD');
  const terminal = terminalDigits.replace(/^0+(?=.)/, '');
  const serial = view.getUint16(serialAt);

  const bodyLength = checksumAt - bodyAt;
  const declared = props & PROPS_LENGTH_MASK;
  if (declared !== bodyLength) {
    return fail(`body length mismatch: header says ${declared} bytes, frame has ${bodyLength}`);
  }
  if (bodyLength < BASIC_LOCATION_BYTES) {
    return fail(`location body too short: ${bodyLength} bytes, need ${BASIC_LOCATION_BYTES}`);
  }

  const body = new DataView(content.buffer, content.byteOffset + bodyAt, bodyLength);
  const status = body.getUint32(4);
  if ((status & STATUS_POSITIONED) === 0) return fail('not positioned');
  const rawLat = body.getUint32(8);
  const rawLon = body.getUint32(12);
  if (rawLat > 90_000_000) return fail(`latitude out of range: ${(rawLat / 1e6).toFixed(6)}`);
  if (rawLon > 180_000_000) return fail(`longitude out of range: ${(rawLon / 1e6).toFixed(6)}`);
  const speedKmh = body.getUint16(18) / 10;
  const time = bcdTime(content.subarray(bodyAt + 22, bodyAt + BASIC_LOCATION_BYTES));
  if ('reason' in time) return fail(time.reason);

  let flag: boolean | undefined;
  for (let at = BASIC_LOCATION_BYTES; at < bodyLength; ) {
    if (at + 2 > bodyLength) return fail(`truncated additional item at body byte ${at}`);
    const id = body.getUint8(at);
    const length = body.getUint8(at + 1);
    if (at + 2 + length > bodyLength) {
      return fail(
        `truncated additional item ${hex2(id)}: length ${length}, only ${bodyLength - at - 2} bytes left`,
      );
    }
    if (id === working.item && flag === undefined) {
      const size = workingBits / 8;
      if (length !== size) {
        return fail(`additional item ${itemName(working.item)} has length ${length}, expected ${size}`);
      }
      const value = size === 2 ? body.getUint16(at + 2) : body.getUint32(at + 2);
      flag = ((value >>> working.bit) & 1) === 1;
    }
    at += 2 + length;
  }

  const point: Jt808Point = {
    t: time.t,
    lat: degrees(rawLat, (status & STATUS_SOUTH) !== 0),
    lon: degrees(rawLon, (status & STATUS_WEST) !== 0),
    speedKmh,
    terminal,
    serial,
  };
  if (flag !== undefined) point.working = flag;
  return { ok: true, point };
}

/** What {@link encodeLocationFrame} puts into a location report. */
export interface Jt808LocationInput {
  /** Terminal (phone) number digits; left-padded with zeros to 12 (2013) or 20 (2019) digits. */
  readonly terminal: string;
  /** Message serial number, 0..65535. */
  readonly serial: number;
  /** Fix time (an instant); written as GMT+8 BCD YYMMDDhhmmss, so it must fall in 2000..2099 there. */
  readonly t: string | number | Date;
  /** Degrees; negative sets the south latitude status bit. */
  readonly lat: number;
  /** Degrees; negative sets the west longitude status bit. */
  readonly lon: number;
  /** km/h, written in 1/10 km/h. */
  readonly speedKmh: number;
  /** Metres, default 0. */
  readonly altitudeM?: number;
  /** Degrees 0..359 from north, default 0. */
  readonly direction?: number;
  /** Alarm flag DWORD, default 0. */
  readonly alarm?: number;
  /** Status bit 1; default true. */
  readonly positioned?: boolean;
  /** When set, adds the working flag's additional item with its bit set or clear. */
  readonly working?: boolean;
  /** Where `working` is written; default {@link defaultWorkingFlag}. */
  readonly workingFlag?: WorkingFlagSource;
  /** Further additional items, written after the working flag's item. */
  readonly items?: ReadonlyArray<{ readonly id: number; readonly value: ArrayLike<number> }>;
  /** 2013 (default): BCD[6] terminal number; 2019: version flag, protocol version byte, BCD[10]. */
  readonly edition?: 2013 | 2019;
  /** The 2019 header's protocol version byte, default 1. */
  readonly protocolVersion?: number;
}

const pushWord = (out: number[], value: number): void => {
  out.push((value >>> 8) & 0xff, value & 0xff);
};
const pushDword = (out: number[], value: number): void => {
  out.push((value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
};
const pushBcd = (out: number[], digits: string): void => {
  for (let i = 0; i < digits.length; i += 2) out.push(Number.parseInt(digits.slice(i, i + 2), 16));
};

const checkRange = (name: string, value: number, min: number, max: number): number => {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer ${min}..${max}, got ${value}`);
  }
  return value;
};

/**
 * Builds a location report frame (for tests, the demo and simulators): lays out header and body, computes
 * the checksum and applies escaping. Returns lowercase hex with the flags. Throws Error on input it cannot
 * encode (a terminal number that is not digits or too long, out-of-range values, a time outside 2000..2099).
 */
export function encodeLocationFrame(input: Jt808LocationInput): string {
  const edition = input.edition ?? 2013;
  const terminalDigits = edition === 2019 ? 20 : 12;
  if (!/^\d+$/.test(input.terminal) || input.terminal.length > terminalDigits) {
    throw new Error(
      `terminal must be 1..${terminalDigits} digits for the ${edition} edition, got "${input.terminal}"`,
    );
  }
  const when = new Date(input.t instanceof Date ? input.t.getTime() : input.t);
  if (Number.isNaN(when.getTime())) throw new Error(`t is not a valid time: ${String(input.t)}`);
  const gmt8 = new Date(when.getTime() + 8 * 3_600_000).toISOString();
  const year = Number(gmt8.slice(0, 4));
  if (year < 2000 || year > 2099)
    throw new Error(`t must fall in 2000..2099 at GMT+8, got ${gmt8.slice(0, 4)}`);
  if (!(Math.abs(input.lat) <= 90) || !(Math.abs(input.lon) <= 180)) {
    throw new Error(`lat must be within ±90 and lon within ±180, got ${input.lat}, ${input.lon}`);
  }

  const body: number[] = [];
  pushDword(body, checkRange('alarm', input.alarm ?? 0, 0, 0xffffffff));
  const status =
    (input.positioned === false ? 0 : STATUS_POSITIONED) |
    (input.lat < 0 ? STATUS_SOUTH : 0) |
    (input.lon < 0 ? STATUS_WEST : 0);
  pushDword(body, status);
  pushDword(body, Math.round(Math.abs(input.lat) * 1e6));
  pushDword(body, Math.round(Math.abs(input.lon) * 1e6));
  pushWord(body, checkRange('altitudeM', input.altitudeM ?? 0, 0, 0xffff));
  pushWord(body, checkRange('speed (1/10 km/h)', Math.round(input.speedKmh * 10), 0, 0xffff));
  pushWord(body, checkRange('direction', input.direction ?? 0, 0, 359));
  pushBcd(body, gmt8.slice(2, 19).replace(/\D/g, ''));

  const items = [...(input.items ?? [])];
  if (input.working !== undefined) {
    const source = input.workingFlag ?? defaultWorkingFlag;
    const bits = ITEM_BITS[source.item];
    checkRange(`working flag bit for ${itemName(source.item)}`, source.bit, 0, bits - 1);
    const value: number[] = [];
    const mask = input.working ? 2 ** source.bit : 0;
    if (bits === 16) pushWord(value, mask);
    else pushDword(value, mask);
    items.unshift({ id: source.item, value });
  }
  for (const item of items) {
    body.push(checkRange('item id', item.id, 0, 0xff), checkRange('item length', item.value.length, 0, 0xff));
    for (let i = 0; i < item.value.length; i += 1)
      body.push(checkRange('item byte', item.value[i] as number, 0, 0xff));
  }
  checkRange('body length', body.length, 0, PROPS_LENGTH_MASK);

  const content: number[] = [];
  pushWord(content, LOCATION_REPORT);
  pushWord(content, body.length | (edition === 2019 ? PROPS_VERSION : 0));
  if (edition === 2019) content.push(checkRange('protocolVersion', input.protocolVersion ?? 1, 0, 0xff));
  pushBcd(content, input.terminal.padStart(terminalDigits, '0'));
  pushWord(content, checkRange('serial', input.serial, 0, 0xffff));
  content.push(...body);
  content.push(xor(Uint8Array.from(content), content.length));

  const framed = [FLAG];
  for (const byte of content) {
    if (byte === FLAG) framed.push(ESCAPE, 0x02);
    else if (byte === ESCAPE) framed.push(ESCAPE, 0x01);
    else framed.push(byte);
  }
  framed.push(FLAG);
  return framed.map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
