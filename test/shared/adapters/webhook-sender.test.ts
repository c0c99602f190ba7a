import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendEvent } from '#shared/adapters/webhook-sender';
import type { WebhookEvent } from '#shared/domain/webhooks/events';
import type { TargetPolicy } from '#shared/domain/webhooks/subscription';

const SECRET = `whsec_${Buffer.from('a webhook secret of 32 bytes!!!!').toString('base64')}`;
const local: TargetPolicy = { allowHttp: true, allowLoopback: true, extraPorts: 'any' };
const event = {
  id: 'evt_1',
  type: 'ticket.received',
  timestamp: '2026-03-02T01:00:00.000Z',
  data: { ticketId: 't1' },
} as unknown as WebhookEvent;

/** A receiver on 127.0.0.1 that records what reaches it and answers as `answer` says. */
const receiver = (
  answer: (request: IncomingMessage) => { status: number; headers?: Record<string, string> },
) => {
  const seen: { path: string; host: string | undefined }[] = [];
  const server = createServer((request, response) => {
    seen.push({ path: request.url ?? '', host: request.headers.host });
    request.resume();
    const { status, headers } = answer(request);
    response.writeHead(status, headers).end();
  });
  return { server, seen, port: () => (server.address() as AddressInfo).port };
};

const listen = (server: Server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

describe('sendEvent', () => {
  const target = receiver(() => ({ status: 204 }));
  const elsewhere = receiver(() => ({ status: 200 }));
  const redirecting = receiver(() => ({
    status: 307,
    headers: { location: `http://127.0.0.1:${elsewhere.port()}/stolen` },
  }));

  beforeAll(async () => {
    await Promise.all([listen(target.server), listen(elsewhere.server), listen(redirecting.server)]);
  });
  afterAll(() => {
    for (const { server } of [target, elsewhere, redirecting]) server.close();
  });

  it('connects to the address it checked, never looking the host up a second time', async () => {
    // `hooks.city.example` does not resolve anywhere: only the checked address can be connected to.
    const lookups: string[] = [];
    const result = await sendEvent(
      `http://hooks.city.example:${target.port()}/in`,
      [SECRET],
      event,
      local,
      5_000,
      async (host) => {
        lookups.push(host);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    );
    expect(result).toMatchObject({ statusCode: 204 });
    expect(lookups).toEqual(['hooks.city.example']);
    expect(target.seen.at(-1)).toEqual({ path: '/in', host: `hooks.city.example:${target.port()}` });
  });

  it('refuses a host that resolves to an internal address, sending nothing', async () => {
    const before = target.seen.length;
    const result = await sendEvent(
      `https://hooks.city.example/in`,
      [SECRET],
      event,
      { allowHttp: false, allowLoopback: false, extraPorts: [] },
      5_000,
      async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
    );
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(
      /^refused: hooks\.city\.example resolves to 169\.254\.169\.254, a link-local address/,
    );
    expect(target.seen).toHaveLength(before);
  });

  it('follows no redirect: a 3xx is the answer, and its location gets nothing', async () => {
    const result = await sendEvent(
      `http://127.0.0.1:${redirecting.port()}/in`,
      [SECRET],
      event,
      local,
      5_000,
    );
    expect(result).toMatchObject({ statusCode: 307 });
    expect(redirecting.seen).toHaveLength(1);
    expect(elsewhere.seen).toEqual([]);
  });
});
