/**
 * Small translations from the topology declaration (shared/topology.ts) to what the CDK constructs take.
 */

import type { EventPattern as CdkEventPattern } from 'aws-cdk-lib/aws-events';
import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import type { EventPattern, StreamDecl } from '#shared/topology';

/** `Object.entries` that keeps the key type of a declaration record such as `functions` or `tables`. */
export const entriesOf = <Key extends string, Value>(record: Readonly<Record<Key, Value>>): [Key, Value][] =>
  Object.entries(record) as [Key, Value][];

/** A record with a value for each of `keys`, e.g. a construct per declared table. */
export const recordOf = <Key extends string, Value>(
  keys: readonly Key[],
  make: (key: Key) => Value,
): Record<Key, Value> => {
  const record = {} as Record<Key, Value>;
  for (const key of keys) record[key] = make(key);
  return record;
};

/** `city-platform` → `CityPlatform`, for construct ids derived from names. */
export const pascalCase = (name: string): string =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/** The CDK `EventPattern` field of each top-level key of a raw EventBridge pattern. */
const CDK_PATTERN_FIELDS: Readonly<Record<string, keyof CdkEventPattern>> = {
  version: 'version',
  id: 'id',
  'detail-type': 'detailType',
  source: 'source',
  account: 'account',
  time: 'time',
  region: 'region',
  resources: 'resources',
  detail: 'detail',
};

/**
 * Turns a raw EventBridge pattern (the JSON a rule's `EventPattern` holds) into CDK's `EventPattern`
 * props. CDK renders the values verbatim and only renames `detailType` back to `detail-type`, so the
 * synthesized pattern equals the declared one (test/infra/routing.test.ts proves it).
 *
 * @throws Error when the pattern has a top-level key CDK's `EventPattern` cannot express (e.g. `$or`).
 */
export const toCdkEventPattern = (pattern: EventPattern): CdkEventPattern => {
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) {
    const field = CDK_PATTERN_FIELDS[key];
    if (!field) {
      throw new Error(
        `event pattern key '${key}' cannot be expressed as CDK EventPattern props; use one of ${Object.keys(CDK_PATTERN_FIELDS).join(', ')} at the top level`,
      );
    }
    props[field] = value;
  }
  return props;
};

/**
 * The resource path of a route in an `execute-api` ARN: path parameters such as `{source}` become `*`.
 */
export const executeApiPath = (path: string): string => path.replace(/\{[^}]+\}/g, '*');

/**
 * The Lambda event filter of a declared stream: records whose new image has the declared binary
 * attribute (what `matchesStreamFilter` checks in the local runtime).
 */
export const toCdkStreamFilter = (decl: Pick<StreamDecl, 'filter'>): Record<string, unknown> =>
  FilterCriteria.filter({
    dynamodb: { NewImage: { [decl.filter.withAttribute]: { B: FilterRule.exists() } } },
  });
