import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  indexOpenItems,
  listOpenItems,
  type OpenItemsDeps,
  pageOfOpenItems,
  redueOpenItems,
  type SupervisionReference,
  sweepDeadlines,
} from '#shared/app/open-items';
import { emptyAreaRegistry } from '#shared/domain/areas';
import { defaultCalendar, type WorkingCalendar } from '#shared/domain/calendar';
import { caseFacts, ticketFacts } from '#shared/domain/entity-facts';
import { defaultThresholds } from '#shared/domain/supervision';
import type { DeadlineNoticedDetail } from '#shared/events/deadlines';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';
import { RecordingPublisher } from '../../support/recording-publisher.ts';
import { createTestTables } from '../../support/tables.ts';

/** Supervision against DynamoDB Local on a clock the test sets: the index, the sweep, the list. */
const zone = 'Asia/Shanghai';
/** City time (UTC+8). */
const at = (local: string) => Date.parse(`${local}+08:00`);

let db: Awaited<ReturnType<typeof createTestTables>>;
const publisher = new RecordingPublisher();
let clock = at('2026-03-02T09:00');
/** National Day week off, and Saturday 2026-10-10 a make-up working day (调休). */
const holidays: WorkingCalendar = {
  holidays: new Set(['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07']),
  workdays: new Set(['2026-10-10']),
};
let reference: SupervisionReference = {
  areas: emptyAreaRegistry,
  calendar: defaultCalendar,
  names: new Map([['district:d1', '东城区']]),
  thresholds: defaultThresholds,
};
const deps = (): OpenItemsDeps & { publisher: RecordingPublisher } => ({
  openItems: db.openItems,
  loadSupervision: async () => reference,
  timeZone: zone,
  now: () => clock,
  publisher,
});

beforeAll(async () => {
  db = await createTestTables();
});
afterAll(async () => db.drop());

const tickets = new Map<string, HotlineRecord[]>();
const cases = new Map<string, CityPlatformRecord[]>();

/** Adds a ticket event and indexes the ticket's facts from all its events, as a recompute run does. */
const ticket = async (
  id: string,
  type: HotlineRecord['type'],
  occurredAt: string,
  extra: Partial<HotlineRecord> = {},
) => {
  const events = [...(tickets.get(id) ?? [])];
  events.push({
    eventId: `${id}-${events.length}`,
    ticketId: id,
    type,
    occurredAt: `${occurredAt}+08:00`,
    category: 'noise',
    ...extra,
  });
  tickets.set(id, events);
  await indexOpenItems([ticketFacts(id, events, zone)], deps());
};
const kase = async (
  id: string,
  type: CityPlatformRecord['type'],
  occurredAt: string,
  extra: Partial<CityPlatformRecord> = {},
) => {
  const events = [...(cases.get(id) ?? [])];
  events.push({
    eventId: `${id}-${events.length}`,
    caseId: id,
    type,
    occurredAt: `${occurredAt}+08:00`,
    category: 'garbage',
    ...extra,
  });
  cases.set(id, events);
  await indexOpenItems([caseFacts(id, events, zone)], deps());
};

/** Runs the sweep at a city time and returns the notices it announced, as `<kind>.<notice>:<id>`. */
const sweep = async (local: string): Promise<string[]> => {
  clock = at(local);
  publisher.published.splice(0);
  await sweepDeadlines(deps());
  return (publisher.take('deadline.noticed') as DeadlineNoticedDetail[]).map(
    (detail) => `${detail.kind}.${detail.notice}:${detail.id}@${detail.at}`,
  );
};

describe('supervision notices on a controlled clock', () => {
  it('announces a ticket yellow at 75 % of its calendar-time limit and red past its deadline, each once', async () => {
    await ticket('t1', 'received', '2026-03-02T09:00', { deadlineAt: '2026-03-03T09:00:00+08:00' });
    expect(await sweep('2026-03-03T02:59')).toEqual([]);
    expect(await sweep('2026-03-03T03:00')).toEqual([
      'ticket.deadline-approaching:t1@2026-03-02T19:00:00.000Z',
    ]);
    expect(await sweep('2026-03-03T03:01')).toEqual([]);
    expect(await sweep('2026-03-03T09:00')).toEqual([]);
    expect(await sweep('2026-03-03T09:00:30')).toEqual(['ticket.overdue:t1@2026-03-03T01:00:00.000Z']);
    expect(await sweep('2026-03-03T09:05')).toEqual([]);
  });

  it('lists open items by deadline with their light, share used and minutes overdue', async () => {
    clock = at('2026-03-03T10:00');
    const { items } = await listOpenItems({ area: [] }, deps());
    const t1 = items.find((item) => item.id === 't1');
    expect(t1).toMatchObject({
      kind: 'ticket',
      light: 'red',
      overdueMinutes: 60,
      // 25 h of a 24 h limit.
      usedShare: 1.0417,
      area: 'city',
      areaName: '全市',
      deadline: '2026-03-03T01:00:00.000Z',
    });
  });

  it('re-arms when the deadline moves, and announces again for the new deadline', async () => {
    await ticket('t1', 'dispatched', '2026-03-03T10:00', { deadlineAt: '2026-03-04T09:00:00+08:00' });
    // 48 h from receipt: yellow at 36 h, 2026-03-03 21:00.
    expect(await sweep('2026-03-03T20:59')).toEqual([]);
    expect(await sweep('2026-03-03T21:00')).toEqual([
      'ticket.deadline-approaching:t1@2026-03-03T13:00:00.000Z',
    ]);
    expect(await sweep('2026-03-03T21:01')).toEqual([]);
  });

  it('cancels with a closing, and re-arms with a reopening under new ids', async () => {
    await ticket('t1', 'closed', '2026-03-03T22:00');
    expect(await sweep('2026-03-04T09:01')).toEqual([]);
    expect((await listOpenItems({ area: [] }, deps())).items.map((item) => item.id)).not.toContain('t1');
    await ticket('t1', 'reopened', '2026-03-04T10:00');
    publisher.published.splice(0);
    clock = at('2026-03-04T10:01');
    await sweepDeadlines(deps());
    const [overdue] = publisher.take('deadline.noticed') as DeadlineNoticedDetail[];
    expect(overdue).toMatchObject({ kind: 'ticket', id: 't1', notice: 'overdue' });
    // Entered the list again with 4 events (received, dispatched, closed, reopened).
    expect(overdue?.since).toBe(4);
  });

  it('never opens a closed item again for a late copy of an older derivation', async () => {
    await ticket('t3', 'received', '2026-03-04T08:00');
    const received = ticketFacts('t3', tickets.get('t3') ?? [], zone);
    await ticket('t3', 'closed', '2026-03-04T09:00');
    await indexOpenItems([received], deps());
    clock = at('2026-03-04T10:00');
    expect((await listOpenItems({ area: [] }, deps())).items.map((item) => item.id)).not.toContain('t3');
  });

  it('times a case in working time across a holiday week', async () => {
    reference = { ...reference, calendar: holidays };
    // Wednesday 16:00: 2 working hours that day, then the holiday; 08:00–12:00 on Thursday 10-08 makes 6.
    await kase('c1', 'filed', '2026-09-30T16:00', { district: 'd1' });
    expect(await sweep('2026-10-07T23:00')).toEqual([]);
    expect(await sweep('2026-10-08T11:59')).toEqual([]);
    expect(await sweep('2026-10-08T12:00')).toEqual([
      'case.deadline-approaching:c1@2026-10-08T04:00:00.000Z',
    ]);
    // 14:00–16:00 makes the 8 hours.
    expect(await sweep('2026-10-08T16:00:30')).toEqual(['case.overdue:c1@2026-10-08T08:00:00.000Z']);
    clock = at('2026-10-08T17:00');
    const { items, counts } = await listOpenItems({ area: ['district:d1'], kind: 'case' }, deps());
    // c1 is the only case placed in d1; the city row counts what the query selected.
    expect(counts).toEqual([
      { area: 'city', name: '全市', green: 0, yellow: 0, red: 1, paused: 0 },
      { area: 'district:d1', name: '东城区', green: 0, yellow: 0, red: 1, paused: 0 },
    ]);
    expect(items).toMatchObject([
      {
        id: 'c1',
        light: 'red',
        area: 'district:d1',
        areaName: '东城区',
        overdueMinutes: 60,
        usedShare: 1.125,
      },
    ]);
  });

  it('counts a make-up working Saturday', async () => {
    // Friday 16:00: 2 h; Saturday 10-10 works 08:00–12:00 (6 h) and 14:00–16:00 (8 h).
    await kase('c2', 'filed', '2026-10-09T16:00');
    expect(await sweep('2026-10-10T12:00')).toEqual([
      'case.deadline-approaching:c2@2026-10-10T04:00:00.000Z',
    ]);
    expect(await sweep('2026-10-10T16:01')).toEqual(['case.overdue:c2@2026-10-10T08:00:00.000Z']);
  });

  it('pauses a suspended case and resumes its notices when it resumes', async () => {
    reference = { ...reference, calendar: defaultCalendar };
    // Monday 10:00: 6 working hours at 18:00 (yellow), 8 at Tuesday 10:00 (the deadline).
    await kase('c3', 'filed', '2026-03-02T10:00');
    await kase('c3', 'suspended', '2026-03-02T15:00');
    clock = at('2026-03-02T18:30');
    expect((await listOpenItems({ area: [], light: 'paused' }, deps())).items.map((item) => item.id)).toEqual(
      ['c3'],
    );
    expect(await sweep('2026-03-02T18:30')).toEqual([]);
    await kase('c3', 'resumed', '2026-03-03T09:00');
    expect(await sweep('2026-03-03T09:00:30')).toEqual([
      'case.deadline-approaching:c3@2026-03-02T10:00:00.000Z',
    ]);
    expect(await sweep('2026-03-03T10:00:30')).toEqual(['case.overdue:c3@2026-03-03T02:00:00.000Z']);
    expect(await sweep('2026-03-03T11:00')).toEqual([]);
  });

  it('moves due times when the thresholds change, and never announces a notice twice for one deadline', async () => {
    clock = at('2026-03-09T09:00');
    await ticket('t2', 'received', '2026-03-09T09:00', {
      deadlineAt: '2026-03-10T09:00:00+08:00',
      category: 'roads',
    });
    // Roads turn yellow at half the limit: 21:00, not 03:00 the next day.
    reference = { ...reference, thresholds: { yellowAt: 0.75, byCategory: { roads: 0.5 } } };
    expect(await redueOpenItems(deps())).toBeGreaterThanOrEqual(1);
    expect(await sweep('2026-03-09T21:00')).toEqual([
      'ticket.deadline-approaching:t2@2026-03-09T13:00:00.000Z',
    ]);
    // A stale copy of the facts (fewer events) changes nothing.
    await indexOpenItems([ticketFacts('t2', (tickets.get('t2') ?? []).slice(0, 0), zone)], deps());
    expect(await sweep('2026-03-09T21:30')).toEqual([]);
  });

  it('pages the list after the item a token names', async () => {
    clock = at('2026-03-09T22:00');
    const all = (await listOpenItems({ area: [] }, deps())).items;
    expect(all.length).toBeGreaterThanOrEqual(3);
    const deadlines = all.map((item) => item.deadline);
    expect([...deadlines].sort()).toEqual(deadlines);
    const walked: string[] = [];
    let page = pageOfOpenItems(all, 1);
    walked.push(...page.items.map((item) => item.id));
    while (page.next) {
      page = pageOfOpenItems(all, 1, page.next);
      walked.push(...page.items.map((item) => item.id));
    }
    expect(walked).toEqual(all.map((item) => item.id));
  });
});
