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
