import { describe, expect, it } from 'vitest';
import { type CsvItem, toCsv } from '#shared/http/csv';

const HEADER =
  'date,area,name,ticketsReceived,ticketsClosed,ticketClosureRate,ticketOnTimeClosureRate,' +
  'ticketSatisfactionRate,avgTicketClosureHours,openOverdueTickets,casesReported,casesFiled,caseFilingRate,' +
  'caseDispatchRate,casesClosed,caseClosureRate,caseReworkRate,caseOnTimeClosureRate,openOverdueCases,' +
  'plannedRoadKm,cleanedRoadKm,' +
  'roadCleaningRate,mechanizedCleaningRate,operatingKm,vehicleAttendanceRate,revision,computedAt';

const item = (overrides: Partial<CsvItem> = {}): CsvItem => ({
  date: '2026-03-02',
  area: 'district:dongcheng',
  indicators: {
    ticketsReceived: 12,
    ticketsClosed: 9,
    ticketClosureRate: 0.75,
    ticketOnTimeClosureRate: null,
    ticketSatisfactionRate: 1,
    avgTicketClosureHours: 3.5,
    openOverdueTickets: 2,
    casesReported: 0,
    casesFiled: 0,
    caseFilingRate: null,
    caseDispatchRate: null,
    casesClosed: 0,
    caseClosureRate: null,
    caseReworkRate: null,
    caseOnTimeClosureRate: null,
    openOverdueCases: 0,
    plannedRoadKm: 42.25,
    cleanedRoadKm: 40,
    roadCleaningRate: 0.9467455621301775,
    mechanizedCleaningRate: 0.5,
    operatingKm: 118.7,
    vehicleAttendanceRate: 1,
  },
  revision: 3,
  computedAt: '2026-03-03T01:00:00.000Z',
  ...overrides,
});

const NAMES = new Map([['district:dongcheng', '东城区']]);

const ROW =
  '2026-03-02,district:dongcheng,东城区,12,9,0.75,,1,3.5,2,0,0,,,0,,,,0,42.25,40,0.9467455621301775,0.5,118.7,1,3,' +
  '2026-03-03T01:00:00.000Z';

describe('toCsv', () => {
  it('writes the header, one row per item and CRLF after every line, with null as an empty cell', () => {
    expect(toCsv([item(), item({ area: 'city', revision: 1 })], NAMES)).toBe(
      `${HEADER}\r\n${ROW}\r\n${ROW.replace('district:dongcheng,东城区', 'city,全市').replace(',3,2026', ',1,2026')}\r\n`,
    );
  });

  it('writes the header alone for no items', () => {
    expect(toCsv([])).toBe(`${HEADER}\r\n`);
  });

  it('leaves an indicator the item lacks empty', () => {
    expect(toCsv([item({ indicators: { ticketsReceived: 5 } })], NAMES)).toBe(
      `${HEADER}\r\n2026-03-02,district:dongcheng,东城区,5${','.repeat(22)}3,2026-03-03T01:00:00.000Z\r\n`,
    );
  });

  it.each([
    ['a comma', 'street:a,b', '"street:a,b"'],
    ['a quote', 'street:the "old" road', '"street:the ""old"" road"'],
    ['a line feed', 'street:a\nb', '"street:a\nb"'],
    ['a carriage return', 'street:a\rb', '"street:a\rb"'],
  ])('quotes a cell holding %s and doubles its quotes', (_, area, cell) => {
    expect(toCsv([item({ area })]).split('\r\n')[1]).toBe(
      ROW.replace('district:dongcheng,东城区', `${cell},`),
    );
  });

  it('quotes a name holding a comma, and leaves the name of an area no longer registered empty', () => {
    const names = new Map([['street:a', 'A, the old street']]);
    expect(
      toCsv([item({ area: 'street:a' }), item({ area: 'street:b' })], names)
        .split('\r\n')
        .slice(1, 3),
    ).toEqual([
      ROW.replace('district:dongcheng,东城区', 'street:a,"A, the old street"'),
      ROW.replace('district:dongcheng,东城区', 'street:b,'),
    ]);
  });
});
