import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEntityEvent } from '#shared/app/record-entity-event';
import { emptyAreaRegistry } from '#shared/domain/areas';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';
import { RecordingPublisher } from '../../support/recording-publisher.ts';
import { createTestTables } from '../../support/tables.ts';

let db: Awaited<ReturnType<typeof createTestTables>>;
const publisher = new RecordingPublisher();
const rules = { ticketCategoriesToCityPlatform: ['city.*', 'water-?'] };
const deps = () => ({
  ...db,
  publisher,
  timeZone: 'Asia/Shanghai',
  sync: { rules, areas: emptyAreaRegistry },
});

beforeAll(async () => {
  db = await createTestTables();
});
afterAll(async () => db.drop());

/** Every order of a small list. */
const permutations = <T>(items: T[]): T[][] =>
  items.length <= 1
    ? [items]
    : items.flatMap((item, index) =>
        permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
      );

const store = (source: 'hotline' | 'city-platform', record: HotlineRecord | CityPlatformRecord) =>
  recordEntityEvent({ source, acceptedAt: '2026-03-02T01:00:00.000Z', record } as never, deps());

describe('sync events', () => {
  it('requests a case exactly once per matching ticket, in any order and with repeats', async () => {
    const orders = permutations(['received', 'dispatched', 'callback'] as const);
    for (const [n, order] of orders.entries()) {
      publisher.published.splice(0);
      const ticketId = `t${n}`;
      const event = (type: HotlineRecord['type'], minute: number): HotlineRecord => ({
        eventId: `${ticketId}-${type}`,
        ticketId,
        type,
        occurredAt: `2026-03-02T09:${String(minute).padStart(2, '0')}:00+08:00`,
        category: 'city.road-damage',
        district: 'd1',
      });
      const minutes = { received: 0, dispatched: 10, callback: 20 };
      for (const type of [...order, ...order]) await store('hotline', event(type, minutes[type]));
      expect(publisher.take('sync.case-requested')).toEqual([
        {
          ticketId,
          category: 'city.road-damage',
          areas: ['city', 'district:d1'],
          receivedAt: '2026-03-02T01:00:00.000Z',
        },
      ]);
    }
  });

  it('announces a closure once even when its later close arrives first', async () => {
    publisher.published.splice(0);
    const event = (eventId: string, time: string): CityPlatformRecord => ({
      eventId,
      caseId: 'late-close',
      type: 'closed',
      occurredAt: `2026-03-02T${time}:00+08:00`,
      category: 'road',
      linkedTicketId: 'T-7',
    });
    await store('city-platform', event('e3', '12:00'));
    await store('city-platform', event('e1', '10:00'));
    expect(publisher.take('sync.ticket-resolved')).toHaveLength(1);
  });

  it('requests no case for a category the rules do not name', async () => {
    publisher.published.splice(0);
    await store('hotline', {
      eventId: 'x1',
      ticketId: 'x',
      type: 'received',
      occurredAt: '2026-03-02T09:00:00+08:00',
      category: 'noise',
    });
    expect(publisher.take('sync.case-requested')).toEqual([]);
  });

  it('resolves the linked ticket once per closure, in any order and with repeats', async () => {
    const specs: [CityPlatformRecord['type'], string][] = [
      ['filed', '09:00'],
      ['closed', '10:00'],
      ['rework', '11:00'],
      ['closed', '12:00'],
    ];
    for (const [n, order] of permutations(specs).entries()) {
      publisher.published.splice(0);
      const caseId = `c${n}`;
      const event = ([type, time]: [CityPlatformRecord['type'], string]): CityPlatformRecord => ({
        eventId: `${caseId}-${type}-${time}`,
        caseId,
        type,
        occurredAt: `2026-03-02T${time}:00+08:00`,
        category: 'road',
        linkedTicketId: 'T-42',
      });
      for (const spec of [...order, ...order.slice().reverse()]) await store('city-platform', event(spec));
      const resolved = publisher.take('sync.ticket-resolved') as {
        closingEventId: string;
        ticketId: string;
      }[];
      expect(resolved.map((detail) => detail.closingEventId).sort()).toEqual([
        `${caseId}-closed-10:00`,
        `${caseId}-closed-12:00`,
      ]);
      expect(resolved.every((detail) => detail.ticketId === 'T-42')).toBe(true);
    }
  });
});
