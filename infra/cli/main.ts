/**
 * The `cityhub` command line (CONTRACT §9 and §10): `indicators`, `send`, `simulate`, `subscribe`, `redrive`. It finds the
 * hub through the state file `npm start` writes (default `.cityhub/local.json`), or `--url` with
 * `--token` (local), or with `--token-url` and client credentials from `CITYHUB_CLIENT_ID` and
 * `CITYHUB_CLIENT_SECRET` (deployed).
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CliError, call, connect, failure, sendBatch } from '#infra/cli/client';
import { demoCases, demoTickets, demoTracks, recordTime } from '#infra/local/demo';
import { progressBar } from '#infra/local/progress';
import { indicatorNames } from '#shared/domain/indicators/catalogue';
import { addDays, localDate } from '#shared/domain/time';
import { toCsv } from '#shared/http/csv';
import { type RedriveAnswer, redriveQueueNames } from '#shared/schemas/admin';
import { type Source, sources } from '#shared/schemas/ingest';

/** An item as `GET /indicators` answers it (CONTRACT §6). */
type Item = {
  date: string;
  area: string;
  indicators: Record<string, number | null>;
  revision: number;
  computedAt: string;
};

const connectionOptions = (command: Command, hubFlag = '--url') =>
  command
    .option('--state-file <file>', 'state file of a local hub', '.cityhub/local.json')
    .option(`${hubFlag} <url>`, 'hub URL (instead of the state file)')
    .option('--token <token>', 'bearer token for the hub URL')
    .option(
      '--token-url <url>',
      'OAuth token endpoint of a deployed hub (client credentials from CITYHUB_CLIENT_ID, CITYHUB_CLIENT_SECRET, optional CITYHUB_SCOPE)',
    );

const formatValue = (name: string, value: number | null | undefined): string => {
  if (value === null || value === undefined) return '—';
  if (/Rate$/.test(name)) return `${(value * 100).toFixed(1)}%`;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
};

/** Items as an aligned text table (indicators with no value anywhere are left out). */
export const toTable = (items: readonly Item[]): string => {
  const names = indicatorNames.filter((name) =>
    items.some((item) => item.indicators[name] !== null && item.indicators[name] !== undefined),
  );
  const rows = [
    ['date', 'area', ...names],
    ...items.map((item) => [
      item.date,
      item.area,
      ...names.map((name) => formatValue(name, item.indicators[name])),
    ]),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

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
    .addOption(new Option('--format <format>', 'output').choices(['table', 'csv', 'json']).default('table')),
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
  else if (options.format === 'csv') process.stdout.write(toCsv(items));
  else process.stdout.write(`${items.length === 0 ? 'no indicators for that query' : toTable(items)}\n`);
});

/** Sends records in signed batches of 500, with progress on stderr and a summary on stdout. */
const sendAll = async (
  connection: ReturnType<typeof connect>,
  source: Source,
  secret: string,
  records: unknown[],
) => {
  const total = { accepted: 0, duplicates: 0, rejected: 0 };
  const progress = progressBar(source, records.length);
  for (let start = 0; start < records.length; start += 500) {
    const answer = await sendBatch(connection, source, secret, records.slice(start, start + 500));
    total.accepted += answer.accepted ?? 0;
    total.duplicates += answer.duplicates ?? 0;
    total.rejected += answer.rejected?.length ?? 0;
    progress.update(Math.min(start + 500, records.length));
  }
  progress.finish();
  return total;
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
  const records = text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), index }))
    .filter(({ line }) => line !== '')
    .map(({ line, index }) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new CliError(`${file}:${index + 1} is not JSON`);
      }
    });
  if (records.length === 0) throw new CliError(`${file} holds no records`);
  const total = await sendAll(
    connection,
    source as Source,
    secretOf(connection, source as Source, options.secret),
    records,
  );
  process.stdout.write(
    `${total.accepted} accepted, ${total.duplicates} duplicates, ${total.rejected} rejected\n`,
  );
  if (total.accepted + total.duplicates === 0) process.exitCode = 1;
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
    .option('--area <area>', 'area key (repeatable)', (value: string, all: string[]) => [...all, value], []),
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

program.parseAsync(process.argv).catch((error: Error) => {
  process.stderr.write(`cityhub: ${error instanceof CliError ? error.message : error.message}\n`);
  process.exit(1);
});
