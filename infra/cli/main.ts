/**
 * The `cityhub` command line (CONTRACT §9 and §10): `indicators`, `send`, `simulate`, `subscribe`,
 * `subscriptions list|create|rotate|delete`, `deliveries`, `replay`, `quarantine`, `redrive`. It finds the
 * hub through the state file `npm start` writes (default `.cityhub/local.json`), or `--url` with
 * `--token` (local), or with `--token-url` and client credentials from `CITYHUB_CLIENT_ID` and
 * `CITYHUB_CLIENT_SECRET` (deployed).
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CliError, type Connection, call, connect, failure, sendBatch } from '#infra/cli/client';
import { type Item, type Lang, langs, renderTable, toTable } from '#infra/cli/format';
import { demoCases, demoTickets, demoTracks, recordTime } from '#infra/local/demo';
import { progressBar } from '#infra/local/progress';
import { addDays, localDate } from '#shared/domain/time';
import { toCsv } from '#shared/http/csv';
import {
  type QuarantinedRecord,
  type QuarantineList,
  type RedriveAnswer,
  redriveQueueNames,
} from '#shared/schemas/admin';
import { type Source, sources } from '#shared/schemas/ingest';
import type {
  CreatedSubscription,
  DeliveryList,
  PatchedSubscription,
  ReplayAnswer,
  SubscriptionList,
  SubscriptionView,
} from '#shared/schemas/subscriptions';

const connectionOptions = (command: Command, hubFlag = '--url') =>
  command
    .option('--state-file <file>', 'state file of a local hub', '.cityhub/local.json')
    .option(`${hubFlag} <url>`, 'hub URL (instead of the state file)')
    .option('--token <token>', 'bearer token for the hub URL')
    .option(
      '--token-url <url>',
      'OAuth token endpoint of a deployed hub (client credentials from CITYHUB_CLIENT_ID, CITYHUB_CLIENT_SECRET, optional CITYHUB_SCOPE)',
    );

/** Calls a route and answers its JSON body, or throws the hub's reason when the status is not `expected`. */
const fetchJson = async <T>(
  connection: Connection,
  method: string,
  path: string,
  expected: number,
  options: { admin?: boolean; body?: unknown } = {},
): Promise<T> => {
  const answer = await call(connection, method, path, options);
  if (answer.status !== expected) throw failure(answer.status, answer.text);
  return (answer.text === '' ? undefined : JSON.parse(answer.text)) as T;
};

/** Registered area keys and their names (`GET /areas`). */
const areaNames = async (connection: Connection): Promise<Map<string, string>> => {
  const { items } = await fetchJson<{ items: { area: string; name: string }[] }>(
    connection,
    'GET',
    '/areas',
    200,
  );
  return new Map(items.map(({ area, name }) => [area, name]));
};

const repeatable = (value: string, all: string[]) => [...all, value];

const program = new Command('cityhub').description('Query and feed a cityhub hub').showHelpAfterError(false);

connectionOptions(
  program
    .command('indicators')
    .description('daily indicators of a day or a range')
    .option('--date <date>', 'one day, YYYY-MM-DD')
    .option('--from <date>', 'first day of a range')
    .option('--to <date>', 'last day of a range')
    .option(
      '--area <area>',
      'area key (repeatable): city, district:<code>, street:<code>',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .addOption(new Option('--format <format>', 'output').choices(['table', 'csv', 'json']).default('table'))
    .addOption(
      new Option('--lang <lang>', "language of the table's labels: zh (受理量…) or en (ticketsReceived…)")
        .choices(langs)
        .default('zh'),
    ),
).action(async (options) => {
  const connection = connect(options);
  const query = new URLSearchParams();
  if (options.date) query.set('date', options.date);
  if (options.from) query.set('from', options.from);
  if (options.to) query.set('to', options.to);
  for (const area of options.area as string[]) query.append('area', area);
  const items: Item[] = [];
  for (let token: string | undefined, first = true; first || token; first = false) {
    const page = new URLSearchParams(query);
    if (token) page.set('nextToken', token);
    const answer = await call(connection, 'GET', `/indicators?${page}`);
    if (answer.status !== 200) throw failure(answer.status, answer.text);
    const body = JSON.parse(answer.text) as { items: Item[]; nextToken?: string };
    items.push(...body.items);
    token = body.nextToken;
  }
  if (options.format === 'json') process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
  else if (options.format === 'csv') process.stdout.write(toCsv(items, await areaNames(connection)));
  else if (items.length === 0) process.stdout.write('no indicators for that query\n');
  else process.stdout.write(`${toTable(items, await areaNames(connection), options.lang as Lang)}\n`);
});

/** A record's problem as an ingest answer lists it: `index` counts from the first record sent. */
interface Problem {
  readonly index: number;
  readonly path: string;
  readonly message: string;
}

/**
 * Sends records in signed batches of 500, with progress on stderr; answers the sums and every
 * rejected record's errors and every warning, indexed from the first record.
 */
const sendAll = async (connection: Connection, source: Source, secret: string, records: unknown[]) => {
  const total = { accepted: 0, duplicates: 0, rejected: 0 };
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const progress = progressBar(source, records.length);
  for (let start = 0; start < records.length; start += 500) {
    const answer = await sendBatch(connection, source, secret, records.slice(start, start + 500));
    total.accepted += answer.accepted ?? 0;
    total.duplicates += answer.duplicates ?? 0;
    total.rejected += answer.rejected?.length ?? 0;
    for (const { index, errors } of answer.rejected ?? [])
      for (const error of errors) problems.push({ index: start + index, ...error });
    for (const warning of answer.warnings ?? []) warnings.push({ ...warning, index: start + warning.index });
    progress.update(Math.min(start + 500, records.length));
  }
  progress.finish();
  return { ...total, problems, warnings };
};

const secretOf = (connection: ReturnType<typeof connect>, source: Source, given?: string) => {
  const secret = given ?? connection.sourceSecrets[source];
  if (!secret) throw new CliError(`no signing secret for ${source}: pass --secret`);
  return secret;
};

connectionOptions(
  program
    .command('send')
    .description('send the records of an NDJSON file (one record per line) to a feed, signed')
    .argument('<source>', `feed: ${sources.join(', ')}`)
    .argument('<file>', 'NDJSON file')
    .option('--secret <secret>', 'signing secret of the source (default: from the state file)'),
).action(async (source: string, file: string, options) => {
  if (!(sources as readonly string[]).includes(source))
    throw new CliError(`unknown source ${source}: use ${sources.join(', ')}`);
  const connection = connect(options);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  const lines = text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '');
  const records = lines.map(({ line, number }) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new CliError(`${file}:${number} is not JSON`);
    }
  });
  if (records.length === 0) throw new CliError(`${file} holds no records`);
  const total = await sendAll(
    connection,
    source as Source,
    secretOf(connection, source as Source, options.secret),
    records,
  );
  const where = (index: number) => `${file}:${lines[index]?.number ?? '?'} (record ${index})`;
  for (const { index, path, message } of total.problems)
    process.stdout.write(`rejected ${where(index)} ${path}: ${message}\n`);
  for (const { index, path, message } of total.warnings)
    process.stdout.write(`warning ${where(index)} ${path}: ${message}\n`);
  process.stdout.write(
    `${total.accepted} accepted, ${total.duplicates} duplicates, ${total.rejected} rejected\n`,
  );
  if (total.rejected > 0)
    throw new CliError(
      `${total.rejected} of ${records.length} records rejected (reasons above; they are in cityhub quarantine too)`,
    );
});

connectionOptions(
  program
    .command('simulate')
    .description("replay a simulated day of the demo city's hotline, city-platform and GPS records")
    .option('--date <date>', 'the day (default: today in the city)')
    .option('--speed <factor>', 'replay this many times faster than real time (0 = all at once)', '0')
    .option('--timezone <zone>', 'city time zone', 'Asia/Shanghai'),
).action(async (options) => {
  const connection = connect(options);
  const speed = Number(options.speed);
  if (!Number.isFinite(speed) || speed < 0) throw new CliError('--speed must be 0 or more');
  const date = options.date ?? localDate(Date.now(), options.timezone);
  const end = Date.parse(`${addDays(date, 2)}T00:00:00Z`);
  const feeds: [Source, unknown[]][] = [
    ['hotline', demoTickets(date, options.timezone, end)],
    ['city-platform', demoCases(date, options.timezone, end)],
    ['sanitation', demoTracks(date, options.timezone, end)],
  ];
  for (const [source, records] of feeds) {
    const sorted = [...records].sort((a, b) => recordTime(a) - recordTime(b));
    if (speed === 0) {
      const total = await sendAll(connection, source, secretOf(connection, source), sorted);
      process.stdout.write(
        `${source}: ${total.accepted} accepted, ${total.duplicates} duplicates, ${total.rejected} rejected\n`,
      );
      continue;
    }
    const started = Date.now();
    const first = recordTime(sorted[0]);
    for (const record of sorted) {
      const due = started + (recordTime(record) - first) / speed;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      await sendBatch(connection, source, secretOf(connection, source), [record]);
    }
    process.stdout.write(`${source}: ${sorted.length} events replayed\n`);
  }
});

connectionOptions(
  program
    .command('subscribe')
    .description('subscribe a URL to event types; prints the subscription and its secret (shown once)')
    .requiredOption('--url <url>', 'where to deliver (the hub itself is --hub or the state file)')
    .requiredOption('--events <types...>', 'event types, e.g. ticket.* case.closed indicators.updated')
    .option('--area <area>', 'area key (repeatable)', repeatable, []),
  '--hub',
).action(async (options) => {
  const connection = connect({
    stateFile: options.stateFile,
    url: options.hub,
    token: options.token,
    tokenUrl: options.tokenUrl,
  });
  const answer = await call(connection, 'POST', '/subscriptions', {
    admin: true,
    body: {
      url: options.url,
      events: options.events,
      ...(options.area.length > 0 ? { areas: options.area } : {}),
    },
  });
  if (answer.status !== 201) throw failure(answer.status, answer.text);
  process.stdout.write(`${answer.text}\n`);
});

/** A `POST /admin/redrive` answer as the CLI prints it: per queue a line, then each sampled dead letter. */
export const redriveReport = (answer: RedriveAnswer): string => {
  const lines: string[] = [];
  for (const outcome of answer.queues) {
    if (answer.dryRun) {
      lines.push(
        `${outcome.queue}: ${outcome.deadLetters} dead letter${outcome.deadLetters === 1 ? '' : 's'}`,
      );
      for (const letter of outcome.sample)
        lines.push(
          `  ${[letter.messageId, letter.detailType ?? '-', letter.error ?? ''].join('  ').trimEnd()}`,
        );
      if (outcome.sample.length < outcome.deadLetters)
        lines.push(`  … and ${outcome.deadLetters - outcome.sample.length} more`);
    } else
      lines.push(
        `${outcome.queue}: ${outcome.moved} moved back${outcome.taskHandle ? ` (move task ${outcome.taskHandle})` : ''}`,
      );
  }
  lines.push(
    answer.dryRun
      ? `nothing moved (dry run); ${answer.queues.reduce((sum, { deadLetters }) => sum + deadLetters, 0)} dead letters in all`
      : `${answer.moved} moved back in all`,
  );
  return `${lines.join('\n')}\n`;
};

connectionOptions(
  program
    .command('redrive')
    .description(
      'move dead letters back to their queue to be processed again (try --dry-run first: it lists them)',
    )
    .addOption(
      new Option('--queue <queue>', 'only this queue (default: every queue)').choices(redriveQueueNames),
    )
    .option('--dry-run', 'count the dead letters and show a sample, moving nothing')
    .option('--json', 'print the answer as JSON'),
).action(async (options) => {
  const connection = connect(options);
  const answer = await call(connection, 'POST', '/admin/redrive', {
    admin: true,
    body: { ...(options.queue ? { queue: options.queue } : {}), dryRun: options.dryRun === true },
  });
  if (answer.status !== 200) throw failure(answer.status, answer.text);
  const body = JSON.parse(answer.text) as RedriveAnswer;
  process.stdout.write(options.json ? `${JSON.stringify(body, null, 2)}\n` : redriveReport(body));
});

/** One record of `GET /quarantine`, as the CLI prints it: when, which feed, each error, the record. */
export const quarantineReport = (items: readonly QuarantinedRecord[]): string => {
  if (items.length === 0) return 'no quarantined records\n';
  const lines: string[] = [];
  for (const item of items) {
    lines.push(`${item.arrivedAt}  ${item.source}  request ${item.requestId} record ${item.index}`);
    for (const error of item.errors) lines.push(`  ${error.path}: ${error.message}`);
    const record = item.record.length > 200 ? `${item.record.slice(0, 200)}…` : item.record;
    lines.push(`  record: ${record}${item.truncated ? ' (cut)' : ''}`);
  }
  return `${lines.join('\n')}\n`;
};

const positiveLimit = (value: string) => {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new CliError(`--limit must be a whole number from 1 to 1000, not ${value}`);
  return limit;
};

connectionOptions(
  program
    .command('quarantine')
    .description('records the feeds sent that were rejected, newest first, with their errors (kept 30 days)')
    .addOption(new Option('--source <source>', 'only this feed (default: every feed)').choices(sources))
    .option('--limit <n>', 'at most this many records per feed, 1 to 1000', '100')
    .option('--json', 'print the records as JSON'),
).action(async (options) => {
  const connection = connect(options);
  const limit = positiveLimit(options.limit);
  const items: QuarantinedRecord[] = [];
  for (const source of options.source ? [options.source as Source] : sources) {
    const query = new URLSearchParams({ source, limit: String(limit) });
    const page = await fetchJson<QuarantineList>(connection, 'GET', `/quarantine?${query}`, 200, {
      admin: true,
    });
    items.push(...page.items);
  }
  items.sort((a, b) => b.arrivedAt.localeCompare(a.arrivedAt));
  process.stdout.write(options.json ? `${JSON.stringify(items, null, 2)}\n` : quarantineReport(items));
});

/** Subscriptions as a table: id, status, url, events, areas, and why one is failing or disabled. */
export const subscriptionTable = (items: readonly SubscriptionView[]): string =>
  items.length === 0
    ? 'no subscriptions\n'
    : `${renderTable([
        ['id', 'status', 'url', 'events', 'areas', 'note'],
        ...items.map((item) => [
          item.id,
          item.status,
          item.url,
          item.events.join(' '),
          item.areas.length > 0 ? item.areas.join(' ') : 'all',
          item.disabledReason ?? (item.failingSince ? `failing since ${item.failingSince}` : ''),
        ]),
      ])}\n`;

const subscriptions = program
  .command('subscriptions')
  .description('webhook subscriptions: list, create, rotate (the secret), delete');

connectionOptions(
  subscriptions.command('list').description('every subscription').option('--json', 'print them as JSON'),
).action(async (options) => {
  const { items } = await fetchJson<SubscriptionList>(connect(options), 'GET', '/subscriptions', 200, {
    admin: true,
  });
  process.stdout.write(options.json ? `${JSON.stringify(items, null, 2)}\n` : subscriptionTable(items));
});

connectionOptions(
  subscriptions
    .command('create')
    .description('subscribe a URL to event types; prints the subscription and its secret, shown only now')
    .requiredOption('--url <url>', 'where to deliver (the hub itself is --hub or the state file)')
    .requiredOption('--events <types...>', 'event types, e.g. ticket.* case.closed indicators.updated')
    .option('--area <area>', 'only events of this area key (repeatable; default: every area)', repeatable, [])
    .option('--description <text>', 'what it is for')
    .option('--json', 'print the answer as JSON'),
  '--hub',
).action(async (options) => {
  const connection = connect({ stateFile: options.stateFile, url: options.hub, token: options.token });
  const created = await fetchJson<CreatedSubscription>(connection, 'POST', '/subscriptions', 201, {
    admin: true,
    body: {
      url: options.url,
      events: options.events,
      ...(options.area.length > 0 ? { areas: options.area } : {}),
      ...(options.description ? { description: options.description } : {}),
    },
  });
  process.stdout.write(
    options.json
      ? `${JSON.stringify(created, null, 2)}\n`
      : `${renderTable([
          ['id', created.id],
          ['url', created.url],
          ['events', created.events.join(' ')],
          ['areas', created.areas.length > 0 ? created.areas.join(' ') : 'all'],
          ['secret', `${created.secret}  (shown only now: give it to the subscriber)`],
        ])}\n`,
  );
});

connectionOptions(
  subscriptions
    .command('rotate')
    .description(
      'give a subscription a new signing secret; the old one keeps signing deliveries for a while (24 h by default)',
    )
    .argument('<subscription>', 'subscription id (sub_…)')
    .option('--json', 'print the answer as JSON'),
).action(async (id: string, options) => {
  const patched = await fetchJson<PatchedSubscription>(
    connect(options),
    'PATCH',
    `/subscriptions/${encodeURIComponent(id)}`,
    200,
    { admin: true, body: { rotateSecret: true } },
  );
  process.stdout.write(
    options.json
      ? `${JSON.stringify(patched, null, 2)}\n`
      : `${renderTable([
          ['new secret', `${patched.secret ?? '?'}  (shown only now: give it to the subscriber)`],
          [
            'old secret valid until',
            `${patched.previousSecretValidUntil ?? '?'}  (deliveries carry both signatures until then)`,
          ],
        ])}\n`,
  );
});

connectionOptions(
  subscriptions
    .command('delete')
    .description('delete a subscription: nothing more is delivered to it')
    .argument('<subscription>', 'subscription id (sub_…)'),
).action(async (id: string, options) => {
  await fetchJson(connect(options), 'DELETE', `/subscriptions/${encodeURIComponent(id)}`, 204, {
    admin: true,
  });
  process.stdout.write(`deleted ${id}\n`);
});

/** Delivery attempts as a table, newest first. */
export const deliveryTable = (items: readonly DeliveryList['items'][number][]): string =>
  items.length === 0
    ? 'no delivery attempts\n'
    : `${renderTable([
        ['at', 'event', 'type', 'attempt', 'status', 'ms', 'error'],
        ...items.map((item) => [
          item.at,
          item.eventId,
          item.type,
          String(item.attempt),
          item.statusCode === undefined ? '—' : String(item.statusCode),
          String(Math.round(item.durationMs)),
          item.error ?? '',
        ]),
      ])}\n`;

connectionOptions(
  program
    .command('deliveries')
    .description("a subscription's delivery attempts, newest first (kept 30 days)")
    .argument('<subscription>', 'subscription id (sub_…)')
    .option('--limit <n>', 'at most this many attempts, 1 to 1000', '100')
    .option('--json', 'print the attempts as JSON'),
).action(async (id: string, options) => {
  const query = new URLSearchParams({ limit: String(positiveLimit(options.limit)) });
  const { items } = await fetchJson<DeliveryList>(
    connect(options),
    'GET',
    `/subscriptions/${encodeURIComponent(id)}/deliveries?${query}`,
    200,
    { admin: true },
  );
  process.stdout.write(options.json ? `${JSON.stringify(items, null, 2)}\n` : deliveryTable(items));
});

connectionOptions(
  program
    .command('replay')
    .description('send a subscription the events of a window again (those its event types and areas select)')
    .argument('<subscription>', 'subscription id (sub_…)')
    .requiredOption('--since <time>', 'start of the window, RFC 3339 (e.g. 2026-12-07T08:00:00+08:00)')
    .option('--until <time>', 'end of the window (default: now)'),
).action(async (id: string, options) => {
  const { replayed } = await fetchJson<ReplayAnswer>(
    connect(options),
    'POST',
    `/subscriptions/${encodeURIComponent(id)}/replay`,
    202,
    { admin: true, body: { since: options.since, ...(options.until ? { until: options.until } : {}) } },
  );
  process.stdout.write(`${replayed} deliver${replayed === 1 ? 'y' : 'ies'} queued\n`);
});

program.parseAsync(process.argv).catch((error: Error) => {
  process.stderr.write(`cityhub: ${error instanceof CliError ? error.message : error.message}\n`);
  process.exit(1);
});
