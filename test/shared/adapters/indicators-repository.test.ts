import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamo';
import { IndicatorsRepository } from '#shared/adapters/indicators-repository';
import type { IndicatorValues } from '#shared/domain/indicators/catalogue';
import { announcedTag, type IndicatorItem } from '#shared/domain/indicators/item';
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
    expect(same).toMatchObject({
      changed: false,
      item: { revision: 1, computedAt: '2026-03-02T01:00:00.000Z' },
    });
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
    // The answer names what is stored: the newer read's values.
    expect(older).toMatchObject({
      changed: false,
      item: { revision: 1, indicators: { ticketsReceived: 5 } },
    });
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
    expect(stale).toMatchObject({ changed: false, item: { revision: 1 } });
    expect((await db.indicators.listArea('city', '2026-04-02', '2026-04-02'))[0]).toMatchObject({
      revision: 1,
      indicators: { ticketsReceived: 5 },
    });
  });

  it('writes a forced save whose digest matches the stored one, yet not over a later read', async () => {
    const save = (received: number, readAt: string, force: boolean) =>
      db.indicators.save('2026-04-03', 'city', 'Asia/Shanghai', values(received), readAt, readAt, { force });
    await save(5, '2026-04-03T01:00:00.000Z', false);
    expect(await save(5, '2026-04-03T01:01:00.000Z', false)).toMatchObject({ changed: false });
    expect(await save(5, '2026-04-03T01:02:00.000Z', true)).toMatchObject({
      changed: true,
      item: { revision: 2, indicators: { ticketsReceived: 5 } },
    });
    expect(await save(6, '2026-04-03T01:01:30.000Z', true)).toMatchObject({
      changed: false,
      item: { revision: 2, indicators: { ticketsReceived: 5 } },
    });
    expect((await db.indicators.listArea('city', '2026-04-03', '2026-04-03'))[0]).toMatchObject({
      revision: 2,
      indicators: { ticketsReceived: 5 },
    });
  });
});

/** A repository over the same table that counts the writes it sends. */
const countingWrites = () => {
  const documents = createDocumentClient(db.endpoint);
  let writes = 0;
  const send = documents.send.bind(documents);
  documents.send = ((command: object, ...rest: unknown[]) => {
    if (/^(Put|Update|Delete)Command$/.test(command.constructor.name)) writes += 1;
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof documents.send;
  return { repository: new IndicatorsRepository(documents, db.names.indicators), writes: () => writes };
};

describe('the item as read before', () => {
  it('confirms unchanged values with one write, and writes changed ones as a new revision', async () => {
    const save = (received: number, at: string, stored?: IndicatorItem) =>
      db.indicators.save('2026-04-04', 'city', 'Asia/Shanghai', values(received), at, at, { stored });
    await save(5, '2026-04-04T01:00:00.000Z');
    const [read] = await db.indicators.listDay('2026-04-04');
    expect(read?.digest).toEqual(expect.any(String));
    const counted = countingWrites();
    expect(
      await counted.repository.save(
        '2026-04-04',
        'city',
        'Asia/Shanghai',
        values(5),
        '2026-04-04T01:01:00.000Z',
        '2026-04-04T01:01:00.000Z',
        { stored: read },
      ),
    ).toMatchObject({ changed: false, item: { revision: 1 } });
    expect(counted.writes()).toBe(1);
    // A later read stored already stays: the confirmation changes nothing.
    expect(await save(5, '2026-04-04T01:00:30.000Z', read)).toMatchObject({
      changed: false,
      item: { revision: 1 },
    });
    // The item as read says 5, but 6 is stored meanwhile: the values are not confirmed but written.
    await save(6, '2026-04-04T01:02:00.000Z');
    expect(await save(5, '2026-04-04T01:03:00.000Z', read)).toMatchObject({
      changed: true,
      item: { revision: 3, indicators: { ticketsReceived: 5 } },
    });
  });
});

describe('what was announced', () => {
  it('keeps a tag per area of a day, forgets removed areas, and never lists itself as an area', async () => {
    const day = '2026-04-05';
    await db.indicators.save(day, 'city', 'Asia/Shanghai', values(1), '2026-04-05T01:00:00.000Z');
    const [city] = await db.indicators.listDay(day);
    expect(await db.indicators.announced(day)).toEqual(new Map());
    await db.indicators.markAnnounced(day, [
      { area: 'city', revision: 1, digest: city?.digest },
      { area: 'street:s9', revision: 4, digest: 'abcdefghijk' },
    ]);
    expect(await db.indicators.announced(day)).toEqual(
      new Map([
        ['city', announcedTag({ revision: 1, digest: city?.digest })],
        ['street:s9', '4:abcdefgh'],
      ]),
    );
    await db.indicators.markAnnounced(day, [{ area: 'city', revision: 2, digest: 'x' }], ['street:s9']);
    expect(await db.indicators.announced(day)).toEqual(new Map([['city', '2:x']]));
    expect((await db.indicators.listDay(day)).map((item) => item.area)).toEqual(['city']);
  });

  it('records the areas of a large city, in several writes', async () => {
    const day = '2026-04-06';
    const areas = Array.from({ length: 450 }, (_, index) => ({
      area: `street:s${index}` as const,
      revision: index + 1,
      digest: `d${index}`,
    }));
    await db.indicators.markAnnounced(day, areas);
    const tags = await db.indicators.announced(day);
    expect(tags.size).toBe(450);
    expect(tags.get('street:s449')).toBe('450:d449');
  });
});
