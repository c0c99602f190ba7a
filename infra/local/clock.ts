import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import FakeTimers from '@sinonjs/fake-timers';
import { listenLocally } from '#infra/local/servers';
import { UnknownResourceError } from '#shared/domain/errors';

/**
 * A controlled clock for the local hub: `Date` (and so every `Date.now()` of the functions) starts at
 * a chosen instant and runs on from there at the normal pace; the test sets it to any instant. Timers
 * stay real, so queues and servers keep working.
 */
export interface LocalClock {
  /** Sets the clock to an instant (epoch ms); it runs on from there. */
  set(at: number): void;
  uninstall(): void;
}

export const installClock = (startAt: number): LocalClock => {
  const clock = FakeTimers.install({
    now: startAt,
    toFake: ['Date'],
    shouldAdvanceTime: true,
    advanceTimeDelta: 10,
  });
  return { set: (at) => clock.setSystemTime(at), uninstall: () => clock.uninstall() };
};

/** What the control server can do: set the clock, run a declared schedule now. */
export interface ClockControls {
  readonly clock: LocalClock;
  readonly runSchedule: (id: string) => Promise<unknown>;
  readonly adminToken: string;
}

const sameToken = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * The control server of a hub on a controlled clock, on its own loopback port and only with the admin
 * token: `POST /clock {"at": "<RFC 3339>"}` sets the clock; `POST /schedules/<id>` runs a declared
 * schedule (the minute sweep, the nightly job) at the clock's time and answers what it returned.
 */
export const startClockControl = async (
  controls: ClockControls,
): Promise<{ url: string; server: Server }> => {
  const server = createServer(async (request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const authorization = request.headers.authorization ?? '';
    if (!sameToken(authorization, `Bearer ${controls.adminToken}`))
      return send(401, { error: 'the admin token is required' });
    const path = request.url ?? '/';
    try {
      if (request.method === 'POST' && path === '/clock') {
        const { at } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { at?: string };
        const ms = typeof at === 'string' ? Date.parse(at) : Number.NaN;
        if (Number.isNaN(ms)) return send(400, { error: 'give {"at": "<RFC 3339 instant>"}' });
        controls.clock.set(ms);
        return send(200, { now: new Date().toISOString() });
      }
      const schedule = /^\/schedules\/([A-Za-z0-9-]+)$/.exec(path);
      if (request.method === 'POST' && schedule?.[1]) {
        const result = await controls.runSchedule(schedule[1]);
        return send(200, { now: new Date().toISOString(), result: result ?? null });
      }
      return send(404, { error: 'POST /clock or POST /schedules/<id>' });
    } catch (error) {
      return send(error instanceof UnknownResourceError ? 404 : 500, { error: (error as Error).message });
    }
  });
  return { url: await listenLocally(server, 0), server };
};
