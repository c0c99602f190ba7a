/**
 * In-process matcher for Amazon EventBridge event patterns, so that rules can be evaluated locally (tests, the
 * local runtime) with the same result EventBridge's `TestEventPattern` would give.
 *
 * Semantics follow the EventBridge user guide ("Event patterns", "Content filtering", "Comparison operators",
 * "Arrays", "Null values and empty strings") and the behaviour of aws/event-ruler, the engine behind it:
 * - fields in a pattern are ANDed; the values listed for a field are ORed; `$or` ORs whole sub-patterns;
 * - an event field that is an array matches when any of its elements matches (arrays of objects are
 *   matched element by element, so two fields never match across different elements);
 * - operators only apply to leaf values (string, number, boolean, null); objects are not leaves;
 * - a missing field matches nothing except `{"exists": false}`;
 * - patterns are JSON-parsed, so numbers compare by value (300, 300.0 and 3.0e2 are the same number).
 *
 * Malformed patterns never throw: the malformed part simply matches nothing. Use {@link validatePattern}
 * to report what is wrong with a pattern.
 */

/** A parsed EventBridge event pattern (the JSON object given to a rule's `EventPattern`). */
export type EventPattern = { readonly [key: string]: unknown };

type JsonObject = { readonly [key: string]: unknown };
type Leaf = string | number | boolean | null;
type StringTest = (value: string, operand: string) => boolean;
type Comparator = (value: number, bound: number) => boolean;

const OR = '$or';

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isList = (value: unknown): value is readonly unknown[] => Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number';
const isLeaf = (value: unknown): value is Leaf =>
  value === null || isString(value) || isNumber(value) || typeof value === 'boolean';
const fold = (text: string): string => text.toLowerCase();
/** `anything-but` lists hold only strings or only numbers. */
const isExclusionList = (list: readonly unknown[]): boolean =>
  list.length > 0 && (list.every(isString) || list.every(isNumber));

/** Own property only, so that keys like `constructor` never resolve to inherited members. */
const field = (node: JsonObject, key: string): unknown => (Object.hasOwn(node, key) ? node[key] : undefined);

/** The single `[operator, operand]` entry of an operator object such as `{"prefix": "us-"}`, if it has one. */
function soleEntry(rule: JsonObject): [string, unknown] | undefined {
  const entries = Object.entries(rule);
  return entries.length === 1 ? entries[0] : undefined;
}

const STRING_TESTS = new Map<string, StringTest>([
  ['prefix', (value, operand) => value.startsWith(operand)],
  ['suffix', (value, operand) => value.endsWith(operand)],
  ['equals-ignore-case', (value, operand) => fold(value) === fold(operand)],
  ['wildcard', (value, operand) => wildcardRegExp(operand)?.test(value) ?? false],
]);

const COMPARATORS = new Map<string, Comparator>([
  ['=', (value, bound) => value === bound],
  ['<', (value, bound) => value < bound],
  ['<=', (value, bound) => value <= bound],
  ['>', (value, bound) => value > bound],
  ['>=', (value, bound) => value >= bound],
]);

/**
 * Tests an event against an EventBridge event pattern.
 *
 * @param pattern - the parsed pattern, e.g. `{ source: ['aws.ec2'], detail: { state: [{ 'anything-but': 'pending' }] } }`
 * @param event - the parsed event (`{ version, id, 'detail-type', source, account, time, region, resources, detail }`)
 * @returns `true` when every field of the pattern matches the event; `false` for a non-object event, an empty
 *   pattern, or any malformed part of the pattern.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return isObject(event) && matchObject(pattern, event);
}

function matchObject(pattern: JsonObject, node: unknown): boolean {
  if (isList(node) && node.length > 0) return node.some((element) => matchObject(pattern, element));
  const entries = Object.entries(pattern);
  const fields: JsonObject = isObject(node) ? node : {};
  return (
    entries.length > 0 &&
    entries.every(([key, rule]) => {
      if (key === OR) {
        return isList(rule) && rule.some((branch) => isObject(branch) && matchObject(branch, node));
      }
      if (isList(rule)) return matchLeaf(rule, field(fields, key));
      return isObject(rule) && matchObject(rule, field(fields, key));
    })
  );
}

/** The leaf values a field holds: itself, or the leaves among its (nested) array elements. */
function leafValues(value: unknown): Leaf[] {
  if (isList(value)) return value.flatMap(leafValues);
  return isLeaf(value) ? [value] : [];
}

function matchLeaf(rules: readonly unknown[], value: unknown): boolean {
  const values = leafValues(value);
  return rules.some((rule) => {
    const exists = isObject(rule) ? soleEntry(rule) : undefined;
    if (exists?.[0] === 'exists') return exists[1] === values.length > 0;
    return values.some((leaf) => matchValue(rule, leaf));
  });
}

function matchValue(rule: unknown, value: Leaf): boolean {
  if (!isObject(rule)) return isLeaf(rule) && rule === value;
  const [operator, operand] = soleEntry(rule) ?? [];
  switch (operator) {
    case 'anything-but':
      return matchAnythingBut(operand, value);
    case 'numeric':
      return isNumber(value) && matchNumeric(operand, value);
    case 'cidr':
      return isString(value) && isString(operand) && inCidr(value, operand);
    case undefined:
      return false;
    default:
      return isString(value) && matchString(operator, operand, value);
  }
}

/** `prefix`, `suffix`, `equals-ignore-case` and `wildcard`; prefix and suffix also take `{"equals-ignore-case": s}`. */
function matchString(operator: string, operand: unknown, value: string): boolean {
  const test = STRING_TESTS.get(operator);
  if (!test) return false;
  if (isString(operand)) return test(value, operand);
  const ignoreCase =
    isObject(operand) && (operator === 'prefix' || operator === 'suffix') ? soleEntry(operand) : undefined;
  return (
    ignoreCase?.[0] === 'equals-ignore-case' &&
    isString(ignoreCase[1]) &&
    test(fold(value), fold(ignoreCase[1]))
  );
}

/**
 * `anything-but` matches any present leaf value that is not excluded: a string or number, a list of strings or
 * of numbers, or `{prefix|suffix|equals-ignore-case|wildcard: string | string[]}`. Values of another type than
 * the excluded ones (e.g. a number against a prefix) are not excluded. A missing field never matches.
 */
function matchAnythingBut(operand: unknown, value: Leaf): boolean {
  if (isString(operand) || isNumber(operand)) return operand !== value;
  if (isList(operand)) return isExclusionList(operand) && !operand.includes(value);
  const [operator, excluded] = isObject(operand) ? (soleEntry(operand) ?? []) : [];
  const test = operator === undefined ? undefined : STRING_TESTS.get(operator);
  const list = isList(excluded) ? excluded : [excluded];
  if (!test || list.length === 0 || !list.every(isString)) return false;
  return !isString(value) || !list.some((text) => test(value, text));
}

/** `numeric` takes one comparison (`["<", 10]`) or a range (`[">", 0, "<=", 5]`); all comparisons must hold. */
function matchNumeric(operand: unknown, value: number): boolean {
  if (!isList(operand) || operand.length === 0 || operand.length % 2 !== 0) return false;
  for (let index = 0; index < operand.length; index += 2) {
    const operator = operand[index];
    const bound = operand[index + 1];
    const compare = isString(operator) ? COMPARATORS.get(operator) : undefined;
    if (!compare || !isNumber(bound) || !compare(value, bound)) return false;
  }
  return true;
}

// --- wildcard -------------------------------------------------------------------------------------------------

const wildcardCache = new Map<string, RegExp | string>();

function wildcardRegExp(wildcard: string): RegExp | undefined {
  let compiled = wildcardCache.get(wildcard);
  if (compiled === undefined) {
    compiled = compileWildcard(wildcard);
    wildcardCache.set(wildcard, compiled);
  }
  return compiled instanceof RegExp ? compiled : undefined;
}

/**
 * Compiles a wildcard operand to an anchored, case-sensitive RegExp, or returns why it is invalid.
 * `*` matches zero or more characters; `\*` is a literal asterisk and `\\` a literal backslash; any other
 * escape, a trailing backslash and consecutive wildcards (`**`) are rejected, as EventBridge does.
 */
function compileWildcard(wildcard: string): RegExp | string {
  let source = '';
  let escaping = false;
  let afterWildcard = false;
  for (const char of wildcard) {
    if (escaping) {
      if (char !== '*' && char !== '\\') return `invalid escape "\\${char}" (only \\* and \\\\ are allowed)`;
      source += `\\${char}`;
      escaping = false;
      afterWildcard = false;
    } else if (char === '\\') {
      escaping = true;
    } else if (char === '*') {
      if (afterWildcard) return 'consecutive wildcard characters are not allowed';
      source += '[\\s\\S]*';
      afterWildcard = true;
    } else {
      source += char.replace(/[.+?^${}()|[\]]/g, '\\$&');
      afterWildcard = false;
    }
  }
  return escaping ? 'a wildcard must not end with an unescaped backslash' : new RegExp(`^${source}$`);
}

// --- IP addresses ---------------------------------------------------------------------------------------------

interface IpAddress {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) return parseIpv6(text);
  const octets = text.split('.');
  if (octets.length !== 4 || !octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)) {
    return undefined;
  }
  return { bits: 32, value: octets.reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n) };
}

function parseIpv6(text: string): IpAddress | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const [head = [], tail = []] = halves.map((half) => (half === '' ? [] : half.split(':')));
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<string>(missing).fill('0'), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return undefined;
  return { bits: 128, value: groups.reduce((acc, group) => (acc << 16n) | BigInt(`0x${group}`), 0n) };
}

function parseCidr(text: string): { readonly network: IpAddress; readonly prefix: number } | undefined {
  const [address = '', prefix = '', ...rest] = text.split('/');
  const network = parseIp(address);
  if (!network || rest.length > 0 || !/^\d{1,3}$/.test(prefix) || Number(prefix) > network.bits)
    return undefined;
  return { network, prefix: Number(prefix) };
}

/** True when `address` is an IP of the same family as the CIDR block and lies inside it. */
function inCidr(address: string, cidr: string): boolean {
  const ip = parseIp(address);
  const block = parseCidr(cidr);
  if (!ip || !block || ip.bits !== block.network.bits) return false;
  const hostBits = BigInt(ip.bits - block.prefix);
  return ip.value >> hostBits === block.network.value >> hostBits;
}

// --- validation -----------------------------------------------------------------------------------------------

/**
 * Lists the problems EventBridge would reject a pattern for (empty when the pattern is valid): the pattern and
 * every nested object must be non-empty objects, leaves must be non-empty arrays of JSON scalars or operator
 * objects, operators must be known and well-formed (numeric ranges, CIDR blocks, wildcards, anything-but forms),
 * and `$or` must list at least two sub-patterns. Reasonable rather than exhaustive (it does not check, e.g.,
 * pattern size or wildcard complexity limits).
 */
export function validatePattern(pattern: unknown): string[] {
  if (!isObject(pattern)) return ['pattern must be a JSON object'];
  const problems: string[] = [];
  validateObject(pattern, '', problems);
  return problems;
}

function validateObject(pattern: JsonObject, path: string, problems: string[]): void {
  const entries = Object.entries(pattern);
  if (entries.length === 0) problems.push(`${path || 'pattern'}: must not be an empty object`);
  for (const [key, rule] of entries) {
    const at = path ? `${path}.${key}` : key;
    if (key === OR) {
      if (!isList(rule) || rule.length < 2)
        problems.push(`${at}: must be an array of at least two sub-patterns`);
      for (const [index, branch] of (isList(rule) ? rule : []).entries()) {
        if (isObject(branch)) validateObject(branch, `${at}[${index}]`, problems);
        else problems.push(`${at}[${index}]: must be an object`);
      }
    } else if (isList(rule)) {
      if (rule.length === 0)
        problems.push(`${at}: must be a non-empty array (an empty array matches nothing)`);
      for (const [index, value] of rule.entries()) {
        const problem = isLeaf(value)
          ? undefined
          : isObject(value)
            ? operatorProblem(value)
            : 'must be a value';
        if (problem) problems.push(`${at}[${index}]: ${problem}`);
      }
    } else if (isObject(rule)) {
      validateObject(rule, at, problems);
    } else {
      problems.push(`${at}: must be an object or an array of values`);
    }
  }
}

function operatorProblem(rule: JsonObject): string | undefined {
  const [operator, operand] = soleEntry(rule) ?? [];
  switch (operator) {
    case undefined:
      return 'an operator object must have exactly one key';
    case 'prefix':
    case 'suffix': {
      const ignoreCase = isObject(operand) ? soleEntry(operand) : undefined;
      const valid =
        isString(operand) || (ignoreCase?.[0] === 'equals-ignore-case' && isString(ignoreCase[1]));
      return valid ? undefined : `"${operator}" takes a string or {"equals-ignore-case": string}`;
    }
    case 'equals-ignore-case':
      return isString(operand) ? undefined : '"equals-ignore-case" takes a string';
    case 'wildcard':
      return isString(operand) ? wildcardProblem(operand) : '"wildcard" takes a string';
    case 'exists':
      return typeof operand === 'boolean' ? undefined : '"exists" takes true or false';
    case 'cidr':
      return isString(operand) && parseCidr(operand)
        ? undefined
        : '"cidr" takes a CIDR block such as "10.0.0.0/24"';
    case 'numeric':
      return numericProblem(operand);
    case 'anything-but':
      return anythingButProblem(operand);
    default:
      return `unknown operator "${operator}"`;
  }
}

function wildcardProblem(wildcard: string): string | undefined {
  const compiled = compileWildcard(wildcard);
  return isString(compiled) ? `"wildcard" ${compiled}` : undefined;
}

function numericProblem(operand: unknown): string | undefined {
  const usage = '"numeric" takes [operator, number] or [">" | ">=", number, "<" | "<=", number]';
  if (!isList(operand)) return usage;
  const [operator, bound, upperOperator, upperBound] = operand;
  if (!isString(operator) || !COMPARATORS.has(operator) || !isNumber(bound)) return usage;
  if (operand.length === 2) return undefined;
  const isRange =
    operand.length === 4 &&
    (operator === '>' || operator === '>=') &&
    (upperOperator === '<' || upperOperator === '<=') &&
    isNumber(upperBound);
  if (!isRange) return usage;
  return bound < upperBound ? undefined : '"numeric" range lower bound must be less than its upper bound';
}

function anythingButProblem(operand: unknown): string | undefined {
  if (isString(operand) || isNumber(operand)) return undefined;
  if (isList(operand)) {
    return isExclusionList(operand)
      ? undefined
      : '"anything-but" lists must hold only strings or only numbers';
  }
  const [operator, excluded] = isObject(operand) ? (soleEntry(operand) ?? []) : [];
  if (operator === undefined || !STRING_TESTS.has(operator)) {
    return '"anything-but" takes a string, a number, a list, or one of prefix, suffix, equals-ignore-case, wildcard';
  }
  const list = isList(excluded) ? excluded : [excluded];
  if (list.length === 0 || !list.every(isString))
    return `"anything-but" "${operator}" takes a string or strings`;
  if ((operator === 'prefix' || operator === 'suffix') && list.includes('')) {
    return `"anything-but" "${operator}" must not be empty`;
  }
  return operator === 'wildcard' ? list.map(wildcardProblem).find(isString) : undefined;
}
