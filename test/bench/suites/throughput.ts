/**
 * End-to-end local throughput: the whole hub as `npm start` runs it (infra/local/hub.ts: DynamoDB Local,
 * the local bus and queues, the HTTP API calling the handlers), in this process. Ticket events are
 * POSTed signed over HTTP, two requests in flight, until the hub's queues are idle and the indicators
 * of the day count every ticket; throughput = events / (time from the first POST to that moment).
 * The CPU time DynamoDB Local's Java process and this process (the hub and the sender) used meanwhile,
 * per event, says how many events a second the machine's cores could count at best, and which side
 * limits it.
 */
import { availableParallelism } from 'node:os';
import { type Hub, startHub } from '#infra/local/hub';
import { signHeaders } from '#shared/http/signature';
import { type Figure, progress, runSuite } from '../figures.ts';
import { ADMIN_TOKEN, ANALYST_TOKEN, SOURCE_SECRETS } from '../lambda-env.ts';
import { ownCpuMs, processCpuMs } from '../process-cpu.ts';
import { byOccurrence, referenceAreas, ticketLifecycles } from '../workload.ts';

const SUITE = 'throughput';
const DAY = '2026-03-02';
const TICKETS = Number(process.env.BENCH_THROUGHPUT_TICKETS ?? 2000);
const RECORDS_PER_REQUEST = 200;
const IN_FLIGHT = 2;

runSuite(SUITE, async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const hub = await startHub({
    port: 0,
    timeZone: 'Asia/Shanghai',
    adminToken: ADMIN_TOKEN,
    analystToken: ANALYST_TOKEN,
    sourceSecrets: SOURCE_SECRETS,
    log: (line) => progress(SUITE, line),
  });
  try {
    return await measure(hub);
  } finally {
    await hub.stop();
  }
});

const measure = async (hub: Hub) => {
  const areas = await fetch(`${hub.url}/reference/areas`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(referenceAreas()),
  });
  if (areas.status !== 200) throw new Error(`PUT /reference/areas: ${areas.status} ${await areas.text()}`);
  await hub.drain();

  const events = byOccurrence(ticketLifecycles(TICKETS, DAY, 41));
  const bodies: { body: string; records: number }[] = [];
  for (let start = 0; start < events.length; start += RECORDS_PER_REQUEST) {
    const records = events.slice(start, start + RECORDS_PER_REQUEST);
    bodies.push({ body: JSON.stringify({ records }), records: records.length });
  }
  progress(SUITE, `${events.length} ticket events of ${TICKETS} tickets in ${bodies.length} signed requests`);

  const pid = hub.dynamoDbPid;
  if (pid === undefined) throw new Error('the hub did not say which process DynamoDB Local is');
  const cpuBefore = { dynamoDb: processCpuMs(pid), hub: ownCpuMs() };
  const started = performance.now();
  let next = 0;
  const send = async () => {
    while (next < bodies.length) {
      const { body, records } = bodies[next] as { body: string; records: number };
      next += 1;
      const response = await fetch(`${hub.url}/ingest/hotline`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signHeaders(SOURCE_SECRETS.hotline, `msg_bench_${next}`, body),
        },
        body,
      });
      const answer = (await response.json()) as { accepted?: number };
      if (response.status !== 202 || answer.accepted !== records)
        throw new Error(`POST /ingest/hotline: ${response.status} ${JSON.stringify(answer)}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, send));
  const acceptedMs = performance.now() - started;
  await hub.drain();
  const seconds = (performance.now() - started) / 1000;
  const perEvent = {
    dynamoDb: (processCpuMs(pid) - cpuBefore.dynamoDb) / events.length,
    hub: (ownCpuMs() - cpuBefore.hub) / events.length,
  };
  const cores = availableParallelism();
  const ceiling = (cores * 1000) / (perEvent.dynamoDb + perEvent.hub);

  const response = await fetch(`${hub.url}/indicators?date=${DAY}&area=city`, {
    headers: { authorization: `Bearer ${ANALYST_TOKEN}` },
  });
  const { items } = (await response.json()) as { items: { indicators: Record<string, number | null> }[] };
  const received = items[0]?.indicators.ticketsReceived;
  if (received !== TICKETS)
    throw new Error(`the city's indicators count ${received} tickets received; ${TICKETS} were sent`);

  const figures: Figure[] = [
    {
      id: 'throughput.hotline',
      figure: 'end-to-end local throughput, ticket events',
      value: events.length / seconds,
      unit: 'records/s',
      digits: 0,
      how: `${events.length} events in requests of ${RECORDS_PER_REQUEST}, ${IN_FLIGHT} in flight, to the hub of npm start; until its queues are idle and GET /indicators counts every ticket (${seconds.toFixed(1)} s)`,
      detail: {
        events: events.length,
        seconds,
        allAcceptedAfterSeconds: acceptedMs / 1000,
        ingestRecordsPerSecond: events.length / (acceptedMs / 1000),
      },
    },
    {
      id: 'throughput.cpu.dynamodb-local',
      figure: 'CPU per ticket event end to end: DynamoDB Local (Java)',
      value: perEvent.dynamoDb,
      unit: 'ms',
      digits: 2,
      how: `CPU time (user + system, /proc) of DynamoDB Local's process during the run above, per event`,
    },
    {
      id: 'throughput.cpu.hub',
      figure: 'CPU per ticket event end to end: the hub (Node.js) and the sender',
      value: perEvent.hub,
      unit: 'ms',
      digits: 2,
      how: 'CPU time of the bench process (the hub of npm start, in process, and the requests it sends) during the run, per event',
    },
    {
      id: 'throughput.cpu.ceiling',
      figure: `ticket events/s the machine's ${cores} cores could count end to end at that CPU`,
      value: ceiling,
      unit: 'records/s',
      digits: 0,
      how: `${cores} cores × 1000 ms / (${perEvent.dynamoDb.toFixed(2)} + ${perEvent.hub.toFixed(2)} ms per event); ${((100 * perEvent.dynamoDb) / (perEvent.dynamoDb + perEvent.hub)).toFixed(0)} % of it DynamoDB Local's`,
    },
  ];
  return { figures, data: { events: events.length, seconds, acceptedSeconds: acceptedMs / 1000 } };
};
