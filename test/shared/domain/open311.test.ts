import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '#shared/domain/errors';
import { unwrapOpen311 } from '#shared/domain/open311';

const request = {
  service_request_id: '638344',
  status: 'closed',
  status_notes: 'Duplicate request.',
  service_name: 'Sidewalk and Curb Issues',
  service_code: '006',
  description: 'Cracked sidewalk',
  requested_datetime: '2026-03-02T09:00:00+08:00',
  updated_datetime: '2026-03-02T15:30:00+08:00',
  expected_datetime: '2026-03-03T09:00:00+08:00',
  address: '8TH AVE and JUDAH ST',
  lat: 39.92,
  long: 116.35,
};

describe('Open311 GeoReport v2 requests', () => {
  it('maps a closed request to received and closed ticket events, keeping unmapped fields', () => {
    const { candidates, rejected } = unwrapOpen311({ requests: [request] });
    expect(rejected).toEqual([]);
    expect(candidates.map((candidate) => candidate.record)).toEqual([
      {
        eventId: 'open311:638344:received',
        ticketId: '638344',
        type: 'received',
        occurredAt: '2026-03-02T09:00:00+08:00',
        category: '006',
        deadlineAt: '2026-03-03T09:00:00+08:00',
        location: { lat: 39.92, lon: 116.35 },
        channel: 'open311',
        status_notes: 'Duplicate request.',
        service_name: 'Sidewalk and Curb Issues',
        description: 'Cracked sidewalk',
        address: '8TH AVE and JUDAH ST',
      },
      {
        eventId: 'open311:638344:closed',
        ticketId: '638344',
        type: 'closed',
        occurredAt: '2026-03-02T15:30:00+08:00',
        category: '006',
        channel: 'open311',
      },
    ]);
    expect(candidates.every((candidate) => candidate.index === 0 && candidate.original === request)).toBe(
      true,
    );
  });

  it('maps an open request to its received event only', () => {
    const open = {
      ...request,
      status: 'open',
      updated_datetime: undefined,
      expected_datetime: undefined,
      lat: undefined,
      long: undefined,
    };
    const { candidates } = unwrapOpen311({ requests: [open] });
    expect(candidates.map((candidate) => (candidate.record as { type: string }).type)).toEqual(['received']);
    expect(candidates[0]?.record).not.toHaveProperty('location');
  });

  it('rejects a closed request without updated_datetime, and one without an id, by index', () => {
    const { candidates, rejected } = unwrapOpen311({
      requests: [
        { ...request, updated_datetime: undefined },
        request,
        { ...request, service_request_id: '' },
      ],
    });
    expect(candidates).toHaveLength(2);
    expect(rejected.map((entry) => [entry.index, entry.errors.map((error) => error.path)])).toEqual([
      [0, ['updated_datetime']],
      [2, ['service_request_id']],
    ]);
  });

  it('accepts coordinates sent as strings, as some servers do', () => {
    const { candidates } = unwrapOpen311({ requests: [{ ...request, lat: '39.92', long: '116.35' }] });
    expect(candidates[0]?.record).toMatchObject({ location: { lat: 39.92, lon: 116.35 } });
  });

  it('refuses a body without requests', () => {
    expect(() => unwrapOpen311({ records: [request] })).toThrow(InvalidInputError);
    expect(() => unwrapOpen311({ requests: [] })).toThrow('requests must hold at least 1 request');
  });
});

describe('Open311 coordinates', () => {
  it.each([
    [{ lat: null, long: null }, undefined],
    [{ lat: '', long: ' ' }, undefined],
    [
      { lat: '39.9', long: '116.4' },
      { lat: 39.9, lon: 116.4 },
    ],
  ])('reads %j as %j', (coordinates, location) => {
    const { candidates, rejected } = unwrapOpen311({ requests: [{ ...request, ...coordinates }] });
    expect(rejected).toEqual([]);
    expect((candidates[0]?.record as { location?: unknown } | undefined)?.location).toEqual(location);
  });

  it.each([[{ lat: true, long: 116.4 }], [{ lat: 'north', long: 116.4 }], [{ lat: 95, long: 116.4 }]])(
    'rejects %j',
    (coordinates) => {
      const { rejected } = unwrapOpen311({ requests: [{ ...request, ...coordinates }] });
      expect(rejected[0]?.errors[0]?.path).toBe('lat');
    },
  );

  it('keeps the first closing time when a closed request is updated again', () => {
    const later = unwrapOpen311({
      requests: [{ ...request, updated_datetime: '2026-03-04T10:00:00+08:00' }],
    });
    const first = unwrapOpen311({ requests: [request] });
    expect(later.candidates[1]?.record).toMatchObject({ eventId: 'open311:638344:closed' });
    expect(first.candidates[1]?.record).toMatchObject({ eventId: 'open311:638344:closed' });
  });
});
