import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signHeaders } from '#shared/http/signature';

/** What `npm start` writes once the hub is ready (CONTRACT §1). */
export interface HubState {
  url: string;
  adminToken: string;
  analystToken: string;
  sourceSecrets: Record<'hotline' | 'city-platform' | 'sanitation', string>;
  /** DynamoDB Local's endpoint and the hub's table names. */
  dynamoDb?: {
    endpoint: string;
    tables: { facts: string; indicators: string; secrets: string };
    /** DynamoDB Local's Java process. */
    pid?: number;
  };
  /** The control port of a hub started with `--clock` (set the clock, run a schedule). */
  control?: string;
}

/** A hub started as its own process, exactly as `npm start` runs it. */
export interface HubProcess {
  readonly child: ChildProcess;
  readonly state: HubState;
  readonly stateFile: string;
  readonly output: () => string;
}

const root = new URL('../..', import.meta.url).pathname;

/**
 * Starts `infra/local/main.ts` with `args` and waits for its state file. The hub and its DynamoDB
 * Local get a process group of their own, so `process.kill(-child.pid)` (and {@link stopHubProcess})
 * ends both at once, even when the hub itself cannot clean up.
 */
export const startHubProcess = async (
  args: string[] = ['--no-demo'],
  env: NodeJS.ProcessEnv = {},
): Promise<HubProcess> => {
  const stateFile = join(mkdtempSync(join(tmpdir(), 'cityhub-')), 'local.json');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'infra/local/main.ts', '--port', '0', '--state-file', stateFile, ...args],
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 90_000;
  while (!existsSync(stateFile)) {
    if (child.exitCode !== null) throw new Error(`hub exited with ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) throw new Error(`hub not ready within 90 s: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as HubState;
  return { child, state, stateFile, output: () => output };
};

/**
 * Stops a hub as Ctrl-C would (SIGTERM), and kills its process group if it has not exited within
 * 8 s, so no DynamoDB Local outlives a test.
 */
export const stopHubProcess = async (hub: HubProcess | undefined): Promise<void> => {
  if (!hub?.child.pid) return;
  if (hub.child.exitCode === null && hub.child.signalCode === null) {
    hub.child.kill('SIGTERM');
    const exited = await Promise.race([
      exitOf(hub.child).then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 8000)),
    ]);
    if (exited) return;
  }
  try {
    process.kill(-hub.child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
};

/** Resolves with the exit code once the process has exited. */
export const exitOf = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

/** POSTs a body to an ingest route, signed with the source's secret. */
export const sendSigned = async (
  state: HubState,
  path: string,
  body: string,
  options: { id?: string; secret?: string; at?: Date } = {},
) => {
  const source = path.split('/')[2] as keyof HubState['sourceSecrets'];
  const secret = options.secret ?? state.sourceSecrets[source] ?? state.sourceSecrets.hotline;
  const id = options.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const response = await fetch(`${state.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signHeaders(secret, id, body, options.at) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
