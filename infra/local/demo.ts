import { randomUUID } from 'node:crypto';
import { demoAreas, demoRoads, demoVehicles, random } from '#infra/local/demo-city';
import { demoCases, demoInvalidRecords, demoTickets, demoTracks } from '#infra/local/demo-feeds';
import { progressBar } from '#infra/local/progress';
import { addDays, localDate } from '#shared/domain/time';
import { signHeaders } from '#shared/http/signature';
import type { IngestAnswer, Source } from '#shared/schemas/ingest';

export { demoAreas, demoCity, demoDistricts, demoRoads, demoVehicles } from '#infra/local/demo-city';
export { demoCases, demoTickets, demoTracks } from '#infra/local/demo-feeds';

/** What the demo sent, per source: records accepted, duplicates answered as such, records rejected. */
export interface DemoSummary {
  readonly days: string[];
  readonly sent: Readonly<Record<Source, { accepted: number; duplicates: number; rejected: number }>>;
}

interface DemoTarget {
  readonly url: string;
  readonly adminToken: string;
  readonly sourceSecrets: Readonly<Record<Source, string>>;
}

/** Records per request: events are small; GPS records hold up to an hour of points each. */
const BATCH_SIZE: Record<Source, number> = { hotline: 500, 'city-platform': 500, sanitation: 25 };
/** Requests in flight at once, as three subsystems sending side by side. */
const CONCURRENCY = 3;

/** When a record happened: its `occurredAt`, or the time of a GPS batch's first point. */
export const recordTime = (record: unknown): number => {
  const value = record as { occurredAt?: string; points?: { t: string }[] };
  return Date.parse(value.occurredAt ?? value.points?.[0]?.t ?? '') || 0;
};

/**
 * The order a real feed delivers in: mostly by time, but one record in ten arrives late (anywhere
 * after its place), one in thirty is sent again later, and a few malformed records are mixed in.
 */
export const dirtyFeed = (
  records: readonly unknown[],
  invalid: readonly unknown[],
  seed: number,
): unknown[] => {
  const next = random(seed);
  const ordered = [...records].sort((a, b) => recordTime(a) - recordTime(b));
  const feed: unknown[] = [];
  const late: { record: unknown; after: number }[] = [];
  for (const [position, record] of ordered.entries()) {
    if (next() < 0.1)
      late.push({ record, after: position + Math.floor(next() * (ordered.length - position)) });
    else feed.push(record);
    if (next() < 1 / 30)
      late.push({ record, after: position + Math.floor(next() * (ordered.length - position)) });
  }
  for (const record of invalid) late.push({ record, after: Math.floor(next() * ordered.length) });
  late.sort((a, b) => b.after - a.after);
  for (const { record, after } of late) feed.splice(Math.min(after, feed.length), 0, record);
  return feed;
};

const put = async (target: DemoTarget, path: string, body: unknown) => {
  const response = await fetch(`${target.url}${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${target.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`demo ${path} answered ${response.status}: ${await response.text()}`);
};

/**
 * Loads the demo: registers the demo city's areas, roads and fleet, then sends yesterday's and today's
 * (up to now) simulated hotline, city-platform and GPS records through the signed ingest API as the
 * three subsystems would — late, out of order, partly twice and with a few malformed records — with a
 * progress bar on stderr.
 */
export const loadDemo = async (
  target: DemoTarget,
  timeZone: string,
  now: number,
  log: (line: string) => void,
  stream: { write(text: string): unknown; isTTY?: boolean } = process.stderr,
): Promise<DemoSummary> => {
  await put(target, '/reference/areas', demoAreas());
  await put(target, '/reference/roads', demoRoads());
  await put(target, '/reference/vehicles', demoVehicles());
  const today = localDate(now, timeZone);
  const days = [addDays(today, -1), today];
  const feeds: Record<Source, unknown[]> = {
    hotline: dirtyFeed(
      days.flatMap((date) => demoTickets(date, timeZone, now)),
      days.flatMap((date) => demoInvalidRecords(date).hotline),
      1,
    ),
    'city-platform': dirtyFeed(
      days.flatMap((date) => demoCases(date, timeZone, now)),
      days.flatMap((date) => demoInvalidRecords(date)['city-platform']),
      2,
    ),
    sanitation: dirtyFeed(
      days.flatMap((date) => demoTracks(date, timeZone, now)),
      days.flatMap((date) => demoInvalidRecords(date).sanitation),
      3,
    ),
  };
  const requests = (Object.entries(feeds) as [Source, unknown[]][]).flatMap(([source, records]) =>
    Array.from({ length: Math.ceil(records.length / BATCH_SIZE[source]) }, (_, n) => ({
      source,
      records: records.slice(n * BATCH_SIZE[source], (n + 1) * BATCH_SIZE[source]),
    })),
  );
  // The three feeds interleaved, as they arrive from three systems at once.
  requests.sort((a, b) => recordTime(a.records[0]) - recordTime(b.records[0]));
  const total = requests.reduce((sum, request) => sum + request.records.length, 0);
  const sent = {
    hotline: { accepted: 0, duplicates: 0, rejected: 0 },
    'city-platform': { accepted: 0, duplicates: 0, rejected: 0 },
    sanitation: { accepted: 0, duplicates: 0, rejected: 0 },
  };
  const progress = progressBar('cityhub: demo: sending', total, stream);
  let done = 0;
  let position = 0;
  const worker = async () => {
    for (let request = requests[position++]; request; request = requests[position++]) {
      const body = JSON.stringify({ records: request.records });
      const response = await fetch(`${target.url}/ingest/${request.source}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signHeaders(target.sourceSecrets[request.source], `demo-${randomUUID()}`, body),
        },
        body,
      });
      if (response.status !== 202)
        throw new Error(`demo ingest answered ${response.status}: ${await response.text()}`);
      const answer = (await response.json()) as IngestAnswer;
      const counts = sent[request.source];
      counts.accepted += answer.accepted;
      counts.duplicates += answer.duplicates;
      counts.rejected += answer.rejected.length;
      done += request.records.length;
      progress.update(done);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  progress.finish();
  for (const [source, counts] of Object.entries(sent))
    log(
      `cityhub: demo: ${source}: ${counts.accepted} accepted, ${counts.duplicates} duplicates, ${counts.rejected} rejected (see GET /quarantine)`,
    );
  return { days, sent };
};
