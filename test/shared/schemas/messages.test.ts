import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { capErrors, describeIssues, MAX_LISTED_ERRORS, moreErrorsNotListed } from '#shared/schemas/messages';

describe('describeIssues', () => {
  it('names every problem when there are few', () => {
    const parsed = z.object({ a: z.string(), b: z.number() }).safeParse({});
    expect(parsed.success ? '' : describeIssues(parsed.error)).toBe(
      'a: Invalid input: expected string, received undefined; b: Invalid input: expected number, received undefined',
    );
  });

  it('names the first problems of 100,000 and counts the rest, so a 400 stays short', () => {
    const parsed = z.array(z.string()).safeParse(Array.from({ length: 100_000 }, () => 0));
    const message = parsed.success ? '' : describeIssues(parsed.error);
    expect(message.split('; ')).toHaveLength(MAX_LISTED_ERRORS + 1);
    expect(message).toMatch(/^\[0\]: Invalid input: expected string, received number; \[1\]: /);
    expect(message).toMatch(/; and 99980 more problems$/);
  });
});

describe('capErrors', () => {
  const errors = (count: number) =>
    Array.from({ length: count }, (_, index) => ({ path: `[${index}]`, message: 'bad' }));

  it('keeps up to the listed number of problems as they are', () => {
    expect(capErrors(errors(MAX_LISTED_ERRORS))).toEqual(errors(MAX_LISTED_ERRORS));
  });

  it('cuts a longer list and says there were more', () => {
    expect(capErrors(errors(MAX_LISTED_ERRORS + 1))).toEqual([
      ...errors(MAX_LISTED_ERRORS),
      moreErrorsNotListed,
    ]);
  });
});
