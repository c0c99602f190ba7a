import { describe, expect, it } from 'vitest';
import {
  averageBatch,
  type CostInputs,
  costOfDay,
  recomputeRunsPerDay,
  scaleInputs,
  usdPerMillionRecords,
} from './cost-model.ts';

/** One record a second, round prices and units, so every line can be worked out by hand. */
const inputs: CostInputs = {
  feeds: [
    {
      label: 'events',
      recordsPerDay: 86_400,
      recordsPerRequest: 1,
      wru: 2,
      rru: 1,
      busEntries: 1.5,
      queueMessages: { facts: 1, recompute: 0.5 },
      lambdaGbSeconds: 0.01,
    },
  ],
  recompute: {
    bytesPerFullDay: 8_192_000,
    fullDaysPerRun: 1,
    areaWritesPerRun: 10,
    // One entry per item here, so the hand-worked lines below count items and entries alike.
    updateEntriesPerRun: 10,
    rruPerByteRead: 1 / 8192,
    rruPerRun: 5,
    wruPerAreaWrite: 2,
    wruPerRun: 1,
    lambdaGbSecondsPerByteRead: 1e-7,
    lambdaGbSecondsPerRun: 0,
    fanoutPerAreaWrite: { wru: 1, rru: 0, lambdaGbSeconds: 0.001 },
    nightlyMessages: 0,
  },
  queues: {
    facts: { batchSize: 10, windowSeconds: 1 },
    fanout: { batchSize: 10, windowSeconds: 1 },
    recompute: { batchSize: 100, windowSeconds: 20 },
  },
  idlePolling: { queues: 1, pollers: 1, waitSeconds: 20 },
  prices: {
    eventBridgePerMillionEntries: 1,
    lambdaPerGbSecond: 0.00001,
    dynamoPerMillionWriteUnits: 1,
    dynamoPerMillionReadUnits: 0.5,
    sqsPerMillionRequests: 0.5,
    httpApiPerMillionRequests: 1,
    lambdaPerMillionRequests: 0.2,
    schedulerPerMillionInvocations: 1,
  },
};

/**
 * The same day with supervision: a quarter of a notice per record (21,600 a day), a sweep a minute
 * with 2 RRU and 0.01 GB-s of its own, each notice 1 RRU, 3 WRU (its mark, the byDue index's too),
 * one bus entry and one fanout message whose webhook event costs 1 WRU and 0.5 RRU.
 */
const withSupervision: CostInputs = {
  ...inputs,
  feeds: inputs.feeds.map((feed) => ({
    ...feed,
    supervision: { indexWru: 0.5, indexRru: 0.25, noticesPerRecord: 0.25 },
  })),
  supervision: {
    sweepsPerDay: 1_440,
    perSweep: { wru: 0, rru: 2, lambdaGbSeconds: 0.01 },
    perNotice: {
      wru: 3,
      rru: 1,
      busEntries: 1,
      lambdaGbSeconds: 0.001,
      queueMessages: { fanout: 1 },
      fanout: { wru: 1, rru: 0.5, lambdaGbSeconds: 0.002 },
    },
  },
};

describe('cost of the reference city-day', () => {
  it('batches as the event source mapping does: by window at low rates, by size at high rates', () => {
    expect(averageBatch(86_400, { batchSize: 10, windowSeconds: 1 })).toBe(1);
    expect(averageBatch(8_640, { batchSize: 10, windowSeconds: 1 })).toBe(1);
    expect(averageBatch(432_000, { batchSize: 10, windowSeconds: 1 })).toBe(5);
    expect(averageBatch(1_152_000, { batchSize: 50, windowSeconds: 10 })).toBe(50);
  });

  it('runs a recompute per window at low rates and per full batch at high rates', () => {
    expect(recomputeRunsPerDay(43_200, { batchSize: 100, windowSeconds: 20 })).toBe(4_320);
    // 20 messages a second fill a batch of 100 in 5 s.
    expect(recomputeRunsPerDay(1_728_000, { batchSize: 100, windowSeconds: 20 })).toBe(17_280);
    // Fewer messages than windows: one run per message.
    expect(recomputeRunsPerDay(100, { batchSize: 100, windowSeconds: 20 })).toBe(100);
    expect(recomputeRunsPerDay(0, { batchSize: 100, windowSeconds: 20 })).toBe(0);
  });

  it('prices every line as worked out by hand', () => {
    const cost = costOfDay(inputs);
    const usd = (item: string) => cost.lines.find((line) => line.item === item)?.usd;
    expect(cost.recomputeRunsPerDay).toBe(4_320);
    expect(usd('POST /ingest (events)')).toBeCloseTo(0.0864, 10);
    expect(usd('writes: events')).toBeCloseTo(0.1728, 10);
    expect(usd('reads: events')).toBeCloseTo(0.0432, 10);
    expect(usd('entries: events')).toBeCloseTo(0.1296, 10);
    expect(usd('GB-s: events')).toBeCloseTo(0.00864, 10);
    // Sends: 86,400 facts + 43,200 recompute + 43,200 fanout (one webhook event per indicators item).
    expect(usd('SendMessage (bus targets)')).toBeCloseTo(0.0864, 10);
    // Batches: facts 86,400 of 1, recompute 4,320 runs, fanout 43,200 of 1.
    expect(usd('ReceiveMessage + DeleteMessageBatch')).toBeCloseTo(0.13392, 10);
    expect(usd('idle long polls (1 queues × 1 pollers)')).toBeCloseTo(0.00216, 10);
    // 4,320 runs × (8,192,000 B / 8,192 + 5) RRU.
    expect(usd('reads: recompute (facts of the days)')).toBeCloseTo(2.1708, 10);
    expect(usd('writes: recompute (indicators, data quality)')).toBeCloseTo(0.09072, 10);
    expect(usd('GB-s: recompute')).toBeCloseTo(0.03538944, 10);
    expect(usd('entries: indicators.day-updated')).toBeCloseTo(0.0432, 10);
    expect(usd('writes: webhook events of indicators.updated')).toBeCloseTo(0.0432, 10);
    expect(usd('reads: webhook events of indicators.updated')).toBeUndefined();
    expect(usd('GB-s: fanout of indicators.updated')).toBeCloseTo(0.000432, 10);
    expect(cost.totalUsd).toBeCloseTo(3.04686144, 8);
    // Lambda's request charge is not among the listed prices: reported beside the total.
    expect(cost.unlistedUsd).toBeCloseTo(0.01728 + 0.026784, 10);
    expect(cost.lines.filter((line) => !line.listed).map((line) => line.item)).toEqual([
      'consumer invocations',
      'ingest requests: events',
    ]);
  });

  it('counts the packed announcements as bus entries and fanout messages, not the items', () => {
    const packed = costOfDay({ ...inputs, recompute: { ...inputs.recompute, updateEntriesPerRun: 1 } });
    const usd = (item: string) => packed.lines.find((line) => line.item === item)?.usd;
    // 4,320 runs × 1 entry; the 43,200 items still become webhook events.
    expect(usd('entries: indicators.day-updated')).toBeCloseTo(0.00432, 10);
    expect(usd('writes: webhook events of indicators.updated')).toBeCloseTo(0.0432, 10);
    // Sends: (86,400 facts + 43,200 recompute + 4,320 fanout) × US$ 0.5 a million.
    expect(usd('SendMessage (bus targets)')).toBeCloseTo(0.06696, 10);
  });

  it('charges the recompute to the feeds by the facts.changed messages they cause', () => {
    const cost = costOfDay(inputs);
    expect(cost.perRecord.events?.recomputeShare).toBe(1);
    // Own 2 WRU + (43,200 × (2 + 1) + 4,320 × 1) / 86,400.
    expect(cost.perRecord.events?.wru).toBeCloseTo(2 + 133_920 / 86_400, 10);
    expect(cost.perRecord.events?.rru).toBeCloseTo(1 + 4_341_600 / 86_400, 10);
    expect(cost.perRecord.events?.busEntries).toBeCloseTo(2, 10);
  });

  it('prices supervision as worked out by hand: the index per event, sweeps, notices and their webhooks', () => {
    const cost = costOfDay(withSupervision);
    expect(cost.noticesPerDay).toBe(21_600);
    expect(cost.recomputeRunsPerDay).toBe(4_320);
    const expected: Record<string, number> = {
      // 86,400 events × 0.5 WRU; × 0.25 RRU at US$ 0.5 a million.
      'writes: open-items index (recompute runs)': 0.0432,
      'reads: open-items index (recompute runs)': 0.0108,
      // 1,440 sweeps × 2 RRU + 21,600 notices × 1 RRU = 24,480 RRU.
      'reads: supervision sweeps': 0.01224,
      // 21,600 notices × 3 WRU.
      'writes: supervision sweeps (notice marks)': 0.0648,
      // 1,440 × 0.01 + 21,600 × 0.001 = 36 GB-s.
      'GB-s: supervision sweeps': 0.00036,
      'entries: deadline.noticed': 0.0216,
      'writes: webhook events of deadline notices': 0.0216,
      'reads: webhook events of deadline notices': 0.0054,
      'GB-s: fanout of deadline notices': 0.000432,
      // Sends: 86,400 facts + 43,200 recompute + 43,200 + 21,600 fanout.
      'SendMessage (bus targets)': 0.0972,
      // Batches: facts 86,400, recompute 4,320, fanout 64,800 of 1 (0.75 a second, 1 s window).
      'ReceiveMessage + DeleteMessageBatch': 0.15552,
    };
    for (const [item, usd] of Object.entries(expected))
      expect(cost.lines.find((line) => line.item === item)?.usd, item).toBeCloseTo(usd, 10);
    // 3.04686144 before, plus 0.212832 of supervision and its queue traffic.
    expect(cost.totalUsd).toBeCloseTo(3.25969344, 8);
    // Unlisted: ingest requests, 155,520 consumer invocations, 1,440 sweeps and their schedules.
    expect(cost.unlistedUsd).toBeCloseTo(0.01728 + 0.031104 + 0.000288 + 0.00144, 10);
    // Own 2 + recompute 1.55 + index 0.5 + a quarter notice × (3 + 1) WRU.
    expect(cost.perRecord.events?.wru).toBeCloseTo(5.05, 10);
    expect(cost.perRecord.events?.rru).toBeCloseTo(1 + 50.25 + 0.25 + 0.25 * 1.5, 10);
    expect(cost.perRecord.events?.busEntries).toBeCloseTo(2.25, 10);
  });

  it('prices the end-of-day passes by the read units measured, growing with the city', () => {
    const withPasses: CostInputs = {
      ...withSupervision,
      supervision: {
        ...(withSupervision.supervision as NonNullable<CostInputs['supervision']>),
        endOfDay: { passesPerDay: 32, rruPerDay: 100_000 },
      },
    };
    const line = (inputs: CostInputs) =>
      costOfDay(inputs).lines.find((each) => each.item === 'reads: end-of-day open-overdue passes')?.usd;
    // 100,000 RRU at US$ 0.5 a million.
    expect(line(withPasses)).toBeCloseTo(0.05, 10);
    expect(costOfDay(withPasses).totalUsd - costOfDay(withSupervision).totalUsd).toBeCloseTo(0.05, 10);
    expect(line(scaleInputs(withPasses, 3))).toBeCloseTo(0.15, 10);
    expect(line(withSupervision)).toBeUndefined();
  });

  it('grows notices with the city and keeps a sweep a minute', () => {
    const tripled = costOfDay(scaleInputs(withSupervision, 3));
    expect(tripled.noticesPerDay).toBe(64_800);
    const sweeps = tripled.lines.find((line) => line.item === 'supervision sweep invocations');
    expect(sweeps?.quantity).toBe(1_440);
  });

  it('asks for the batching of every queue a feed sends to', () => {
    expect(() => costOfDay({ ...inputs, queues: { facts: { batchSize: 10, windowSeconds: 1 } } })).toThrow(
      'no batching given for queue recompute',
    );
  });
});

describe('a city grown by a factor', () => {
  it('multiplies records, bytes of facts and areas, and nothing a record costs on its own path', () => {
    const tripled = scaleInputs(inputs, 3);
    expect(tripled.feeds[0]).toEqual({ ...inputs.feeds[0], recordsPerDay: 259_200 });
    expect(tripled.recompute).toEqual({
      ...inputs.recompute,
      bytesPerFullDay: 24_576_000,
      areaWritesPerRun: 30,
      updateEntriesPerRun: 30,
    });
    expect(tripled.queues).toBe(inputs.queues);
  });

  it('prices a day per million records', () => {
    const cost = costOfDay(inputs);
    expect(usdPerMillionRecords(inputs, cost)).toBeCloseTo((cost.totalUsd / 86_400) * 1_000_000, 9);
  });
});
