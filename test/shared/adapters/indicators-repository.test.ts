import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndicatorValues } from '#shared/domain/indicators/catalogue';
import { createTestTables } from '../../support/tables.ts';

let db: Awaited<ReturnType<typeof createTestTables>>;
beforeAll(async () => {
  db = await createTestTables();
});
afterAll(async () => db.drop());

const values = (received: number): IndicatorValues => ({
  ticketsReceived: received,
  ticketsClosed: 0,
  ticketClosureRate: received === 0 ? null : 0,
  ticketOnTimeClosureRate: null,
  ticketSatisfactionRate: null,
  avgTicketClosureHours: null,
  openOverdueTickets: null,
  casesReported: 0,
  casesFiled: 0,
  caseFilingRate: null,
  caseDispatchRate: null,
  casesClosed: 0,
  caseClosureRate: null,
  caseReworkRate: null,
  caseOnTimeClosureRate: null,
  openOverdueCases: null,
  plannedRoadKm: null,
  cleanedRoadKm: null,
  roadCleaningRate: null,
  mechanizedCleaningRate: null,
  operatingKm: null,
  vehicleAttendanceRate: null,
});

describe('IndicatorsRepository on DynamoDB Local', () => {
  it('starts at revision 1 and goes up only when a value changes', async () => {
    const first = await db.indicators.save(
      '2026-03-02',
      'city',
      'Asia/Shanghai',
      values(3),
      '2026-03-02T01:00:00.000Z',
    );
    const same = await db.indicators.save(
      '2026-03-02',
      'city',
      'Asia/Shanghai',
      values(3),
      '2026-03-02T02:00:00.000Z',
    );
    const changed = await db.indicators.save(
      '2026-03-02',
      'city',
      'Asia/Shanghai',
      values(4),
      '2026-03-02T03:00:00.000Z',
    );
    expect(first).toMatchObject({ changed: true, item: { revision: 1 } });
    expect(same).toEqual({ changed: false });
    expect(changed).toMatchObject({
      changed: true,
      item: { revision: 2, computedAt: '2026-03-02T03:00:00.000Z' },
    });
  });

  it('lists every area of a day sorted, and one area over a range', async () => {
    await db.indicators.save(
      '2026-03-03',
      'street:s1',
      'Asia/Shanghai',
      values(1),
      '2026-03-03T01:00:00.000Z',
    );
    await db.indicators.save('2026-03-03', 'city', 'Asia/Shanghai', values(1), '2026-03-03T01:00:00.000Z');
    await db.indicators.save(
      '2026-03-03',
      'district:d1',
      'Asia/Shanghai',
      values(1),
      '2026-03-03T01:00:00.000Z',
    );
    expect((await db.indicators.listDay('2026-03-03')).map((item) => item.area)).toEqual([
      'city',
      'district:d1',
      'street:s1',
    ]);
    expect(
      (await db.indicators.listArea('city', '2026-03-01', '2026-03-03')).map((item) => item.date),
    ).toEqual(['2026-03-02', '2026-03-03']);
  });

  it('answers the values in catalogue order', async () => {
    const [item] = await db.indicators.listArea('city', '2026-03-02', '2026-03-02');
    expect(Object.keys(item?.indicators ?? {})).toEqual(Object.keys(values(0)));
  });

  it('removes areas that lost their data', async () => {
    expect(await db.indicators.remove('2026-03-03', ['street:s1'], '2099-01-01T00:00:00.000Z')).toEqual([
      'street:s1',
    ]);
    expect((await db.indicators.listDay('2026-03-03')).map((item) => item.area)).toEqual([
      'city',
      'district:d1',
    ]);
  });

  it('keeps an area a recompute that read later wrote, whoever asks to remove it', async () => {
    await db.indicators.save(
      '2026-03-04',
      'street:s2',
      'Asia/Shanghai',
      values(1),
      '2026-03-05T00:00:10.000Z',
      '2026-03-05T00:00:10.000Z',
    );
    expect(await db.indicators.remove('2026-03-04', ['street:s2'], '2026-03-05T00:00:05.000Z')).toEqual([]);
    expect((await db.indicators.listDay('2026-03-04')).map((item) => item.area)).toEqual(['street:s2']);
    expect(await db.indicators.remove('2026-03-04', ['street:s2'], '2026-03-05T00:00:10.000Z')).toEqual([
      'street:s2',
    ]);
  });
});

describe('concurrent recomputes', () => {
  it('never lets values computed from older facts overwrite newer ones', async () => {
    const newer = await db.indicators.save(
      '2026-04-01',
      'city',
      'Asia/Shanghai',
      values(5),
      '2026-04-01T01:00:02.000Z',
      '2026-04-01T01:00:01.000Z',
    );
    const older = await db.indicators.save(
      '2026-04-01',
      'city',
      'Asia/Shanghai',
      values(4),
      '2026-04-01T01:00:03.000Z',
      '2026-04-01T01:00:00.000Z',
    );
    expect(newer.changed).toBe(true);
    expect(older).toEqual({ changed: false });
    expect(
      (await db.indicators.listArea('city', '2026-04-01', '2026-04-01'))[0]?.indicators.ticketsReceived,
    ).toBe(5);
  });

  it('keeps newer unchanged values from being overwritten by a slower, older read', async () => {
    await db.indicators.save(
      '2026-04-02',
      'city',
      'Asia/Shanghai',
      values(5),
      '2026-04-02T01:00:00.000Z',
      '2026-04-02T01:00:00.000Z',
    );
    // A later recompute reads the same facts: nothing to write, but its read time is recorded.
    await db.indicators.save(
      '2026-04-02',
      'city',
      'Asia/Shanghai',
      values(5),
      '2026-04-02T01:05:00.000Z',
      '2026-04-02T01:05:00.000Z',
    );
    // A recompute that read in between, before a fact that was later withdrawn, finishes last.
    const stale = await db.indicators.save(
      '2026-04-02',
      'city',
      'Asia/Shanghai',
      values(6),
      '2026-04-02T01:06:00.000Z',
      '2026-04-02T01:02:00.000Z',
    );
    expect(stale).toEqual({ changed: false });
    expect((await db.indicators.listArea('city', '2026-04-02', '2026-04-02'))[0]).toMatchObject({
      revision: 1,
      indicators: { ticketsReceived: 5 },
    });
  });

  it('writes a forced save whose digest matches the stored one, yet not over a later read', async () => {
    const save = (received: number, readAt: string, force: boolean) =>
      db.indicators.save('2026-04-03', 'city', 'Asia/Shanghai', values(received), readAt, readAt, { force });
    await save(5, '2026-04-03T01:00:00.000Z', false);
    expect(await save(5, '2026-04-03T01:01:00.000Z', false)).toEqual({ changed: false });
    expect(await save(5, '2026-04-03T01:02:00.000Z', true)).toMatchObject({
      changed: true,
      item: { revision: 2, indicators: { ticketsReceived: 5 } },
    });
    expect(await save(6, '2026-04-03T01:01:30.000Z', true)).toEqual({ changed: false });
    expect((await db.indicators.listArea('city', '2026-04-03', '2026-04-03'))[0]).toMatchObject({
      revision: 2,
      indicators: { ticketsReceived: 5 },
    });
  });
});
