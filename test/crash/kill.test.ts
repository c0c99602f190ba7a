import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  exitOf,
  type HubProcess,
  type HubState,
  sendSigned,
  startHubProcess,
} from '../support/hub-process.ts';

/**
 * Crash: a hub with `--data-dir` is killed with SIGKILL (with its DynamoDB Local) in the middle of
 * ingest, then restarted on the same directory. Every record answered 202 before the kill is counted
 * after recomputation; sending the unanswered requests again then gives exactly one count per record.
 */
const DAY = '2026-03-02';
const BATCHES = 24;
const PER_BATCH = 50;
const dataDir = mkdtempSync(join(tmpdir(), 'cityhub-crash-'));
const hubs: HubProcess[] = [];
afterAll(() => {
  for (const hub of hubs) {
    try {
      if (hub.child.pid) process.kill(-hub.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

type Batch = { source: 'hotline' | 'city-platform'; records: Record<string, unknown>[] };
/** Alternating hotline and city-platform batches: each record is a new ticket or case of the day. */
const batches: Batch[] = Array.from({ length: BATCHES }, (_, b) => {
  const hotline = b % 2 === 0;
  return {
    source: hotline ? 'hotline' : 'city-platform',
    records: Array.from({ length: PER_BATCH }, (_, r) => {
      const id = `crash-${b}-${r}`;
      const occurredAt = `${DAY}T${String(8 + (r % 10)).padStart(2, '0')}:00:00+08:00`;
      return hotline
        ? { eventId: id, ticketId: id, type: 'received', occurredAt, category: 'noise' }
        : { eventId: id, caseId: id, type: 'reported', occurredAt, category: 'road-damage' };
    }),
  };
});

const send = (state: HubState, batch: Batch) =>
  sendSigned(state, `/ingest/${batch.source}`, JSON.stringify({ records: batch.records }));

/** The day's counts at city level after an admin recompute. */
const counted = async (state: HubState) => {
  const auth = { authorization: `Bearer ${state.adminToken}` };
  const recompute = await fetch(`${state.url}/admin/recompute`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ date: DAY }),
  });
  expect(recompute.status).toBe(200);
  const response = await fetch(`${state.url}/indicators?date=${DAY}&area=city`, { headers: auth });
  const items = ((await response.json()) as { items: { indicators: Record<string, number> }[] }).items;
  return {
    tickets: items[0]?.indicators.ticketsReceived ?? 0,
    cases: items[0]?.indicators.casesReported ?? 0,
  };
};

const waitFor = async (state: HubState, done: (counts: { tickets: number; cases: number }) => boolean) => {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const counts = await counted(state);
    if (done(counts)) return counts;
    if (Date.now() > deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
};

describe('crash', () => {
  it('counts every record answered 202 before a kill -9, and nothing twice', async () => {
    const started = Date.now();
    const phase = (name: string) =>
      console.info(`crash: ${name} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const first = await startHubProcess(['--no-demo', '--data-dir', dataDir]);
    hubs.push(first);
    const answered = new Set<number>();
    let position = 0;
    let killed = false;
    const sender = async () => {
      while (!killed && position < BATCHES) {
        const index = position++;
        try {
          const answer = await send(first.state, batches[index] as Batch);
          if (answer.status === 202 && !killed) answered.add(index);
        } catch {
          // The hub died with this request in flight: it was never answered.
        }
      }
    };
    const senders = Promise.all(Array.from({ length: 4 }, sender));
    // Kill the hub and its DynamoDB Local at once, mid-ingest, once a third of the batches are in.
    while (answered.size < BATCHES / 3) await new Promise((resolve) => setTimeout(resolve, 20));
    killed = true;
    process.kill(-(first.child.pid as number), 'SIGKILL');
    await Promise.all([senders, exitOf(first.child)]);
    phase(`killed with ${answered.size} of ${BATCHES} batches answered`);
    expect(answered.size).toBeGreaterThanOrEqual(BATCHES / 3);
    expect(answered.size).toBeLessThan(BATCHES);

    const second = await startHubProcess(['--no-demo', '--data-dir', dataDir]);
    hubs.push(second);
    phase('restarted');
    const expected = (indexes: Iterable<number>) => {
      const all = [...indexes];
      return {
        tickets: all.filter((i) => batches[i]?.source === 'hotline').length * PER_BATCH,
        cases: all.filter((i) => batches[i]?.source === 'city-platform').length * PER_BATCH,
      };
    };
    const sure = expected(answered);
    const atMost = expected(Array.from({ length: position }, (_, i) => i));
    const recovered = await waitFor(second.state, (c) => c.tickets >= sure.tickets && c.cases >= sure.cases);
    expect(recovered.tickets).toBeGreaterThanOrEqual(sure.tickets);
    expect(recovered.cases).toBeGreaterThanOrEqual(sure.cases);
    // Requests in flight at the kill may or may not have been taken; none is counted twice.
    expect(recovered.tickets).toBeLessThanOrEqual(atMost.tickets);
    expect(recovered.cases).toBeLessThanOrEqual(atMost.cases);

    phase('answered records counted');
    // The sources send again what was never answered: every record counts exactly once.
    for (const [index, batch] of batches.entries()) {
      if (answered.has(index)) continue;
      const answer = await send(second.state, batch);
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    }
    const all = expected(batches.keys());
    const final = await waitFor(second.state, (c) => c.tickets === all.tickets && c.cases === all.cases);
    phase('every record counted once');
    expect(final).toEqual(all);
  }, 400_000);
});
