import { describe, expect, it } from 'vitest';
import { parseRecord } from '#shared/schemas/ingest';
import { MAX_LISTED_ERRORS, moreErrorsNotListed } from '#shared/schemas/messages';

const point = (second: number) => ({
  t: `2026-03-02T09:00:${String(second % 60).padStart(2, '0')}+08:00`,
  lat: 39.9,
  lon: 116.4,
});
const batch = (points: unknown[], extra: Record<string, unknown> = {}) => ({
  eventId: 'e1',
  vehicleId: 'v1',
  points,
  ...extra,
});

describe('parseRecord', () => {
  it('parses a sanitation batch of 10,000 good points', () => {
    const parsed = parseRecord(
      'sanitation',
      batch(Array.from({ length: 10_000 }, (_, index) => point(index))),
    );
    expect(parsed.success && parsed.data.eventId).toBe('e1');
  });

  it('lists the first problems of 10,000 bad points, after those of the record, and one last entry', () => {
    const parsed = parseRecord(
      'sanitation',
      batch(
        Array.from({ length: 10_000 }, () => ({ t: 'soon', lat: 91, lon: 0 })),
        { vehicleId: 7 },
      ),
    );
    expect(parsed.success).toBe(false);
    const errors = parsed.success ? [] : parsed.errors;
    expect(errors).toHaveLength(MAX_LISTED_ERRORS + 1);
    expect(errors.slice(0, 5).map((error) => error.path)).toEqual([
      'vehicleId',
      'points[0].t',
      'points[0].lat',
      'points[1].t',
      'points[1].lat',
    ]);
    expect(errors.at(-1)).toEqual(moreErrorsNotListed);
  });

  it('names the one bad point among 10,000 good ones', () => {
    const points: unknown[] = Array.from({ length: 10_000 }, (_, index) => point(index));
    points[9_999] = { ...point(0), lon: null };
    expect(parseRecord('sanitation', batch(points))).toEqual({
      success: false,
      errors: [{ path: 'points[9999].lon', message: 'Invalid input: expected number, received null' }],
    });
  });

  it('answers a batch over 10,000 points with the limit alone', () => {
    expect(parseRecord('sanitation', batch(Array.from({ length: 10_001 }, () => ({}))))).toEqual({
      success: false,
      errors: [{ path: 'points', message: 'must hold at most 10000 points' }],
    });
  });

  it.each([
    ['hotline', { eventId: 'e1' }, ['ticketId', 'type', 'occurredAt', 'category']],
    [
      'city-platform',
      { eventId: 'e1', caseId: 'c', type: 'filed', occurredAt: 'x', category: '' },
      ['occurredAt', 'category'],
    ],
    ['sanitation', { eventId: 'e1', vehicleId: 'v1', points: [] }, ['points']],
  ] as const)('lists every problem of a %s record with few', (source, record, paths) => {
    const parsed = parseRecord(source, record);
    expect(parsed.success ? [] : parsed.errors.map((error) => error.path)).toEqual(paths);
  });
});

describe('unknown fields', () => {
  const ticket = {
    eventId: 'e1',
    ticketId: 't1',
    type: 'received',
    occurredAt: '2026-03-02T09:00:00+08:00',
    category: 'noise',
  };

  it('names the misspelling beside the missing field it stands for', () => {
    const { occurredAt, ...rest } = ticket;
    const parsed = parseRecord('hotline', { ...rest, occuredAt: occurredAt });
    expect(parsed).toEqual({
      success: false,
      errors: [
        { path: 'occuredAt', message: 'unknown field "occuredAt"; did you mean "occurredAt"?' },
        { path: 'occurredAt', message: expect.stringContaining('must be an RFC 3339 time') },
      ],
    });
  });

  it('accepts a record with unknown fields, each named in a warning (with the field meant, if close)', () => {
    const parsed = parseRecord('hotline', { ...ticket, severty: 'major', colour: 'red' });
    expect(parsed.success).toBe(true);
    expect(parsed.success && parsed.warnings).toEqual([
      {
        path: 'severty',
        message: 'unknown field "severty"; did you mean "severity"? (accepted; cityhub does not use it)',
      },
      { path: 'colour', message: 'unknown field "colour" (accepted; cityhub does not use it)' },
    ]);
  });

  it('has no warnings for a record of known fields only', () => {
    const parsed = parseRecord('city-platform', {
      eventId: 'e1',
      caseId: 'c1',
      type: 'reported',
      occurredAt: '2026-03-02T09:00:00+08:00',
      category: 'litter',
    });
    expect(parsed.success && parsed.warnings).toEqual([]);
  });

  it('names a misspelt field of a sanitation batch too', () => {
    const parsed = parseRecord('sanitation', { eventId: 'e1', vehicleID: 'v1', points: [point(0)] });
    expect(parsed.success ? [] : parsed.errors.map((error) => error.message)).toEqual([
      'unknown field "vehicleID"; did you mean "vehicleId"?',
      'Invalid input: expected string, received undefined',
    ]);
  });
});
