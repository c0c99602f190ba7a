import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeNow, listenLocally } from '#infra/local/servers';
import { type HubProcess, sendSigned, startHubProcess, stopHubProcess } from '../support/hub-process.ts';

/**
 * Supervision end to end on a controlled clock (`npm start -- --clock`), under chaos (bus events
 * delivered 1–3 times out of order, failing consumer batches, DynamoDB throttling, refused PutEvents):
 * the test sets the hub's time, runs the minute sweep, and sees each notice reach a subscriber once,
 * across a make-up working Saturday, a moved deadline and a suspended case.
 */
const CHAOS = '20261010,0.1,3,throttle=0.02,putEvents=0.03';
/** City time (UTC+8). */
const at = (local: string) => new Date(`${local}+08:00`);

let hub: HubProcess;
let control = '';
let receiver: Server;
let hubNow = at('2026-10-09T15:00');
/** Every delivery the subscriber answered: webhook-id → type, and how many times each id came. */
const delivered = new Map<string, { type: string; times: number }>();

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const id = String(request.headers['webhook-id']);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { type } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string };
      const seen = delivered.get(id);
      delivered.set(id, { type, times: (seen?.times ?? 0) + 1 });
      response.writeHead(204).end();
    });
  });
  const receiverUrl = await listenLocally(receiver);
  hub = await startHubProcess(['--no-demo', '--clock', hubNow.toISOString()], {
    CITYHUB_CHAOS: CHAOS,
    CITYHUB_RETRY_SCHEDULE: '1,1,1,1,1',
  });
  control = hub.state.control ?? '';
  const admin = (method: string, path: string, body: unknown) =>
    fetch(`${hub.state.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${hub.state.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  // National Day week off; Saturday 10-10 a make-up working day (调休).
  const calendar = await admin('PUT', '/reference/calendar', {
    holidays: ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'],
    workdays: ['2026-10-10'],
  });
  expect(calendar.status).toBe(200);
  const subscription = await admin('POST', '/subscriptions', {
    url: `${receiverUrl}/hook`,
    events: ['ticket.deadline-approaching', 'ticket.overdue', 'case.deadline-approaching', 'case.overdue'],
  });
  expect(subscription.status).toBe(201);
}, 180_000);

afterAll(async () => {
  await stopHubProcess(hub);
  await closeNow(receiver);
});

/** Sets the hub's clock (it runs on from there). */
const setClock = async (local: string) => {
  hubNow = at(local);
  const answer = await fetch(`${control}/clock`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.state.adminToken}` },
    body: JSON.stringify({ at: hubNow.toISOString() }),
  });
  expect(answer.status).toBe(200);
};

/** Runs the minute sweep at a city time and answers how many notices it announced. */
const sweepAt = async (local: string): Promise<number> => {
  await setClock(local);
  const answer = await fetch(`${control}/schedules/SupervisionSweep`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.state.adminToken}` },
  });
  const body = (await answer.json()) as { result: { notices: { announced: number } } };
  expect(answer.status, JSON.stringify(body)).toBe(200);
  return body.result.notices.announced;
};

/** Sends records signed at the hub's time, again under the same id while chaos answers 5xx. */
const send = async (source: 'hotline' | 'city-platform', records: unknown[]) => {
  const id = `msg_${randomUUID()}`;
  for (let attempt = 1; ; attempt += 1) {
    const answer = await sendSigned(hub.state, `/ingest/${source}`, JSON.stringify({ records }), {
      id,
      at: hubNow,
    });
    if (answer.status >= 500 && attempt < 10) continue;
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body.rejected, JSON.stringify(answer.body)).toEqual([]);
    return;
  }
};

type Listed = { id: string; light: string; deadline: string };
const openItems = async (): Promise<Listed[]> => {
  const answer = await fetch(`${hub.state.url}/open-items`, {
    headers: { authorization: `Bearer ${hub.state.analystToken}` },
  });
  return ((await answer.json()) as { items: Listed[] }).items;
};

/** Waits until the open items satisfy `done` (the facts travel through the bus and two queues). */
const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: still ${JSON.stringify(value)}\n${hub.output().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
};

/** The types of the distinct webhook ids delivered so far, sorted. */
const deliveredTypes = () => [...delivered.values()].map(({ type }) => type).sort();

const deadlineOf = async (id: string) => (await openItems()).find((item) => item.id === id)?.deadline;

describe('supervision on a controlled clock, under chaos', () => {
  it('indexes open tickets and cases, a suspended case paused', async () => {
    await setClock('2026-10-09T16:00');
    await send('hotline', [
      {
        eventId: 't-move-1',
        ticketId: 't-move',
        type: 'received',
        occurredAt: '2026-10-09T16:00:00+08:00',
        category: 'noise',
        deadlineAt: '2026-10-10T16:00:00+08:00',
      },
    ]);
    await send('city-platform', [
      {
        eventId: 'c-make-1',
        caseId: 'c-make',
        type: 'filed',
        occurredAt: '2026-10-09T16:00:00+08:00',
        category: 'garbage',
      },
      {
        eventId: 'c-susp-1',
        caseId: 'c-susp',
        type: 'filed',
        occurredAt: '2026-10-09T16:00:00+08:00',
        category: 'garbage',
      },
      {
        eventId: 'c-susp-2',
        caseId: 'c-susp',
        type: 'suspended',
        occurredAt: '2026-10-09T17:00:00+08:00',
        category: 'garbage',
      },
    ]);
    await setClock('2026-10-09T17:30');
    const items = await until(
      openItems,
      (listed) =>
        listed.length === 3 && listed.some((item) => item.id === 'c-susp' && item.light === 'paused'),
      'open items',
    );
    // Friday 16:00 + 8 working hours: 2 on Friday, 6 on the make-up Saturday.
    expect(items.find((item) => item.id === 'c-make')?.deadline).toBe(at('2026-10-10T16:00').toISOString());
  }, 90_000);

  it('announces each notice once at its moment, never before', async () => {
    expect(await sweepAt('2026-10-10T09:59')).toBe(0);
    expect(await sweepAt('2026-10-10T10:00:30')).toBe(1); // t-move: 18 of 24 hours
    expect(await sweepAt('2026-10-10T10:01')).toBe(0);
    expect(await sweepAt('2026-10-10T12:00:30')).toBe(1); // c-make: 6 of 8 working hours
    await until(
      async () => deliveredTypes(),
      (types) => types.length === 2,
      'deliveries',
    );
    expect(deliveredTypes()).toEqual(['case.deadline-approaching', 'ticket.deadline-approaching']);
  }, 90_000);

  it('re-arms a moved deadline, and gives a resumed case its notice', async () => {
    await setClock('2026-10-10T13:00');
    await send('hotline', [
      {
        eventId: 't-move-2',
        ticketId: 't-move',
        type: 'dispatched',
        occurredAt: '2026-10-10T13:00:00+08:00',
        category: 'noise',
        deadlineAt: '2026-10-11T16:00:00+08:00',
      },
    ]);
    await until(
      () => deadlineOf('t-move'),
      (deadline) => deadline === at('2026-10-11T16:00').toISOString(),
      'moved deadline',
    );
    expect(await sweepAt('2026-10-10T16:00:30')).toBe(1); // c-make overdue; t-move's deadline moved on
    // 48 h from receipt: yellow at 36 h, Sunday 04:00.
    expect(await sweepAt('2026-10-11T04:00:30')).toBe(1);
    expect(await sweepAt('2026-10-11T16:00:30')).toBe(1); // t-move past its moved deadline
    await setClock('2026-10-12T09:00');
    await send('city-platform', [
      {
        eventId: 'c-susp-3',
        caseId: 'c-susp',
        type: 'resumed',
        occurredAt: '2026-10-12T09:00:00+08:00',
        category: 'garbage',
      },
    ]);
    await until(
      async () => (await openItems()).find((item) => item.id === 'c-susp')?.light,
      (light) => light === 'red',
      'resumed case',
    );
    // Its limit ran out on the make-up Saturday: it is announced overdue, not approaching first.
    expect(await sweepAt('2026-10-12T09:01')).toBe(1);
    expect(await sweepAt('2026-10-12T09:02')).toBe(0);
    await until(
      async () => deliveredTypes(),
      (types) => types.length === 6,
      'deliveries',
    );
    expect(deliveredTypes()).toEqual([
      'case.deadline-approaching',
      'case.overdue',
      'case.overdue',
      'ticket.deadline-approaching',
      'ticket.deadline-approaching',
      'ticket.overdue',
    ]);
    // Six distinct webhook ids: each notice once (a repeat would carry the same id).
    expect(delivered.size).toBe(6);
  }, 150_000);

  it('answers 404 for a schedule the hub does not declare, naming those it does', async () => {
    const answer = await fetch(`${control}/schedules/NoSuchSchedule`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.state.adminToken}` },
    });
    expect(answer.status).toBe(404);
    expect(((await answer.json()) as { error: string }).error).toContain('SupervisionSweep');
  });
});
