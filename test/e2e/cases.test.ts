import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAreas } from '../support/demo-areas.ts';
import { type HubProcess, sendSigned, startHubProcess } from '../support/hub-process.ts';

/**
 * City-platform cases, areas, the working calendar and Open311 end to end over HTTP, against values
 * computed by hand (see test/shared/domain/cases.test.ts for the same cases explained one by one).
 */
let hub: HubProcess;
beforeAll(async () => {
  hub = await startHubProcess();
}, 120_000);
afterAll(() => {
  hub?.child.kill('SIGTERM');
});

const call = async (method: string, path: string, body?: unknown, token = hub.state.adminToken) => {
  const response = await fetch(`${hub.state.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

type Spec = [type: string, at: string, extra?: Record<string, unknown>];
const caseEvents = (caseId: string, specs: Spec[]) =>
  specs.map(([type, at, extra], index) => ({
    eventId: `${caseId}-${index}`,
    caseId,
    type,
    occurredAt: `2026-03-${at}:00+08:00`,
    category: 'road',
    ...extra,
  }));

const cases = [
  ...caseEvents('K1', [
    ['reported', '02T09:00', { street: 'west-south' }],
    ['filed', '02T09:30'],
    ['dispatched', '02T10:00'],
    ['closed', '02T15:00'],
  ]),
  ...caseEvents('K2', [
    ['reported', '02T10:00', { district: 'west' }],
    ['filed', '02T10:30'],
    ['rework', '03T09:00'],
    ['closed', '03T17:00'],
  ]),
  ...caseEvents('K3', [
    ['reported', '02T11:00', { district: 'east' }],
    ['filed', '02T11:10'],
    ['dispatched', '02T11:20'],
    ['suspended', '02T12:00'],
  ]),
  ...caseEvents('K4', [
    ['reported', '02T12:00', { district: 'east' }],
    ['filed', '02T13:00'],
    ['dispatched', '02T14:00'],
    ['closed', '03T11:00'],
    ['rework', '03T13:00'],
  ]),
  ...caseEvents('K5', [['reported', '02T14:00']]),
  ...caseEvents('K6', [
    ['reported', '02T15:00', { district: 'east' }],
    ['filed', '02T15:00'],
    ['cancelled', '02T16:00'],
  ]),
  ...caseEvents('K7', [
    ['reported', '02T16:00', { district: 'west', urgent: true }],
    ['filed', '02T16:00'],
    ['dispatched', '02T16:10'],
    ['closed', '02T17:30'],
  ]),
  ...caseEvents('K8', [
    ['reported', '02T17:00', { district: 'west' }],
    ['filed', '02T17:00'],
    ['suspended', '02T17:30'],
    ['resumed', '03T09:00'],
    ['extended', '03T10:00', { deadlineAt: '2026-03-06T18:00:00+08:00' }],
    ['closed', '05T10:00'],
  ]),
  // Placed by its location only: inside the east district, outside its street.
  ...caseEvents('K10', [['reported', '02T18:00', { location: { lat: 39.97, lon: 116.45 } }]]),
  // A street the registry does not know, in the west district.
  ...caseEvents('K11', [['reported', '02T19:00', { street: 'nowhere', district: 'west' }]]),
  // Filed Friday 17:00, closed Monday 17:30: late by the default calendar, on time when Monday is a holiday.
  ...caseEvents('F', [
    ['reported', '06T17:00', { district: 'east' }],
    ['filed', '06T17:00'],
    ['closed', '09T17:30'],
  ]),
];

const caseNames = [
  'casesReported',
  'casesFiled',
  'caseFilingRate',
  'caseDispatchRate',
  'casesClosed',
  'caseClosureRate',
  'caseReworkRate',
  'caseOnTimeClosureRate',
];
const expected: Record<string, (number | null)[]> = {
  city: [10, 7, 7 / 10, 4 / 7, 4, 4 / 5, 2 / 5, 3 / 5],
  'district:west': [5, 4, 4 / 5, 2 / 4, 4, 1, 1 / 4, 3 / 4],
  'district:east': [4, 3, 3 / 4, 2 / 3, 0, 0, 1, 0],
  'street:west-south': [1, 1, 1, 1, 1, 1, 0, 1],
  'street:nowhere': [1, 0, 0, null, 0, null, null, null],
};

type Item = { date: string; area: string; indicators: Record<string, number | null>; revision: number };
/** Items of a query; none while an area that records name without registering it has nothing published (404). */
const indicators = async (query: string): Promise<Item[]> => {
  const { status, body } = await call('GET', `/indicators?${query}`, undefined, hub.state.analystToken);
  return status === 404 ? [] : (body.items as Item[]);
};
const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
  const deadline = Date.now() + 20_000;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
};

describe('city-platform cases over HTTP', () => {
  it('takes the areas and the calendar', async () => {
    expect(await call('PUT', '/reference/areas', testAreas)).toEqual({
      status: 200,
      body: { districts: 2, streets: 2, recomputingDays: 0 },
    });
    expect(await call('PUT', '/reference/calendar', { holidays: [], workdays: [] })).toMatchObject({
      status: 200,
    });
    expect(
      (await call('PUT', '/reference/areas', { type: 'FeatureCollection', features: [{}] })).status,
    ).toBe(400);
    expect((await call('PUT', '/reference/calendar', { holidays: ['2026-02-30'] })).body.error).toContain(
      'holidays[0]',
    );
  });

  it('computes every case indicator by area from shuffled, duplicated events mixed with bad ones', async () => {
    const shuffled = [...cases].sort((a, b) =>
      a.eventId.split('').reverse().join('') < b.eventId.split('').reverse().join('') ? -1 : 1,
    );
    const bad = [
      {
        eventId: 'bad',
        caseId: 'B',
        type: 'archived',
        occurredAt: '2026-03-02T10:00:00+08:00',
        category: 'road',
      },
    ];
    const first = await sendSigned(
      hub.state,
      '/ingest/city-platform',
      JSON.stringify({ records: [...shuffled.slice(0, 20), ...bad] }),
    );
    const second = await sendSigned(
      hub.state,
      '/ingest/city-platform',
      JSON.stringify({ records: shuffled.slice(10) }),
    );
    expect(first.body).toMatchObject({ accepted: 20, duplicates: 0, rejected: [{ index: 20 }] });
    expect(second.body).toMatchObject({ accepted: shuffled.length - 20, duplicates: 10, rejected: [] });

    const areas = Object.keys(expected)
      .map((area) => `area=${area}`)
      .join('&');
    const valuesOf = (items: Item[]) =>
      Object.fromEntries(items.map((item) => [item.area, caseNames.map((name) => item.indicators[name])]));
    const items = await until(
      () => indicators(`date=2026-03-02&${areas}`),
      (found) => isDeepStrictEqual(valuesOf(found), expected),
    );
    expect(valuesOf(items)).toEqual(expected);
  });

  it('answers an area neither registered nor published with a 404 naming GET /areas', async () => {
    const { status, body } = await call(
      'GET',
      '/indicators?date=2026-03-02&area=district:atlantis',
      undefined,
      hub.state.analystToken,
    );
    expect(status).toBe(404);
    expect(body.error).toContain('no registered area "district:atlantis"; GET /areas lists');
  });

  it('lists codes the registry does not know, per code and per source', async () => {
    const { body } = await call('GET', '/admin/quality?from=2026-03-01&to=2026-03-09');
    expect(body).toEqual({
      from: '2026-03-01',
      to: '2026-03-09',
      unknownCodes: [{ code: 'street:nowhere', records: 1, bySource: { 'city-platform': 1 } }],
      bySource: { 'city-platform': { records: 1, codes: 1 } },
    });
  });

  it('revises on-time closure when a holiday moves a deadline', async () => {
    const onTime = async () =>
      (await indicators('date=2026-03-06&area=city'))[0]?.indicators.caseOnTimeClosureRate;
    // The day is complete once case F's closure (sent with the others above) is counted.
    const closed = async () => (await indicators('date=2026-03-06&area=city'))[0]?.indicators.casesClosed;
    expect(await until(closed, (value) => value === 1)).toBe(1);
    // The day's end-of-day figures follow every case's facts (K4, reworked, is open and overdue at
    // the end of the 6th): wait until the day's item stops changing before the calendar moves.
    let last = '';
    let stableSince = Date.now();
    const settled = await until(
      async () => {
        const item = JSON.stringify((await indicators('date=2026-03-06&area=city'))[0]);
        if (item !== last) [last, stableSince] = [item, Date.now()];
        return Date.now() - stableSince;
      },
      (stableMs) => stableMs >= 2_000,
    );
    expect(settled).toBeGreaterThanOrEqual(2_000);
    expect((await indicators('date=2026-03-06&area=city'))[0]?.indicators.openOverdueCases).toBe(1);
    expect(await onTime()).toBe(0);
    const [before] = await indicators('date=2026-03-06&area=city');
    const put = await call('PUT', '/reference/calendar', { holidays: ['2026-03-09'], workdays: [] });
    // Days with events: 2, 3, 5, 6 and 9 March.
    expect(put.body).toEqual({ holidays: 1, workdays: 0, recomputingDays: 5 });
    expect(await until(onTime, (value) => value === 1)).toBe(1);
    const [after] = await indicators('date=2026-03-06&area=city');
    expect(after?.revision).toBe((before?.revision ?? 0) + 1);
  });

  it('moves records between areas when the areas change', async () => {
    const withoutStreets = {
      ...testAreas,
      features: testAreas.features.filter((feature) => feature.properties.level === 'district'),
    };
    expect((await call('PUT', '/reference/areas', withoutStreets)).body).toEqual({
      districts: 2,
      streets: 0,
      recomputingDays: 5,
    });
    // K1 names street west-south, which no longer has a parent: it keeps the street but loses its district.
    const west = await until(
      async () => (await indicators('date=2026-03-02&area=district:west'))[0]?.indicators.casesReported,
      (value) => value === 4,
    );
    expect(west).toBe(4);
  });
});

describe('Open311 service requests', () => {
  const native = [
    {
      eventId: 'n1',
      ticketId: 'n1',
      type: 'received',
      occurredAt: '2026-04-01T09:00:00+08:00',
      category: '006',
      location: { lat: 39.92, lon: 116.35 },
      deadlineAt: '2026-04-01T12:00:00+08:00',
    },
    {
      eventId: 'n1c',
      ticketId: 'n1',
      type: 'closed',
      occurredAt: '2026-04-01T11:00:00+08:00',
      category: '006',
    },
    {
      eventId: 'n2',
      ticketId: 'n2',
      type: 'received',
      occurredAt: '2026-04-01T10:00:00+08:00',
      category: '007',
      location: { lat: 39.97, lon: 116.45 },
    },
    {
      eventId: 'n3',
      ticketId: 'n3',
      type: 'received',
      occurredAt: '2026-04-01T11:00:00+08:00',
      category: '006',
      location: { lat: 39.97, lon: 116.45 },
      deadlineAt: '2026-04-01T12:00:00+08:00',
    },
    {
      eventId: 'n3c',
      ticketId: 'n3',
      type: 'closed',
      occurredAt: '2026-04-01T13:00:00+08:00',
      category: '006',
    },
  ];
  const requests = [
    {
      service_request_id: 'o1',
      status: 'closed',
      service_code: '006',
      requested_datetime: '2026-04-02T09:00:00+08:00',
      updated_datetime: '2026-04-02T11:00:00+08:00',
      expected_datetime: '2026-04-02T12:00:00+08:00',
      lat: 39.92,
      long: 116.35,
    },
    {
      service_request_id: 'o2',
      status: 'open',
      service_code: '007',
      requested_datetime: '2026-04-02T10:00:00+08:00',
      lat: 39.97,
      long: 116.45,
    },
    {
      service_request_id: 'o3',
      status: 'closed',
      service_code: '006',
      requested_datetime: '2026-04-02T11:00:00+08:00',
      updated_datetime: '2026-04-02T13:00:00+08:00',
      expected_datetime: '2026-04-02T12:00:00+08:00',
      lat: 39.97,
      long: 116.45,
    },
  ];

  it('gives the same ticket indicators as the equivalent native records', async () => {
    const sentNative = await sendSigned(hub.state, '/ingest/hotline', JSON.stringify({ records: native }));
    const sentOpen311 = await sendSigned(
      hub.state,
      '/ingest/hotline/open311',
      JSON.stringify({ requests: [...requests, { status: 'closed' }] }),
    );
    expect(sentNative.body).toEqual({ accepted: 5, duplicates: 0, rejected: [] });
    expect(sentOpen311.body).toMatchObject({ accepted: 5, duplicates: 0, rejected: [{ index: 3 }] });
    const ticketValues = (items: Item[]) =>
      Object.fromEntries(
        items.map((item) => [
          item.area,
          Object.entries(item.indicators).filter(
            ([name]) => name.startsWith('ticket') || name === 'avgTicketClosureHours',
          ),
        ]),
      );
    const read = async () => [
      ticketValues(await indicators('date=2026-04-01')),
      ticketValues(await indicators('date=2026-04-02')),
    ];
    const [day1, day2] = await until(
      read,
      ([a, b]) => Object.keys(a ?? {}).length === 3 && isDeepStrictEqual(a, b),
    );
    expect(Object.keys(day1 ?? {})).toEqual(['city', 'district:east', 'district:west']);
    expect(day2).toEqual(day1);
    // o1 on time; o3 closed after its expected time; o2 open past its default 1-day deadline.
    expect(Object.fromEntries(day1?.city ?? [])).toMatchObject({
      ticketsReceived: 3,
      ticketsClosed: 2,
      ticketOnTimeClosureRate: 1 / 3,
    });
  });

  it("accepts and counts the specification's example response of GET /requests.json as published", async () => {
    // A bare array with numeric ids, `"service_code":006` and nulls, forwarded byte for byte.
    const text = readFileSync(new URL('../fixtures/open311-requests.json', import.meta.url), 'utf8');
    const sent = await sendSigned(hub.state, '/ingest/hotline/open311', text);
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    // 2010-04-14T06:37:38-08:00 is 22:37 in the city (UTC+8), the same day; the request closed at once.
    const city = await until(
      async () => (await indicators('date=2010-04-14')).find((item) => item.area === 'city'),
      (item) => item?.indicators.ticketsReceived === 1,
    );
    expect(city?.indicators).toMatchObject({ ticketsReceived: 1, ticketsClosed: 1, ticketClosureRate: 1 });
    const resent = await sendSigned(hub.state, '/ingest/hotline/open311', text);
    expect(resent.body).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
  });
});
