import { describe, expect, it } from 'vitest';
import { encodePageToken, indicatorQuerySchema, queryParams } from '#shared/schemas/query';

const parse = (query: string) => indicatorQuerySchema.safeParse(queryParams(query));
const problems = (query: string) => {
  const parsed = parse(query);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('GET /indicators parameters', () => {
  it('reads one day with defaults', () => {
    expect(parse('date=2026-03-02').data).toEqual({
      from: '2026-03-02',
      to: '2026-03-02',
      area: [],
      format: 'json',
      limit: 500,
    });
  });

  it('gathers repeated and comma-joined areas', () => {
    expect(parse('date=2026-03-02&area=city&area=district:d1,street:s-1').data?.area).toEqual([
      'city',
      'district:d1',
      'street:s-1',
    ]);
  });

  it('accepts a range of exactly 366 days', () => {
    expect(parse('from=2026-01-01&to=2027-01-01').success).toBe(true);
  });

  it('reads back a token it issued', () => {
    const token = encodePageToken({ date: '2026-03-02', area: 'district:d1' });
    expect(parse(`date=2026-03-02&nextToken=${token}`).data?.nextToken).toEqual({
      date: '2026-03-02',
      area: 'district:d1',
    });
  });

  it.each([
    ['', 'date: give date=YYYY-MM-DD, or from=YYYY-MM-DD and to=YYYY-MM-DD'],
    ['date=2026-02-30', 'date: is not a calendar date'],
    ['date=20260302', 'date: must be a date YYYY-MM-DD'],
    ['date=2026-03-02&from=2026-03-01', 'date: give either date or from and to, not both'],
    ['from=2026-03-01', 'date: give date=YYYY-MM-DD, or from=YYYY-MM-DD and to=YYYY-MM-DD'],
    ['from=2026-03-05&to=2026-03-01', 'to: is before from (2026-03-05)'],
    ['from=2026-01-01&to=2027-01-02', 'to: range spans 367 days; at most 366'],
    ['date=2026-03-02&area=town:x', 'area.0: must be city, district:<code> or street:<code>'],
    ['date=2026-03-02&area=district:Upper', 'area.0: must be city, district:<code> or street:<code>'],
    ['date=2026-03-02&format=xml', 'format: must be json or csv'],
    ['date=2026-03-02&limit=0', 'limit: must be 1 to 1000'],
    ['date=2026-03-02&limit=1001', 'limit: must be 1 to 1000'],
    ['date=2026-03-02&limit=ten', 'limit: must be a whole number'],
    ['date=2026-03-02&nextToken=garbage', 'nextToken: is not a nextToken this API returned'],
  ])('refuses %j', (query, problem) => {
    expect(problems(query)).toContain(problem);
  });
});
