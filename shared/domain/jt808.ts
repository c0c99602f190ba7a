/**
 * JT/T 808 (road transport vehicle satellite positioning terminal protocol) location data, decoded from hex
 * frames into GPS track points: location reports (message id 0x0200), location data batch uploads (0x0704,
 * normal batches and blind-area supplements) and sub-packaged messages of either, reassembled from the
 * frames of one list. Covers the 2013 edition and the 2019 edition's header (version flag, protocol
 * version byte, BCD[10] terminal number).
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

/** One GPS track point read from a location report or from an item of a location batch upload. */
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
  /** The header's message serial (flow) number; for a sub-packaged message, that of its first package. */
  serial: number;
  /**
   * Only on points of a 0x0704 location batch upload: true when its location data type is 1 (blind-area
   * supplement: points buffered while the terminal had no network), false when 0 (normal batch report).
   */
  blindArea?: boolean;
}

/** A decoded point, or a short human reason why the frame was refused. */
export type Jt808Result = { ok: true; point: Jt808Point } | { ok: false; reason: string };

/** Why a frame, an item of a batch or a sub-packaged message was refused. */
export interface Jt808FrameError {
  /** Index of the frame in the list given; for a sub-packaged message, of the first of its frames there. */
  readonly frame: number;
  /** A short reason meant for people reviewing quarantined frames. */
  readonly reason: string;
}

/** What {@link decodeFrames} read from a list of frames. */
export interface Jt808Decoded {
  /** The points, in the order of the frames (a sub-packaged message at its first frame) and of batch items. */
  readonly points: Jt808Point[];
  /** The refusals, in the order of the frames they point at. */
  readonly errors: Jt808FrameError[];
}

const FLAG = 0x7e;
const ESCAPE = 0x7d;
const LOCATION_REPORT = 0x0200;
const LOCATION_BATCH = 0x0704;
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

/** The working flag item's size in bits, or a reason when the source is not one the decoder can read. */
const checkWorkingSource = (working: WorkingFlagSource): number | string => {
  const workingBits = ITEM_BITS[working.item];
  if (
    workingBits === undefined ||
    !Number.isInteger(working.bit) ||
    working.bit < 0 ||
    working.bit >= workingBits
  ) {
    return `working flag source ${hex2(Number(working.item))}:${working.bit} is not a 0x2A bit 0..15 or 0x25 bit 0..31`;
  }
  return workingBits;
};

/** The unescaped bytes between the flags (header, body, checksum) with the checksum verified, or a reason. */
const openFrame = (hex: unknown): Uint8Array | string => {
  if (typeof hex !== 'string') return 'frame is not a hex string';
  const bytes = hexToBytes(hex);
  if (bytes === undefined) return 'frame is not an even number of hex digits';
  if (bytes.length === 0) return 'empty frame';
  if (bytes[0] !== FLAG) return 'missing 0x7E start flag';
  if (bytes.length < 2 || bytes[bytes.length - 1] !== FLAG) return 'missing 0x7E end flag';
  const content = unescapeContent(bytes);
  if (typeof content === 'string') return content;
  // Message id, properties, BCD[6] terminal number and serial (the shortest header), then the checksum.
  if (content.length < 13) return `frame too short: ${content.length} bytes between the flags`;
  const checksumAt = content.length - 1;
  const expected = xor(content, checksumAt);
  const got = content[checksumAt] as number;
  if (expected !== got) return `checksum mismatch: expected ${hex2(expected)}, got ${hex2(got)}`;
  return content;
};

const messageIdOf = (content: Uint8Array): number => ((content[0] as number) << 8) | (content[1] as number);

/** A frame's header fields and its body. */
interface Message {
  readonly messageId: number;
  readonly terminal: string;
  readonly serial: number;
  /** The package item, present when body property bit 13 (sub-package) is set. */
  readonly pkg?: { readonly total: number; readonly seq: number };
  readonly body: Uint8Array;
}

/** Reads the header of checked content (see {@link openFrame}) and cuts out the body, or says what is wrong. */
const readMessage = (content: Uint8Array): Message | string => {
  const checksumAt = content.length - 1;
  const view = new DataView(content.buffer, content.byteOffset, checksumAt);
  const props = view.getUint16(2);
  const encryption = (props >> 10) & 0x7;
  if (encryption !== 0) return `encrypted body not supported (encryption bits ${encryption})`;
  const is2019 = (props & PROPS_VERSION) !== 0;
  const terminalAt = is2019 ? 5 : 4;
  const terminalBytes = is2019 ? 10 : 6;
  const serialAt = terminalAt + terminalBytes;
  // The package item (total packages WORD, package sequence number WORD) follows the serial, in both editions.
  const subpackage = (props & PROPS_SUBPACKAGE) !== 0;
  const bodyAt = serialAt + 2 + (subpackage ? 4 : 0);
  if (checksumAt < bodyAt) return `header truncated: ${checksumAt} bytes, need ${bodyAt}`;
  const terminalDigits = bcdDigits(content.subarray(terminalAt, serialAt));
  if (terminalDigits === undefined) return 'terminal number is not BCD';
  const bodyLength = checksumAt - bodyAt;
  const declared = props & PROPS_LENGTH_MASK;
  if (declared !== bodyLength) {
    return `body length mismatch: header says ${declared} bytes, frame has ${bodyLength}`;
  }
  return {
    messageId: view.getUint16(0),
    terminal: terminalDigits.replace(/^0+(?=.)/, ''),
    serial: view.getUint16(serialAt),
    ...(subpackage
      ? { pkg: { total: view.getUint16(serialAt + 2), seq: view.getUint16(serialAt + 4) } }
      : {}),
    body: content.subarray(bodyAt, checksumAt),
  };
};

/** What a 0x0200 location report body gives, without the header's terminal and serial. */
type LocationFix = Pick<Jt808Point, 't' | 'lat' | 'lon' | 'speedKmh' | 'working'>;

/**
 * Decodes a 0x0200 location report body (basic information, then additional items) — a whole message's
 * body or one item of a 0x0704 batch — or says why it is refused.
 */
const decodeLocationBody = (
  bytes: Uint8Array,
  working: WorkingFlagSource,
  workingBits: number,
): LocationFix | string => {
  const bodyLength = bytes.length;
  if (bodyLength < BASIC_LOCATION_BYTES) {
    return `location body too short: ${bodyLength} bytes, need ${BASIC_LOCATION_BYTES}`;
  }
  const body = new DataView(bytes.buffer, bytes.byteOffset, bodyLength);
  const status = body.getUint32(4);
  if ((status & STATUS_POSITIONED) === 0) return 'not positioned';
  const rawLat = body.getUint32(8);
  const rawLon = body.getUint32(12);
  if (rawLat > 90_000_000) return `latitude out of range: ${(rawLat / 1e6).toFixed(6)}`;
  if (rawLon > 180_000_000) return `longitude out of range: ${(rawLon / 1e6).toFixed(6)}`;
  const speedKmh = body.getUint16(18) / 10;
  const time = bcdTime(bytes.subarray(22, BASIC_LOCATION_BYTES));
  if ('reason' in time) return time.reason;

  let flag: boolean | undefined;
  for (let at = BASIC_LOCATION_BYTES; at < bodyLength; ) {
    if (at + 2 > bodyLength) return `truncated additional item at body byte ${at}`;
    const id = body.getUint8(at);
    const length = body.getUint8(at + 1);
    if (at + 2 + length > bodyLength) {
      return `truncated additional item ${hex2(id)}: length ${length}, only ${bodyLength - at - 2} bytes left`;
    }
    if (id === working.item && flag === undefined) {
      const size = workingBits / 8;
      if (length !== size) {
        return `additional item ${itemName(working.item)} has length ${length}, expected ${size}`;
      }
      const value = size === 2 ? body.getUint16(at + 2) : body.getUint32(at + 2);
      flag = ((value >>> working.bit) & 1) === 1;
    }
    at += 2 + length;
  }

  const fix: LocationFix = {
    t: time.t,
    lat: degrees(rawLat, (status & STATUS_SOUTH) !== 0),
    lon: degrees(rawLon, (status & STATUS_WEST) !== 0),
    speedKmh,
  };
  if (flag !== undefined) fix.working = flag;
  return fix;
};

/** The points of one message and the refusals of single batch items (the rest of the message still counts). */
interface MessagePoints {
  readonly points: Jt808Point[];
  readonly errors: string[];
}

/**
 * Decodes a 0x0704 body: data item count WORD, location data type BYTE (0 normal batch, 1 blind-area
 * supplement), then per item a length WORD and a 0x0200 body. A layout that does not add up (an item
 * running past the end, fewer or more items than the count) refuses the whole body; an item whose
 * location body is refused refuses that item only.
 */
const decodeBatchBody = (
  message: Message,
  working: WorkingFlagSource,
  workingBits: number,
): MessagePoints | string => {
  const { body: bytes, terminal, serial } = message;
  if (bytes.length < 3) {
    return `location batch body too short: ${bytes.length} bytes, need at least 3 (item count WORD, data type BYTE)`;
  }
  const body = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const count = body.getUint16(0);
  const type = body.getUint8(2);
  if (type !== 0 && type !== 1) {
    return `unknown location data type ${type} (0 = normal batch report, 1 = blind-area supplement)`;
  }
  if (count === 0) return 'location batch holds no items (data item count 0)';
  const blindArea = type === 1;
  const points: Jt808Point[] = [];
  const errors: string[] = [];
  let at = 3;
  for (let item = 1; item <= count; item += 1) {
    const left = bytes.length - at;
    if (left === 0) {
      return `item count mismatch: data item count ${count}, but the body ends after item ${item - 1}`;
    }
    if (left < 2) return `item ${item} of ${count} truncated: 1 byte left, need 2 for its length`;
    const length = body.getUint16(at);
    if (length > left - 2) {
      return `item ${item} of ${count} truncated: length ${length}, only ${left - 2} bytes left`;
    }
    const fix = decodeLocationBody(bytes.subarray(at + 2, at + 2 + length), working, workingBits);
    if (typeof fix === 'string') errors.push(`item ${item} of ${count}: ${fix}`);
    else points.push({ ...fix, terminal, serial, blindArea });
    at += 2 + length;
  }
  if (at < bytes.length) {
    return `item count mismatch: data item count ${count}, but ${bytes.length - at} bytes follow item ${count}`;
  }
  return { points, errors };
};

/** Decodes a whole message's body (0x0200 or 0x0704), or says why it is refused. */
const decodeMessage = (
  message: Message,
  working: WorkingFlagSource,
  workingBits: number,
): MessagePoints | string => {
  if (message.messageId === LOCATION_BATCH) return decodeBatchBody(message, working, workingBits);
  const fix = decodeLocationBody(message.body, working, workingBits);
  if (typeof fix === 'string') return fix;
  return { points: [{ ...fix, terminal: message.terminal, serial: message.serial }], errors: [] };
};

/**
 * Decodes one JT/T 808 location report (message id 0x0200) given as hex (case-insensitive, spaces allowed,
 * flags included) into a track point. The working flag is read from the additional item `working` names
 * (default {@link defaultWorkingFlag}). One frame on its own: a 0x0704 batch or one package of a
 * sub-packaged message is refused here; {@link decodeFrames} reads those. Never throws: every refusal is
 * `{ ok: false, reason }` with a short reason meant for people reviewing quarantined frames.
 */
export function decodeLocationFrame(
  hex: string,
  working: WorkingFlagSource = defaultWorkingFlag,
): Jt808Result {
  const workingBits = checkWorkingSource(working);
  if (typeof workingBits === 'string') return fail(workingBits);
  const content = openFrame(hex);
  if (typeof content === 'string') return fail(content);
  const messageId = messageIdOf(content);
  if (messageId === LOCATION_BATCH) {
    return fail('location batch upload (message id 0x0704) holds several points: read it with decodeFrames');
  }
  if (messageId !== LOCATION_REPORT) return fail(`not a location report (message id ${hex4(messageId)})`);
  const message = readMessage(content);
  if (typeof message === 'string') return fail(message);
  const { pkg } = message;
  if (pkg !== undefined && (pkg.total !== 1 || pkg.seq !== 1)) {
    return fail(`split location report (package ${pkg.seq} of ${pkg.total}) not supported`);
  }
  const fix = decodeLocationBody(message.body, working, workingBits);
  if (typeof fix === 'string') return fail(fix);
  return { ok: true, point: { ...fix, terminal: message.terminal, serial: message.serial } };
}

/** "2, 4-6, 9" for [2, 4, 5, 6, 9] (ascending). */
const ranges = (numbers: readonly number[]): string => {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === (numbers[j] as number) + 1) j += 1;
    parts.push(i === j ? `${numbers[i]}` : `${numbers[i]}-${numbers[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
};

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

/** What one list entry gave: points and refusals, filled in later for a sub-packaged message. */
interface Slot {
  readonly frame: number;
  points: Jt808Point[];
  errors: string[];
}

/** The packages of one sub-packaged message seen so far. */
interface PackageGroup {
  readonly slot: Slot;
  readonly messageId: number;
  readonly terminal: string;
  /** The first package's serial (flow) number. */
  readonly first: number;
  /** By package sequence number: the frame's index, its content (to compare duplicates) and its message. */
  readonly packages: Map<number, { frame: number; content: Uint8Array; message: Message; total: number }>;
  /** Package sequence numbers sent twice with different contents, with both frames' indexes. */
  readonly conflicts: string[];
}

/** Puts a sub-packaged message's body back together, or says why it cannot be. */
const reassemble = (group: PackageGroup): Message | string => {
  const packages = [...group.packages.entries()].sort(([a], [b]) => a - b);
  const totals = new Map<number, number>();
  for (const [, { frame, total }] of packages) if (!totals.has(total)) totals.set(total, frame);
  if (totals.size > 1) {
    const said = [...totals].map(([total, frame]) => `frames[${frame}] says ${total}`).join(', ');
    return `packages disagree on the package count: ${said}`;
  }
  const [conflict, ...moreConflicts] = group.conflicts;
  if (conflict !== undefined) {
    return moreConflicts.length === 0
      ? conflict
      : `${conflict}, and ${moreConflicts.length} more package(s) sent twice with different contents`;
  }
  const total = packages[0]?.[1].total ?? 0;
  const missing: number[] = [];
  for (let seq = 1; seq <= total; seq += 1) if (!group.packages.has(seq)) missing.push(seq);
  if (missing.length > 0) {
    return `missing package${missing.length === 1 ? '' : 's'} ${ranges(missing)} of ${total} (received ${packages.length})`;
  }
  const body = new Uint8Array(packages.reduce((sum, [, { message }]) => sum + message.body.length, 0));
  let at = 0;
  for (const [, { message }] of packages) {
    body.set(message.body, at);
    at += message.body.length;
  }
  return { messageId: group.messageId, terminal: group.terminal, serial: group.first, body };
};

const refused = (frame: number, reason: string): Slot => ({ frame, points: [], errors: [reason] });

/** A frame's checked content and message, when it is a location report or batch upload; else a reason. */
const readLocationMessage = (hex: unknown): { content: Uint8Array; message: Message } | string => {
  const content = openFrame(hex);
  if (typeof content === 'string') return content;
  const messageId = messageIdOf(content);
  if (messageId !== LOCATION_REPORT && messageId !== LOCATION_BATCH) {
    return `not a location report (message id ${hex4(messageId)}): only location reports (0x0200) and location batch uploads (0x0704) are read`;
  }
  const message = readMessage(content);
  return typeof message === 'string' ? message : { content, message };
};

/**
 * Decodes a list of JT/T 808 frames (hex as for {@link decodeLocationFrame}) — say one record of a
 * vehicle's — into track points: 0x0200 location reports give one point each, 0x0704 location batch
 * uploads one point per item, both through the same location body decoder and working flag (`working`,
 * default {@link defaultWorkingFlag}).
 *
 * Sub-packaged messages (body property bit 13, package item "total, sequence number" after the serial)
 * are reassembled from the packages found anywhere in the list: packages belong to one message when they
 * share the message id, the terminal number and the first package's serial, which is a package's serial
 * minus (its sequence number - 1), modulo 65536 — the standard counts serials up per message sent and
 * names a sub-packaged message by its first package's serial (0x8003/0x0005 re-send requests). The body
 * is the packages' bodies in sequence-number order. A package sent twice with the same bytes counts
 * once; a message with missing packages, two different packages of one number or packages disagreeing
 * on the total is refused whole, at the index of its first frame in the list.
 *
 * Never throws: every refusal is in `errors`, and the other frames' points are still returned.
 */
export function decodeFrames(
  frames: readonly string[],
  working: WorkingFlagSource = defaultWorkingFlag,
): Jt808Decoded {
  const workingBits = checkWorkingSource(working);
  if (typeof workingBits === 'string') {
    return { points: [], errors: frames.map((_, frame) => ({ frame, reason: workingBits })) };
  }
  const slots: Slot[] = [];
  const groups = new Map<string, PackageGroup>();
  for (const [frame, hex] of frames.entries()) {
    const read = readLocationMessage(hex);
    if (typeof read === 'string') {
      slots.push(refused(frame, read));
      continue;
    }
    const { content, message } = read;
    const { pkg } = message;
    if (pkg === undefined || (pkg.total === 1 && pkg.seq === 1)) {
      const decoded = decodeMessage(message, working, workingBits);
      slots.push(typeof decoded === 'string' ? refused(frame, decoded) : { frame, ...decoded });
      continue;
    }
    if (pkg.total === 0 || pkg.seq === 0 || pkg.seq > pkg.total) {
      slots.push(
        refused(
          frame,
          `bad package item: package ${pkg.seq} of ${pkg.total} (numbers run from 1 to the total)`,
        ),
      );
      continue;
    }
    const first = (message.serial - (pkg.seq - 1)) & 0xffff;
    const key = `${message.messageId}/${message.terminal}/${first}`;
    let group = groups.get(key);
    if (group === undefined) {
      const slot: Slot = { frame, points: [], errors: [] };
      slots.push(slot);
      group = {
        slot,
        messageId: message.messageId,
        terminal: message.terminal,
        first,
        packages: new Map(),
        conflicts: [],
      };
      groups.set(key, group);
    }
    const seen = group.packages.get(pkg.seq);
    if (seen === undefined) group.packages.set(pkg.seq, { frame, content, message, total: pkg.total });
    else if (!sameBytes(seen.content, content)) {
      group.conflicts.push(
        `package ${pkg.seq} sent twice with different contents (frames[${seen.frame}] and frames[${frame}])`,
      );
    }
  }

  for (const group of groups.values()) {
    const label = `sub-packaged message ${hex4(group.messageId)} of terminal ${group.terminal}, first serial number ${group.first}`;
    const message = reassemble(group);
    const decoded = typeof message === 'string' ? message : decodeMessage(message, working, workingBits);
    if (typeof decoded === 'string') group.slot.errors = [`${label}: ${decoded}`];
    else {
      group.slot.points = decoded.points;
      group.slot.errors = decoded.errors.map((reason) => `${label}: ${reason}`);
    }
  }

  return {
    points: slots.flatMap((slot) => slot.points),
    errors: slots.flatMap((slot) => slot.errors.map((reason) => ({ frame: slot.frame, reason }))),
  };
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
