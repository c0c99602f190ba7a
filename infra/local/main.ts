/**
 * `npm start [-- --port N] [--no-demo] [--data-dir DIR] [--state-file FILE] [--clock ISO]`: runs the whole hub on
 * this machine (CONTRACT §1) until SIGINT or SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseChaos } from '#infra/local/chaos';
import { installClock, startClockControl } from '#infra/local/clock';
import { loadDemo } from '#infra/local/demo';
import { checkJava, JavaMissingError } from '#infra/local/dynamodb-local';
import { type Hub, startHub } from '#infra/local/hub';
import { timeZoneSchema } from '#shared/config';
import type { Source } from '#shared/schemas/ingest';

const usage = `usage: npm start -- [--port N] [--no-demo] [--data-dir DIR] [--state-file FILE]
  --port N           HTTP port on 127.0.0.1 (default 3000; 0 = any free port)
  --no-demo          start empty instead of loading the demo city's simulated day
  --data-dir DIR     persist DynamoDB Local in DIR (default: in memory)
  --state-file FILE  where to write url, tokens and source secrets (default .cityhub/local.json)
  --clock ISO        for tests: start the hub's clock at this instant, run schedules only when asked,
                     and serve a control port (its URL in the state file as "control"):
                     POST /clock {"at": ISO} sets the clock, POST /schedules/<id> runs a schedule`;

const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

const parseOptions = () => {
  try {
    const { values } = parseArgs({
      options: {
        port: { type: 'string', default: '3000' },
        'no-demo': { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        'state-file': { type: 'string', default: '.cityhub/local.json' },
        clock: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      fail(`cityhub: --port must be 0 to 65535, not ${values.port}`);
    const clock = values.clock === undefined ? undefined : Date.parse(values.clock);
    if (clock !== undefined && Number.isNaN(clock))
      fail(
        `cityhub: --clock must be an RFC 3339 instant such as 2026-10-08T09:00:00+08:00, not ${values.clock}`,
      );
    return {
      port,
      clock,
      demo: !values['no-demo'],
      dataDir: values['data-dir'],
      stateFile: resolve(values['state-file']),
    };
  } catch (error) {
    return fail(`cityhub: ${(error as Error).message}\n${usage}`);
  }
};

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const token = () => randomBytes(24).toString('base64url');

const writeStateFile = (file: string, state: unknown) => {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
};

const main = async () => {
  const options = parseOptions();
  const env = process.env;
  const zone = timeZoneSchema.safeParse(env.CITYHUB_TIMEZONE ?? 'Asia/Shanghai');
  if (!zone.success)
    fail(`cityhub: CITYHUB_TIMEZONE=${env.CITYHUB_TIMEZONE} is not an IANA time zone such as Asia/Shanghai`);
  try {
    checkJava();
  } catch (error) {
    if (error instanceof JavaMissingError) fail(error.message);
    throw error;
  }
  const sourceSecrets: Record<Source, string> = {
    hotline: env.CITYHUB_SECRET_HOTLINE ?? secret(),
    'city-platform': env.CITYHUB_SECRET_CITY_PLATFORM ?? secret(),
    sanitation: env.CITYHUB_SECRET_SANITATION ?? secret(),
  };
  const adminToken = env.CITYHUB_ADMIN_TOKEN ?? token();
  const analystToken = env.CITYHUB_ANALYST_TOKEN ?? token();
  for (const [name, value] of [
    ['CITYHUB_ADMIN_TOKEN', adminToken],
    ['CITYHUB_ANALYST_TOKEN', analystToken],
  ]) {
    if ((value ?? '').length < 16) fail(`cityhub: ${name} must be at least 16 characters`);
  }
  if (adminToken === analystToken) fail('cityhub: CITYHUB_ADMIN_TOKEN and CITYHUB_ANALYST_TOKEN must differ');
  const issuer = env.CITYHUB_OIDC_ISSUER;
  const audience = env.CITYHUB_OIDC_AUDIENCE;
  if ((issuer === undefined) !== (audience === undefined))
    fail(
      'cityhub: CITYHUB_OIDC_ISSUER and CITYHUB_OIDC_AUDIENCE go together (OIDC mode), or neither (bearer tokens)',
    );
  if (issuer !== undefined && !URL.canParse(issuer))
    fail(`cityhub: CITYHUB_OIDC_ISSUER=${issuer} is not a URL such as http://127.0.0.1:4000`);
  const oidc =
    issuer && audience
      ? { issuer, audience, dashboardClientId: env.CITYHUB_OIDC_DASHBOARD_CLIENT_ID ?? audience }
      : undefined;
  let chaos: ReturnType<typeof parseChaos>;
  try {
    chaos = parseChaos(env.CITYHUB_CHAOS);
  } catch (error) {
    fail(`cityhub: ${(error as Error).message}`);
  }
  // A state file left by a hub that was killed points at nothing: it goes until this hub is ready.
  rmSync(options.stateFile, { force: true });
  const log = (line: string) => process.stderr.write(`${line}\n`);

  let hub: Hub | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log(`cityhub: ${signal} again; exiting now`);
      process.exit(1);
    }
    stopping = true;
    log(`cityhub: ${signal}; stopping`);
    const force = setTimeout(() => {
      log('cityhub: still stopping after 5 s; exiting');
      process.exit(1);
    }, 5000);
    await hub?.stop();
    try {
      const state = JSON.parse(readFileSync(options.stateFile, 'utf8')) as { url?: string };
      if (hub && state.url === hub.url) rmSync(options.stateFile);
    } catch {
      // The state file is already gone or was replaced by another hub: leave it.
    }
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  // On a controlled clock, before anything reads the time.
  const clock = options.clock === undefined ? undefined : installClock(options.clock);
  hub = await startHub({
    port: options.port,
    ...(clock ? { schedules: 'manual' as const } : {}),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    timeZone: zone.data ?? 'Asia/Shanghai',
    adminToken,
    analystToken,
    ...(oidc ? { oidc } : {}),
    sourceSecrets,
    log,
    ...(chaos ? { chaos } : {}),
  });
  if (stopping) return;
  const control = clock
    ? await startClockControl({ clock, runSchedule: hub.runSchedule, adminToken })
    : undefined;
  if (control) log(`cityhub: controlled clock at ${new Date().toISOString()}; control at ${control.url}`);
  writeStateFile(options.stateFile, {
    url: hub.url,
    ...(control ? { control: control.url } : {}),
    adminToken,
    analystToken,
    sourceSecrets,
    // Where the hub keeps its data, for tools and tests that look at the tables themselves.
    dynamoDb: {
      endpoint: hub.dynamoDbEndpoint,
      tables: hub.tableNames,
      ...(hub.dynamoDbPid === undefined ? {} : { pid: hub.dynamoDbPid }),
    },
  });
  log(`cityhub: ready at ${hub.url} (tokens and source secrets in ${options.stateFile}; Ctrl-C stops)`);
  log(
    oidc
      ? `cityhub: OIDC mode: analyst and admin routes also take access tokens of ${oidc.issuer} for ${oidc.audience}; the dashboard at ${hub.url}/ signs in there as client ${oidc.dashboardClientId}`
      : `cityhub: dashboard at ${hub.url}/ (sign in with the analystToken of ${options.stateFile})`,
  );
  if (options.demo) {
    const target = { url: hub.url, adminToken, sourceSecrets };
    const started = Date.now();
    const summary = await loadDemo(target, zone.data ?? 'Asia/Shanghai', Date.now(), log);
    const sentAt = Date.now();
    log('cityhub: demo: computing coverage and indicators…');
    await hub.drain();
    const first = summary.days[0];
    const today = summary.days.at(-1);
    const yesterday = summary.days.at(-2);
    log(
      `cityhub: demo city loaded in ${((Date.now() - started) / 1000).toFixed(0)} s (${process.uptime().toFixed(0)} s after start; ${((sentAt - started) / 1000).toFixed(0)} s sending, ${((Date.now() - sentAt) / 1000).toFixed(0)} s computing): ${summary.days.length} days, ${first} to ${today} (so far)`,
    );
    const tokenFrom = `$(node -p "require('${options.stateFile}').analystToken")`;
    log(
      `cityhub: try: curl -H "Authorization: Bearer ${tokenFrom}" "${hub.url}/indicators?from=${yesterday}&to=${today}"`,
    );
  }
};

main().catch((error: Error) => fail(`cityhub: could not start: ${error.message}`));
