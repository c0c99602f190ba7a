import { describe, expect, it } from 'vitest';
import { areaCodeSchema, INSTANT_RANGE, instantSchema } from '#shared/schemas/common';

describe('instantSchema', () => {
  it.each([
    '1970-01-01T00:00:00Z',
    '1970-01-01T08:00:00+08:00',
    '2026-03-01T09:30:00.123+08:00',
    '2099-12-31T23:59:59Z',
    '2100-01-01T07:59:59+08:00',
  ])('takes %s', (value) => {
    expect(instantSchema.safeParse(value).success).toBe(true);
  });

  // Such times were taken, then failed the facts and coverage consumers until their messages went to
  // the dead letters: a record answered 202 and lost.
  it.each([
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59-23:59',
    '1969-12-31T23:59:59Z',
    '1970-01-01T07:59:59+08:00',
    '2100-01-01T00:00:00Z',
    '2099-12-31T23:00:00-01:00',
  ])('refuses %s, outside 1970 to 2099 in UTC', (value) => {
    const parsed = instantSchema.safeParse(value);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([
      `must fall from ${INSTANT_RANGE.from} until ${INSTANT_RANGE.until}`,
    ]);
  });

  it('refuses a time without an offset with the format message alone', () => {
    expect(
      instantSchema.safeParse('2026-03-01T09:30:00').error?.issues.map((issue) => issue.message),
    ).toEqual(['must be an RFC 3339 time with an offset, e.g. 2026-03-01T09:30:00+08:00']);
  });
});

describe('areaCodeSchema', () => {
  it('takes registry codes up to 64 characters and refuses longer ones', () => {
    expect(areaCodeSchema.safeParse('dongcheng').success).toBe(true);
    expect(areaCodeSchema.safeParse('a'.repeat(64)).success).toBe(true);
    expect(areaCodeSchema.safeParse('a'.repeat(65)).error?.issues.map((issue) => issue.message)).toEqual([
      'must be at most 64 characters',
    ]);
    expect(areaCodeSchema.safeParse('Dong Cheng').success).toBe(false);
  });
});
