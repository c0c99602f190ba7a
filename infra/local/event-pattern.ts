/**
 * The local bus's matcher for bus rules. It implements only the subset of the EventBridge event-pattern
 * language that the rules of shared/topology.ts use (its `EventPattern` type): exact, case-sensitive
 * matches on the envelope's `source` and `detail-type`, each field listing the values it accepts.
 * Fields are ANDed, values ORed, and an event without a tested field does not match — as EventBridge
 * does for these patterns. Operators (`prefix`, `anything-but`, `numeric`, `exists`, …), `$or` and
 * content filtering on `detail` are left out on purpose: no rule uses them, and a full matcher is a lot
 * of code to keep identical to EventBridge for nothing. A pattern outside the subset is refused
 * ({@link patternProblems}, {@link UnsupportedPatternError}) rather than matched differently from AWS.
 */

import type { EventPattern } from '#shared/topology';

type Field = keyof EventPattern;

/** The envelope fields a pattern may test. */
const FIELDS: readonly string[] = ['source', 'detail-type'] satisfies Field[];

const isField = (key: string): key is Field => FIELDS.includes(key);

/** The part of a delivered event that patterns test; its other fields are ignored. */
export type PatternedEvent = { readonly [F in Field]?: unknown };

/**
 * Tests an event against a pattern of the subset.
 *
 * @returns `true` when every field of the pattern holds one of the values it lists; `false` for an empty
 *   pattern, which EventBridge would reject.
 */
export function matchesPattern(pattern: EventPattern, event: PatternedEvent): boolean {
  const fields = Object.keys(pattern).filter(isField);
  return (
    fields.length > 0 &&
    fields.every((field) => {
      const value = event[field];
      return typeof value === 'string' && (pattern[field]?.includes(value) ?? false);
    })
  );
}

/**
 * Why a pattern is outside the subset {@link matchesPattern} implements (empty when it is inside): it
 * must be an object testing at least one of `source` and `detail-type`, and nothing else, each with a
 * non-empty array of strings.
 */
export function patternProblems(pattern: unknown): string[] {
  if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) {
    return [`pattern must be an object, got ${JSON.stringify(pattern)}`];
  }
  const entries = Object.entries(pattern);
  if (entries.length === 0) return [`pattern must test at least one of ${FIELDS.join(', ')}`];
  return entries.flatMap(([key, values]) => {
    if (!isField(key)) return [`${key}: the local bus matches only ${FIELDS.join(', ')}`];
    const exact =
      Array.isArray(values) && values.length > 0 && values.every((value) => typeof value === 'string');
    return exact ? [] : [`${key}: must be a non-empty array of exact strings, got ${JSON.stringify(values)}`];
  });
}

/** A bus rule whose pattern the local bus cannot match (see {@link patternProblems}). */
export class UnsupportedPatternError extends Error {
  constructor(ruleId: string, problems: readonly string[]) {
    super(
      `rule ${ruleId}: event pattern outside what the local bus matches (infra/local/event-pattern.ts): ${problems.join('; ')}`,
    );
    this.name = 'UnsupportedPatternError';
  }
}
