import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '#shared/domain/errors';
import { parseOpen311Json, unwrapOpen311 } from '#shared/domain/open311';

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

describe('the GeoReport v2 specification example of GET /requests.json', () => {
  // Verbatim from the specification (wiki.open311.org/GeoReport_v2): a bare array, numeric ids,
  // `"service_code":006` (an integer with leading zeros, which JSON does not allow) and nulls.
  const text = readFileSync(new URL('../../fixtures/open311-requests.json', import.meta.url), 'utf8');

  it('is not JSON as written: the specification writes service_code as 006', () => {
    expect(() => JSON.parse(text)).toThrow();
  });

  it('is read as servers send it, codes keeping their zeros', () => {
    const body = parseOpen311Json(text) as { service_code: unknown; zipcode: unknown }[];
    expect(body.map((request) => request.service_code)).toEqual(['006', '006']);
    expect(body[0]?.zipcode).toBe(94122);
  });

  it('becomes three ticket events: the closed request two, the open one one', () => {
    const { candidates, rejected } = unwrapOpen311(parseOpen311Json(text));
    expect(rejected).toEqual([]);
    const ids = candidates.map(({ index, record }) => {
      const { eventId, ticketId } = record as { eventId: string; ticketId: string };
      return [index, eventId, ticketId];
    });
    expect(ids).toEqual([
      [0, 'open311:638344:received', '638344'],
      [0, 'open311:638344:closed', '638344'],
      [1, 'open311:638349:received', '638349'],
    ]);
    expect(candidates[0]?.record).toMatchObject({
      type: 'received',
      occurredAt: '2010-04-14T06:37:38-08:00',
      deadlineAt: '2010-04-15T06:37:38-08:00',
      category: '006',
      location: { lat: 37.762221815, lon: -122.4651145 },
      address_id: 545483,
      zipcode: 94122,
      description: null,
    });
    expect(candidates[1]?.record).toMatchObject({ type: 'closed', occurredAt: '2010-04-14T06:37:38-08:00' });
  });

  it('takes the wrapped form the same way', () => {
    const requests = parseOpen311Json(text);
    expect(unwrapOpen311({ requests })).toEqual(unwrapOpen311(requests));
  });
});

describe('numbers and nulls in requests', () => {
  it('reads numeric ids and codes as the strings they spell', () => {
    const { candidates } = unwrapOpen311([{ ...request, service_request_id: 42, service_code: 7 }]);
    expect(candidates[0]?.record).toMatchObject({
      ticketId: '42',
      category: '7',
      eventId: 'open311:42:received',
    });
  });

  it('takes null for every optional field', () => {
    const open = {
      ...request,
      status: 'open',
      updated_datetime: null,
      expected_datetime: null,
      lat: null,
      long: null,
      description: null,
      status_notes: null,
      media_url: null,
    };
    const { candidates, rejected } = unwrapOpen311([open]);
    expect(rejected).toEqual([]);
    expect(candidates).toHaveLength(1);
    expect(candidates[0]?.record).not.toHaveProperty('deadlineAt');
    expect(candidates[0]?.record).not.toHaveProperty('location');
  });

  it('still requires closed requests to say when they closed', () => {
    const { rejected } = unwrapOpen311([{ ...request, updated_datetime: null }]);
    expect(rejected[0]?.errors[0]?.path).toBe('updated_datetime');
  });

  it.each([[{ service_request_id: { id: 1 } }], [{ service_code: null }], [{ service_request_id: true }]])(
    'rejects %j',
    (fields) => {
      expect(unwrapOpen311([{ ...request, ...fields }]).rejected).toHaveLength(1);
    },
  );

  it('refuses a body that is neither an array nor {"requests": [...]}', () => {
    expect(() => unwrapOpen311({ request: [request] })).toThrow(/\{"requests": \[\.\.\.\]\} or \[\.\.\.\]/);
    expect(() => unwrapOpen311([])).toThrow(/at least 1 request/);
  });
});

describe('parseOpen311Json', () => {
  it('quotes integers with leading zeros outside strings only', () => {
    expect(parseOpen311Json('[{"a":006,"b":"x006\\"y:007","c":-01,"d":0.5,"e":10,"f":[00,1]}]')).toEqual([
      { a: '006', b: 'x006"y:007', c: '-01', d: 0.5, e: 10, f: ['00', 1] },
    ]);
  });

  it('fails on what is not JSON otherwise, as JSON.parse does', () => {
    expect(() => parseOpen311Json('{"a":}')).toThrow(SyntaxError);
    expect(() => parseOpen311Json('{"a":006')).toThrow(SyntaxError);
  });
});
