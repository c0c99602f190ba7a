import { randomUUID } from 'node:crypto';
import { demoAreas, demoRoads, demoVehicles, random } from '#infra/local/demo-city';
import { demoCases, demoInvalidRecords, demoTickets, demoTracks } from '#infra/local/demo-feeds';
import { progressBar } from '#infra/local/progress';
import { addDays, dateRange, localDate } from '#shared/domain/time';
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
const BATCH_SIZE: Record<Source, number> = { hotline: 500, 'city-platform': 500, sanitation: 50 };
/** Days of history the demo sends, today (up to now) included. */
export const DEMO_DAYS = 30;
/**
 * GPS report interval of the days before yesterday, in seconds: sparser than today's 30 s to keep
 * the 30 days' load short. 110 s still joins working pieces (≤ 120 s apart),
 * so those days' coverage, mileage and attendance stay what the fleet did.
 */
export const HISTORY_REPORT_EVERY_S = 110;
/** Hours of GPS per record on the days before yesterday (a tracker gateway uploading its backlog). */
export const HISTORY_HOURS_PER_RECORD = 12;
/**
 * 12345 tickets and city-platform cases a day, the same every day so the trends are level: a small
 * city's volume, to keep the 30 days' load short.
 */
export const TICKETS_PER_DAY = 45;
export const CASES_PER_DAY = 18;
/** Requests in flight at once, as three subsystems sending side by side. */
const CONCURRENCY = 6;
/** Tries of one request that the hub answers with a 5xx (a busy machine can time a request out). */
const MAX_ATTEMPTS = 4;

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

/**
 * What the demo sends: {@link DEMO_DAYS} days up to `now` of the three feeds, each as a dirty feed
 * (late, partly twice, a few malformed records on yesterday and today). Today and yesterday carry GPS every 30 s in hourly
 * records; older days every {@link HISTORY_REPORT_EVERY_S} s in records of
 * {@link HISTORY_HOURS_PER_RECORD} hours. Deterministic for a given `now`.
 */
export const demoFeeds = (
  timeZone: string,
  now: number,
): { days: string[]; feeds: Record<Source, unknown[]> } => {
  const today = localDate(now, timeZone);
  const days = dateRange(addDays(today, -(DEMO_DAYS - 1)), today);
  const yesterday = addDays(today, -1);
  // Malformed records come with yesterday's and today's sending only, so the quarantine stays short.
  const recent = [yesterday, today];
  const gps = (date: string) =>
    date >= yesterday
      ? demoTracks(date, timeZone, now)
      : demoTracks(date, timeZone, now, HISTORY_REPORT_EVERY_S, HISTORY_HOURS_PER_RECORD);
  const feeds: Record<Source, unknown[]> = {
    hotline: dirtyFeed(
      days.flatMap((date) => demoTickets(date, timeZone, now, TICKETS_PER_DAY)),
      recent.flatMap((date) => demoInvalidRecords(date).hotline),
      1,
    ),
    'city-platform': dirtyFeed(
      days.flatMap((date) => demoCases(date, timeZone, now, CASES_PER_DAY)),
      recent.flatMap((date) => demoInvalidRecords(date)['city-platform']),
      2,
    ),
    sanitation: dirtyFeed(
      days.flatMap(gps),
      recent.flatMap((date) => demoInvalidRecords(date).sanitation),
      3,
    ),
  };
  return { days, feeds };
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
 * Loads the demo: registers the demo city's areas, roads and fleet, then sends {@link DEMO_DAYS} days
 * (today up to now) of simulated hotline, city-platform and GPS records through the signed ingest API as the
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
  const { days, feeds } = demoFeeds(timeZone, now);
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
  /** Sends one request; a 5xx or a lost connection is sent again under the same webhook-id, as a real subsystem retries. */
  const send = async (request: (typeof requests)[number]): Promise<IngestAnswer> => {
    const body = JSON.stringify({ records: request.records });
    const id = `demo-${randomUUID()}`;
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await fetch(`${target.url}/ingest/${request.source}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...signHeaders(target.sourceSecrets[request.source], id, body),
          },
          body,
        });
      } catch (error) {
        if (attempt === MAX_ATTEMPTS) throw error;
        log(
          `cityhub: demo: ${(error as Error).message} (${String((error as Error).cause ?? '')}); sending again`,
        );
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
        continue;
      }
      if (response.status === 202) return (await response.json()) as IngestAnswer;
      if (response.status < 500 || attempt === MAX_ATTEMPTS)
        throw new Error(`demo ingest answered ${response.status}: ${await response.text()}`);
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  };
  const worker = async () => {
    for (let request = requests[position++]; request; request = requests[position++]) {
      const answer = await send(request);
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
