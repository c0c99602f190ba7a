import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher, PUT_EVENTS_RETRY, PublishError } from '#shared/adapters/event-publisher';
import { busEvent } from '#shared/events/definition';
import { factsChanged } from '#shared/events/facts-changed';

const eventBridge = mockClient(EventBridgeClient);
const publisher = new EventBridgePublisher(new EventBridgeClient({}), 'cityhub-test', {
  ...PUT_EVENTS_RETRY,
  minTimeout: 0,
});
const changed = (count: number) =>
  Array.from({ length: count }, (_, index) =>
    busEvent(factsChanged, {
      days: [`2026-03-${String((index % 28) + 1).padStart(2, '0')}`],
      reason: `n${index}`,
    }),
  );
const ok = (count: number) => ({
  FailedEntryCount: 0,
  Entries: Array.from({ length: count }, (_, i) => ({ EventId: `id${i}` })),
});

beforeEach(() => eventBridge.reset());

describe('EventBridgePublisher', () => {
  it('sends at most 10 entries per PutEvents call', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ok(input.Entries.length));
    await publisher.publish(changed(23));
    const sizes = eventBridge
      .commandCalls(PutEventsCommand)
      .map((call) => call.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 3]);
    expect(eventBridge).toReceiveCommandWith(PutEventsCommand, {
      Entries: expect.arrayContaining([
        {
          EventBusName: 'cityhub-test',
          Source: 'cityhub.facts',
          DetailType: 'facts.changed',
          Detail: JSON.stringify({ days: ['2026-03-01'], reason: 'n0' }),
        },
      ]),
    });
  });

  it('keeps each PutEvents call within 256 KB', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ok(input.Entries.length));
    const large = Array.from({ length: 5 }, (_, n) =>
      busEvent(factsChanged, { days: ['2026-03-01'], reason: `${n}`.padEnd(100_000, 'x') }),
    );
    await publisher.publish(large);
    const sizes = eventBridge
      .commandCalls(PutEventsCommand)
      .map((call) => call.args[0].input.Entries?.length);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('refuses an event larger than 256 KB before sending anything', async () => {
    const huge = busEvent(factsChanged, { days: ['2026-03-01'], reason: 'x'.repeat(300_000) });
    await expect(publisher.publish([huge])).rejects.toThrow('EventBridge takes at most 262144');
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('resends only the entries a FailedEntryCount reports', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
          { EventId: 'c' },
        ],
      })
      .resolvesOnce(ok(1));
    await publisher.publish(changed(3));
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.Entries?.map((entry) => JSON.parse(entry.Detail ?? '{}').reason)).toEqual([
      'n1',
    ]);
  });

  it('throws with the error codes when entries keep failing', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try later' }],
    });
    await expect(publisher.publish(changed(1))).rejects.toThrow(PublishError);
    await expect(publisher.publish(changed(1))).rejects.toThrow(
      'EventBridge refused 1 event(s) after 5 tries (InternalFailure: try later)',
    );
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(10);
  });

  it('leaves a failed PutEvents call to the SDK client, without resending it', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('AccessDeniedException: not allowed'));
    await expect(publisher.publish(changed(1))).rejects.toThrow('AccessDeniedException: not allowed');
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('refuses a detail that does not satisfy its event schema, before sending anything', async () => {
    const bad = busEvent(factsChanged, { days: ['yesterday'], reason: 'x' });
    await expect(publisher.publish([bad])).rejects.toThrow('days');
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
