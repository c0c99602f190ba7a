import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBus } from '#infra/local/bus';
import { EventBridgePublisher } from '#shared/adapters/event-publisher';
import { busEvent } from '#shared/events/definition';
import { factsChanged } from '#shared/events/facts-changed';
import { recordAcceptedEvents } from '#shared/events/record-accepted';
import { rules } from '#shared/topology';

const received: Record<string, unknown[]> = { facts: [], recompute: [] };
const bus = new LocalBus(
  'cityhub-local',
  rules.map((rule) => ({ rule, target: (json: string) => received[rule.queue]?.push(JSON.parse(json)) })),
);
let client: EventBridgeClient;

beforeAll(async () => {
  const endpoint = await bus.start();
  client = new EventBridgeClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
});
afterAll(async () => {
  client.destroy();
  await bus.stop();
});

describe('LocalBus through the real EventBridge client', () => {
  it('routes each event by the declared rules, wrapped as EventBridge delivers it', async () => {
    const publisher = new EventBridgePublisher(client, 'cityhub-local');
    const record = {
      eventId: 'e1',
      ticketId: 't1',
      type: 'received',
      occurredAt: '2026-03-02T09:00:00+08:00',
      category: 'noise',
    };
    await publisher.publish([
      ...recordAcceptedEvents('hotline', '2026-03-02T01:00:00.000Z', [record]),
      busEvent(factsChanged, { days: ['2026-03-02'], reason: 'test' }),
    ]);
    expect(received.facts).toEqual([
      expect.objectContaining({
        version: '0',
        source: 'cityhub.ingest',
        'detail-type': 'hotline.record-accepted',
        detail: { source: 'hotline', acceptedAt: '2026-03-02T01:00:00.000Z', record },
      }),
    ]);
    expect(received.recompute).toEqual([
      expect.objectContaining({ detail: { days: ['2026-03-02'], reason: 'test' } }),
    ]);
    expect(bus.archive).toHaveLength(2);
  });

  it('reports entries it cannot take in FailedEntryCount, like EventBridge', async () => {
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'cityhub-local', Source: 'x', DetailType: 'y', Detail: '{}' },
          { EventBusName: 'other-bus', Source: 'x', DetailType: 'y', Detail: '{}' },
          { EventBusName: 'cityhub-local', Source: 'x', DetailType: 'y', Detail: 'not json' },
        ],
      }),
    );
    expect(answer.FailedEntryCount).toBe(2);
    expect(answer.Entries?.map((entry) => entry.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'ResourceNotFoundException',
      'MalformedDetail',
    ]);
  });
});

describe('LocalBus answers and faults', () => {
  const clientOf = (endpoint: string) =>
    new EventBridgeClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
  const facts = (count: number) =>
    Array.from({ length: count }, (_, n) =>
      busEvent(factsChanged, { days: ['2026-03-02'], reason: `r${n}` }),
    );

  it('answers PutEvents only once beforeAnswer (the journals reaching stable storage) resolved', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const routed: string[] = [];
    const gated = new LocalBus(
      'cityhub-local',
      rules.map((rule) => ({ rule, target: (json: string) => routed.push(json) })),
      { beforeAnswer: () => gate },
    );
    const local = clientOf(await gated.start());
    try {
      let answered = false;
      const sending = new EventBridgePublisher(local, 'cityhub-local').publish(facts(1)).then(() => {
        answered = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(routed).toHaveLength(1);
      expect(answered).toBe(false);
      release();
      await sending;
      expect(answered).toBe(true);
    } finally {
      local.destroy();
      await gated.stop();
    }
  });

  it('routes no refused entry, and the publisher sends refused entries again until each is taken once', async () => {
    const routed: string[] = [];
    let calls = 0;
    // Every other entry is refused, as under CITYHUB_CHAOS putEvents=R.
    const refusing = new LocalBus(
      'cityhub-local',
      rules.map((rule) => ({
        rule,
        target: (json: string) =>
          routed.push((JSON.parse(json) as { detail: { reason: string } }).detail.reason),
      })),
      {
        refuseEntry: () => {
          calls += 1;
          return calls % 2 === 1 ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'chaos' } : undefined;
        },
      },
    );
    const local = clientOf(await refusing.start());
    try {
      const answer = await local.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: 'cityhub-local',
              Source: 'cityhub.facts',
              DetailType: 'facts.changed',
              Detail: '{"days":["2026-03-02"],"reason":"x"}',
            },
          ],
        }),
      );
      expect(answer).toMatchObject({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] });
      expect(routed).toEqual([]);

      await new EventBridgePublisher(local, 'cityhub-local', {
        retries: 10,
        minTimeout: 1,
        factor: 1,
      }).publish(facts(7));
      expect(routed.sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    } finally {
      local.destroy();
      await refusing.stop();
    }
  });
});
