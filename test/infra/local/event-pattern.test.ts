import { describe, expect, it } from 'vitest';
import { LocalBus } from '#infra/local/bus';
import { matchesPattern, type PatternedEvent, patternProblems } from '#infra/local/event-pattern';
import { type EventPattern, type RuleDecl, rules } from '#shared/topology';

describe('the declared bus rules', () => {
  it('are there to check', () => {
    expect(rules.length).toBeGreaterThan(0);
  });

  it.each(rules.map((rule) => [rule.id, rule] as const))(
    'rule %s uses only the subset the local bus matches',
    (id, rule) => {
      expect(patternProblems(rule.pattern), `pattern of rule ${id}`).toEqual([]);
    },
  );
});

describe('patternProblems', () => {
  it.each<[string, unknown, RegExp[]]>([
    ['source and detail-type with exact strings', { source: ['a'], 'detail-type': ['b', 'c'] }, []],
    ['source alone', { source: ['a'] }, []],
    ['detail-type alone', { 'detail-type': ['b'] }, []],
    ['an operator among the values', { source: [{ prefix: 'cityhub.' }] }, [/^source: must be a non-empty/]],
    ['content filtering on detail', { source: ['a'], detail: { state: ['x'] } }, [/^detail: the local bus/]],
    ['another envelope field', { account: ['123'] }, [/^account: the local bus/]],
    ['$or', { $or: [{ source: ['a'] }, { source: ['b'] }] }, [/^\$or: the local bus/]],
    ['a string instead of an array', { source: 'a' }, [/^source: must be a non-empty/]],
    ['an empty array', { 'detail-type': [] }, [/^detail-type: must be a non-empty/]],
    ['a number among the values', { source: ['a', 1] }, [/^source: must be a non-empty/]],
    ['an empty pattern', {}, [/^pattern must test at least one of source, detail-type$/]],
    ['null', null, [/^pattern must be an object/]],
    ['an array', [{ source: ['a'] }], [/^pattern must be an object/]],
    [
      'two bad fields',
      { source: [{ exists: true }], region: ['x'] },
      [/^source: must be a non-empty/, /^region: the local bus/],
    ],
  ])('%s: %o', (_name, pattern, expected) => {
    expect(patternProblems(pattern)).toEqual(expected.map((problem) => expect.stringMatching(problem)));
  });
});

describe('matchesPattern', () => {
  const event = {
    version: '0',
    id: 'e1',
    source: 'cityhub.ingest',
    'detail-type': 'hotline.record-accepted',
    account: '000000000000',
    time: '2026-03-02T01:00:00Z',
    region: 'local',
    resources: [],
    detail: { source: 'city-platform' },
  };
  const { source: _source, ...withoutSource } = event;
  const { 'detail-type': _detailType, ...withoutDetailType } = event;

  it.each<[string, EventPattern, PatternedEvent]>([
    ['both fields equal', { source: ['cityhub.ingest'], 'detail-type': ['hotline.record-accepted'] }, event],
    [
      'the detail-type is one of several values',
      {
        source: ['cityhub.ingest'],
        'detail-type': ['city-platform.record-accepted', 'hotline.record-accepted'],
      },
      event,
    ],
    ['the source is one of several values', { source: ['cityhub.webhooks', 'cityhub.ingest'] }, event],
    ['only the source is tested', { source: ['cityhub.ingest'] }, event],
    ['only the detail-type is tested', { 'detail-type': ['hotline.record-accepted'] }, event],
  ])('matches when %s', (_name, pattern, candidate) => {
    expect(matchesPattern(pattern, candidate)).toBe(true);
  });

  it.each<[string, EventPattern, PatternedEvent]>([
    ['the source differs', { source: ['cityhub.indicators'] }, event],
    [
      'the source matches but the detail-type is not listed',
      { source: ['cityhub.ingest'], 'detail-type': ['sanitation.record-accepted'] },
      event,
    ],
    [
      'the detail-type matches but the source differs',
      { source: ['cityhub.webhooks'], 'detail-type': ['hotline.record-accepted'] },
      event,
    ],
    ['the case differs', { source: ['Cityhub.Ingest'] }, event],
    ['the listed value is only a prefix of the field', { source: ['cityhub'] }, event],
    ['the field is only a prefix of the listed value', { source: ['cityhub.ingest.v2'] }, event],
    ['only a field of the detail has the listed value', { source: ['city-platform'] }, event],
    ['the event has no source', { source: ['cityhub.ingest'] }, withoutSource],
    [
      'the event has no detail-type',
      { source: ['cityhub.ingest'], 'detail-type': ['hotline.record-accepted'] },
      withoutDetailType,
    ],
    ['the pattern is empty', {}, event],
  ])('does not match when %s', (_name, pattern, candidate) => {
    expect(matchesPattern(pattern, candidate)).toBe(false);
  });
});

describe('LocalBus', () => {
  it('refuses a rule whose pattern it cannot match, naming the rule', () => {
    const rule = {
      id: 'ByPrefix',
      description: 'a pattern outside the subset',
      pattern: { source: [{ prefix: 'cityhub.' }] } as unknown as EventPattern,
      queue: 'facts',
    } satisfies RuleDecl;
    expect(() => new LocalBus('cityhub-test', [{ rule, target: () => {} }])).toThrow(
      /^rule ByPrefix: event pattern outside what the local bus matches .*source: must be a non-empty array/,
    );
  });
});
