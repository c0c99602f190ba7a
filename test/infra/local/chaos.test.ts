import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseChaos } from '#infra/local/chaos';
import { DynamoDbChaosProxy, type DynamoDbFaults } from '#infra/local/dynamodb-chaos';

describe('parseChaos (CITYHUB_CHAOS)', () => {
  const none = { throttleRate: 0, timeoutRate: 0, slowRate: 0, putEventsRate: 0 };

  it.each([
    ['42', { seed: 42, failureRate: 0.1, maxCopies: 3, ...none }],
    ['42,0.2', { seed: 42, failureRate: 0.2, maxCopies: 3, ...none }],
    ['42,0.1,3', { seed: 42, failureRate: 0.1, maxCopies: 3, ...none }],
    [
      '42,0.1,3,throttle=0.05,timeout=0.01,slow=0.1,putEvents=0.2',
      {
        seed: 42,
        failureRate: 0.1,
        maxCopies: 3,
        throttleRate: 0.05,
        timeoutRate: 0.01,
        slowRate: 0.1,
        putEventsRate: 0.2,
      },
    ],
    ['7,putEvents=0.3', { seed: 7, failureRate: 0.1, maxCopies: 3, ...none, putEventsRate: 0.3 }],
  ])('reads %s', (value, expected) => {
    expect(parseChaos(value)).toMatchObject(expected);
  });

  it('is off when unset', () => {
    expect(parseChaos(undefined)).toBeUndefined();
    expect(parseChaos('')).toBeUndefined();
  });

  it.each([
    ['42,0.1,3,4', 'at most three positional options'],
    ['42,throttle=0.1,0.2', 'at most three positional options, all before the named ones'],
    ['42,throttles=0.1', 'unknown option "throttles"'],
    ['42,0.1,3,putEvents=1', 'rates in [0, 1)'],
    ['42,0.1,3,throttle=0.5,timeout=0.3,slow=0.3', 'throttle + timeout + slow below 1'],
    ['throttle=0.1', 'must be "seed[,failureRate[,maxCopies]]'],
  ])('refuses %s, saying what is wrong', (value, message) => {
    expect(() => parseChaos(value)).toThrow(message);
  });
});

describe('DynamoDbChaosProxy in front of DynamoDB Local', () => {
  let proxy: DynamoDbChaosProxy | undefined;
  afterEach(() => proxy?.stop());

  const faults: DynamoDbFaults = { throttleRate: 0.2, timeoutRate: 0.2, slowRate: 0.2, maxSlowMs: 50 };
  /** A fault generator that plays `rolls`, then never faults. */
  const playing = (rolls: number[]) => () => rolls.shift() ?? 0.99;
  const clientOf = (endpoint: string, maxAttempts: number) =>
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts,
    });

  it("answers throttled requests with DynamoDB's two throttling errors, alternately", async () => {
    proxy = new DynamoDbChaosProxy(inject('dynamoDbEndpoint'), faults, playing([0.05, 0.05]));
    const client = clientOf(await proxy.start(), 1);
    const names: string[] = [];
    for (const _ of [1, 2]) {
      const error = await client.send(new ListTablesCommand({})).catch((caught: Error) => caught);
      names.push((error as Error).name);
      expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(400);
    }
    client.destroy();
    expect(names.sort()).toEqual(['ProvisionedThroughputExceededException', 'ThrottlingException']);
  });

  it('lets the SDK retry throttling, cut-off and slow requests through to an answer', async () => {
    // Throttled, then cut off, then slow: the third attempt gets through.
    proxy = new DynamoDbChaosProxy(inject('dynamoDbEndpoint'), faults, playing([0.1, 0.3, 0.5, 0.5]));
    const client = clientOf(await proxy.start(), 3);
    const answer = await client.send(new ListTablesCommand({}));
    client.destroy();
    expect(answer.$metadata.attempts).toBe(3);
    expect(answer.TableNames).toBeInstanceOf(Array);
    expect(proxy.counts).toEqual({ forwarded: 1, throttled: 1, timedOut: 1, slowed: 1 });
  });

  it('cuts a timed-out request off without an answer, and forwards it nowhere', async () => {
    proxy = new DynamoDbChaosProxy(inject('dynamoDbEndpoint'), faults, playing([0.3]));
    const client = clientOf(await proxy.start(), 1);
    const error = await client.send(new ListTablesCommand({})).catch((caught: Error) => caught);
    client.destroy();
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(proxy.counts).toEqual({ forwarded: 0, throttled: 0, timedOut: 1, slowed: 0 });
  });
});
