/**
 * The PostGIS side of `npm run bench:coverage`: the same coverage rule (CONTRACT §5) computed by
 * PostGIS in a throwaway PostgreSQL cluster, as an independent reference for cityhub's engine.
 *
 * A point of a segment is cleaned when a working piece passes within 20 m of it running within 30° of
 * the segment's direction (either way). In SQL: for every straight part of a segment (a network edge;
 * in the reference city each segment is one edge), the pieces within 20 m (GiST index) whose direction
 * is within 30° either way, and the length of the edge inside the union of their 20 m capsules
 * (`ST_Buffer`, default 8 segments per quarter circle), summed per segment. Only that query is timed;
 * the cluster runs on one core (no parallel workers), like the engine it is compared with.
 *
 * Needs PostgreSQL server binaries (initdb, pg_ctl, postgres) and the postgis extension of the same
 * major version, e.g. on Debian 12 `apt-get install -y postgresql postgresql-15-postgis-3`. Returns
 * undefined when they are not installed. Environment: BENCH_POSTGIS=off skips it, BENCH_PG_BIN points
 * at a PostgreSQL bin directory, BENCH_POSTGIS_TIMEOUT_S bounds the coverage query (default 1800 s).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  accessSync,
  appendFileSync,
  chownSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { RoadNetwork } from '#shared/domain/sanitation/road-network';

/** The PostGIS result: seconds for the coverage query, and cleaned metres per segmentId. */
export interface PostgisComparison {
  readonly seconds: number;
  readonly cleanedM: Map<string, number>;
}

/** CONTRACT §5, stated again here so that the reference does not borrow the engine's constants. */
const DISTANCE_M = 20;
const MIN_ABS_COS = Math.cos((30 * Math.PI) / 180);

const PORT = 5432;
const ROLE = 'cityhub';
const DATABASE = 'postgres';
const queryTimeoutS = Number(process.env.BENCH_POSTGIS_TIMEOUT_S ?? 1800);

/** A PostgreSQL installation with PostGIS. */
interface Install {
  readonly bin: string;
  readonly version: string;
  readonly psql: string;
}

/** Who runs the server: PostgreSQL refuses to run as root, so root hands it to an unprivileged user. */
interface RunAs {
  readonly name: string;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
}

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const output = (command: string, args: string[]): string | undefined => {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
};

/** PostgreSQL bin directories worth trying, most specific first. */
const candidateBinDirs = (): string[] => {
  const dirs: string[] = [];
  if (process.env.BENCH_PG_BIN) dirs.push(process.env.BENCH_PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((version) => /^\d+(\.\d+)?$/.test(version))
      .sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((version) => join(debian, version, 'bin')));
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const initdb = join(dir, 'initdb');
    if (dir && isExecutable(initdb)) dirs.push(dirname(realpathSync(initdb)));
  }
  dirs.push('/usr/local/pgsql/bin');
  return [...new Set(dirs)];
};

/** The first PostgreSQL installation that has PostGIS, or why there is none. */
const findInstall = (): Install | { missing: string } => {
  const reasons: string[] = [];
  for (const bin of candidateBinDirs()) {
    if (!['initdb', 'pg_ctl', 'postgres'].every((tool) => isExecutable(join(bin, tool)))) continue;
    const version = output(join(bin, 'postgres'), ['--version']) ?? 'postgres (unknown version)';
    const major = /PostgreSQL\)\s*(\d+)/.exec(version)?.[1];
    const configured = isExecutable(join(bin, 'pg_config'))
      ? output(join(bin, 'pg_config'), ['--sharedir', '--pkglibdir'])?.split('\n')
      : undefined;
    const shareDirs = configured?.[0]
      ? [configured[0]]
      : [
          ...(major ? [`/usr/share/postgresql/${major}`] : []),
          join(bin, '..', 'share', 'postgresql'),
          join(bin, '..', 'share'),
        ];
    const share = shareDirs.find((dir) => existsSync(join(dir, 'extension', 'postgis.control')));
    const libDir = configured?.[1];
    const hasLibrary =
      !libDir ||
      (existsSync(libDir) && readdirSync(libDir).some((file) => /^postgis(-\d+)?\.so$/.test(file)));
    if (!share || !hasLibrary) {
      reasons.push(
        `${version} in ${bin} has no postgis extension${major ? ` (apt-get install -y postgresql-${major}-postgis-3)` : ''}`,
      );
      continue;
    }
    const psql = isExecutable(join(bin, 'psql')) ? join(bin, 'psql') : 'psql';
    return { bin, version, psql };
  }
  return {
    missing:
      reasons.length > 0
        ? reasons.join('; ')
        : 'no PostgreSQL server binaries (initdb, pg_ctl, postgres) found (apt-get install -y postgresql postgis)',
  };
};

const runAs = (): RunAs => {
  if (process.getuid?.() !== 0)
    return { name: process.env.USER ?? 'current user', uid: undefined, gid: undefined };
  for (const name of ['postgres', 'nobody']) {
    const uid = output('id', ['-u', name]);
    const gid = output('id', ['-g', name]);
    if (uid && gid) return { name, uid: Number(uid), gid: Number(gid) };
  }
  throw new Error(
    'PostGIS: running as root and neither a "postgres" nor a "nobody" user exists to run the server',
  );
};

/** The environment of the PostgreSQL tools: no PG* variables of the caller, a locale that always exists. */
const toolEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG')) env[key] = value;
  return { ...env, LC_ALL: 'C', LANG: 'C', PGCONNECT_TIMEOUT: '10' };
};

interface RunOptions {
  readonly timeoutS: number;
  /** Text for the tool's stdin, in chunks. */
  readonly input?: Iterable<string>;
}

/**
 * A throwaway cluster in a temp dir: data directory, unix socket and server log all inside it, owned
 * by the user that runs the server. `close` stops the server and deletes the directory.
 */
class Cluster {
  readonly data: string;
  readonly log: string;
  private started = false;

  constructor(
    readonly install: Install,
    readonly user: RunAs,
    readonly dir: string,
  ) {
    this.data = join(dir, 'data');
    this.log = join(dir, 'server.log');
  }

  /** Runs a tool as the server's user in its own process group; rejects with its stderr on failure. */
  run(label: string, command: string, args: string[], options: RunOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        cwd: this.dir,
        env: toolEnv(),
        detached: true,
        stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        ...(this.user.uid === undefined ? {} : { uid: this.user.uid, gid: this.user.gid }),
      });
      const stdout: string[] = [];
      let stderr = '';
      let timedOut = false;
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-4000);
      });
      const timer = setTimeout(() => {
        timedOut = true;
        if (child.pid) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }, options.timeoutS * 1000);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`PostGIS: ${label}: could not run ${command}: ${error.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) reject(new Error(`PostGIS: ${label} timed out after ${options.timeoutS} s`));
        else if (code !== 0)
          reject(
            new Error(`PostGIS: ${label} failed (${code ?? signal}): ${stderr.trim() || '(no message)'}`),
          );
        else resolve(stdout.join(''));
      });
      const stdin = child.stdin;
      if (stdin && options.input) {
        stdin.on('error', () => {
          // The tool stopped reading: its exit status tells why.
        });
        const feed = async (chunks: Iterable<string>) => {
          for (const chunk of chunks) if (!stdin.write(chunk)) await once(stdin, 'drain');
          stdin.end();
        };
        feed(options.input).catch(() => undefined);
      }
    });
  }

  private tool(name: string): string {
    return join(this.install.bin, name);
  }

  /** psql on the cluster's socket, stopping at the first error; returns unaligned, tuples-only output. */
  psql(label: string, sql: string, options: RunOptions): Promise<string> {
    const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', this.dir, '-p', String(PORT)];
    return this.run(label, this.install.psql, [...args, '-U', ROLE, '-d', DATABASE, '-c', sql], options);
  }

  async start(): Promise<void> {
    const socket = join(this.dir, `.s.PGSQL.${PORT}`);
    if (socket.length > 100)
      throw new Error(`PostGIS: the socket path ${socket} is too long for a unix socket; set TMPDIR=/tmp`);
    mkdirSync(this.data, { mode: 0o700 });
    if (this.user.uid !== undefined && this.user.gid !== undefined) {
      chownSync(this.dir, this.user.uid, this.user.gid);
      chownSync(this.data, this.user.uid, this.user.gid);
    }
    const initdbArgs = [
      '-D',
      this.data,
      '-U',
      ROLE,
      '--auth=trust',
      '--no-locale',
      '-E',
      'UTF8',
      '--no-sync',
    ];
    await this.run('initdb', this.tool('initdb'), initdbArgs, { timeoutS: 120 }).catch((error: Error) => {
      throw new Error(`${error.message}\n(temp dir ${this.dir} must be reachable by user ${this.user.name})`);
    });
    const quoted = (value: string) => `'${value.replaceAll("'", "''")}'`;
    const settings = {
      listen_addresses: quoted(''),
      unix_socket_directories: quoted(this.dir),
      port: String(PORT),
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      shared_buffers: quoted('256MB'),
      work_mem: quoted('256MB'),
      maintenance_work_mem: quoted('512MB'),
      max_wal_size: quoted('4GB'),
      max_parallel_workers_per_gather: '0',
      max_parallel_maintenance_workers: '0',
      statement_timeout: quoted(`${queryTimeoutS}s`),
    };
    appendFileSync(
      join(this.data, 'postgresql.conf'),
      `\n# cityhub bench\n${Object.entries(settings)
        .map(([key, value]) => `${key} = ${value}`)
        .join('\n')}\n`,
    );
    this.started = true;
    const startArgs = ['start', '-D', this.data, '-l', this.log, '-w', '-t', '60', '-s'];
    await this.run('pg_ctl start', this.tool('pg_ctl'), startArgs, { timeoutS: 90 }).catch((error: Error) => {
      throw new Error(`${error.message}\nserver log (last lines):\n${this.serverLog()}`);
    });
  }

  serverLog(): string {
    try {
      return readFileSync(this.log, 'utf8').trim().split('\n').slice(-15).join('\n');
    } catch {
      return '(none)';
    }
  }

  private postmasterPid(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Last resort: SIGKILL the postmaster of this cluster's own data directory (backends then exit). */
  private killPostmaster(): void {
    const pid = this.postmasterPid();
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // not running
    }
  }

  private removeDir(): void {
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }

  /** Stops the server (fast, then immediate, then SIGKILL) and deletes the temp dir. */
  async close(): Promise<void> {
    if (this.started && this.postmasterPid() !== undefined) {
      const stop = (mode: string) =>
        this.run(
          `pg_ctl stop -m ${mode}`,
          this.tool('pg_ctl'),
          ['stop', '-D', this.data, '-m', mode, '-w', '-t', '30', '-s'],
          {
            timeoutS: 45,
          },
        );
      await stop('fast')
        .catch(() => stop('immediate'))
        .catch(() => this.killPostmaster());
    }
    this.started = false;
    this.removeDir();
  }

  /** The synchronous version for signal and exit handlers. */
  closeSync(): void {
    if (this.started && this.postmasterPid() !== undefined) {
      spawnSync(this.tool('pg_ctl'), ['stop', '-D', this.data, '-m', 'immediate', '-w', '-t', '10', '-s'], {
        cwd: this.dir,
        env: toolEnv(),
        stdio: 'ignore',
        timeout: 15_000,
        ...(this.user.uid === undefined ? {} : { uid: this.user.uid, gid: this.user.gid }),
      });
      this.killPostmaster();
    }
    this.started = false;
    this.removeDir();
  }
}

/** Tab-separated rows for COPY, in chunks of 10,000 rows. */
function* copyRows(count: number, row: (index: number) => readonly number[]): Generator<string> {
  const chunk: string[] = [];
  for (let index = 0; index < count; index += 1) {
    chunk.push(`${row(index).join('\t')}\n`);
    if (chunk.length === 10_000) {
      yield chunk.join('');
      chunk.length = 0;
    }
  }
  if (chunk.length > 0) yield chunk.join('');
}

const finite = (value: number | undefined, what: string): number => {
  if (value === undefined || !Number.isFinite(value))
    throw new Error(`PostGIS: ${what} is not a finite number`);
  return value;
};

const SCHEMA = `
CREATE EXTENSION postgis;
CREATE UNLOGGED TABLE edge_input (segment integer NOT NULL, x0 float8, y0 float8, x1 float8, y1 float8);
CREATE UNLOGGED TABLE piece_input (ax float8, ay float8, bx float8, by float8);`;

/** Planar lines in SRID 0 (metres), with their direction vectors and lengths for the 30° rule. */
const PREPARE = `
CREATE UNLOGGED TABLE edges AS
  SELECT segment, x1 - x0 AS dx, y1 - y0 AS dy, sqrt((x1 - x0) ^ 2 + (y1 - y0) ^ 2) AS len,
         ST_MakeLine(ST_MakePoint(x0, y0), ST_MakePoint(x1, y1)) AS geom
  FROM edge_input WHERE x0 <> x1 OR y0 <> y1;
CREATE UNLOGGED TABLE pieces AS
  SELECT bx - ax AS dx, by - ay AS dy, sqrt((bx - ax) ^ 2 + (by - ay) ^ 2) AS len,
         ST_MakeLine(ST_MakePoint(ax, ay), ST_MakePoint(bx, by)) AS geom
  FROM piece_input WHERE ax <> bx OR ay <> by;
CREATE INDEX edges_geom ON edges USING gist (geom);
CREATE INDEX pieces_geom ON pieces USING gist (geom);
ANALYZE edges;
ANALYZE pieces;`;

/** The timed coverage query: cleaned metres per segment index. */
const COVERAGE = `
CREATE UNLOGGED TABLE cleaned AS
  SELECT e.segment, sum(ST_Length(ST_Intersection(e.geom, near.cover))) AS metres
  FROM edges AS e
  CROSS JOIN LATERAL (
    SELECT ST_Union(ST_Buffer(p.geom, ${DISTANCE_M})) AS cover
    FROM pieces AS p
    WHERE ST_DWithin(e.geom, p.geom, ${DISTANCE_M})
      AND abs(e.dx * p.dx + e.dy * p.dy) >= ${MIN_ABS_COS} * e.len * p.len
  ) AS near
  WHERE near.cover IS NOT NULL
  GROUP BY e.segment;`;

/**
 * Computes the coverage of `pieces` (flat [ax, ay, bx, by, …] in the network's projected metres) with
 * PostGIS; undefined when PostgreSQL with PostGIS is not installed. Throws with a clear message when it
 * is installed but fails; the cluster is stopped and its temp dir deleted in every case.
 */
export const runPostgisComparison = async (
  network: RoadNetwork,
  pieces: readonly number[],
  log: (message: string) => void,
): Promise<PostgisComparison | undefined> => {
  if (/^(0|off|false|no)$/i.test(process.env.BENCH_POSTGIS ?? '')) {
    log('PostGIS: skipped (BENCH_POSTGIS=off)');
    return undefined;
  }
  const install = findInstall();
  if ('missing' in install) {
    log(`PostGIS: ${install.missing}`);
    return undefined;
  }
  if (pieces.length % 4 !== 0) throw new Error('PostGIS: pieces must be a flat list of [ax, ay, bx, by]');
  const user = runAs();
  log(`PostGIS: using ${install.version} in ${install.bin}, server run as ${user.name}`);

  const cluster = new Cluster(install, user, mkdtempSync(join(tmpdir(), 'cityhub-postgis-')));
  const onSignal = (signal: NodeJS.Signals) => {
    cluster.closeSync();
    removeHandlers();
    process.kill(process.pid, signal);
  };
  const onExit = () => cluster.closeSync();
  const removeHandlers = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('exit', onExit);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  process.once('exit', onExit);
  try {
    log(`PostGIS: starting a throwaway cluster in ${cluster.dir}`);
    await cluster.start();
    await cluster.psql('CREATE EXTENSION postgis', SCHEMA, { timeoutS: 120 });

    const { edges } = network;
    const edgeCount = edges.segment.length;
    const pieceCount = pieces.length / 4;
    log(
      `PostGIS: loading ${edgeCount.toLocaleString('en')} segment edges and ${pieceCount.toLocaleString('en')} pieces`,
    );
    await cluster.psql('COPY edges', 'COPY edge_input FROM STDIN', {
      timeoutS: 300,
      input: copyRows(edgeCount, (i) => [
        edges.segment[i] as number,
        finite(edges.x0[i], 'an edge coordinate'),
        finite(edges.y0[i], 'an edge coordinate'),
        finite(edges.x1[i], 'an edge coordinate'),
        finite(edges.y1[i], 'an edge coordinate'),
      ]),
    });
    await cluster.psql('COPY pieces', 'COPY piece_input FROM STDIN', {
      timeoutS: 600,
      input: copyRows(pieceCount, (k) =>
        [0, 1, 2, 3].map((j) => finite(pieces[4 * k + j], 'a piece coordinate')),
      ),
    });
    log('PostGIS: building geometries and GiST indexes, ANALYZE');
    await cluster.psql('prepare tables', PREPARE, { timeoutS: 600 });

    log(`PostGIS: coverage query running (one core, timeout ${queryTimeoutS} s)…`);
    const queryStart = process.hrtime.bigint();
    const heartbeat = setInterval(
      () =>
        log(
          `PostGIS: … query still running (${(Number(process.hrtime.bigint() - queryStart) / 1e9).toFixed(0)} s)`,
        ),
      30_000,
    );
    let seconds: number;
    try {
      // The server's own clock around the statement alone: no psql start-up, no result transfer.
      const timed = await cluster.psql(
        'coverage query',
        `CREATE TEMP TABLE clock AS SELECT clock_timestamp() AS started;
${COVERAGE}
SELECT extract(epoch FROM clock_timestamp() - started) FROM clock;`,
        { timeoutS: queryTimeoutS + 60 },
      );
      seconds = Number(timed.trim().split('\n').pop());
      if (!Number.isFinite(seconds))
        throw new Error(`PostGIS: unexpected timing output: ${timed.slice(0, 200)}`);
    } finally {
      clearInterval(heartbeat);
    }
    log(`PostGIS: coverage query took ${seconds.toFixed(1)} s; reading the result`);

    const rows = await cluster.psql('read result', 'COPY cleaned TO STDOUT', { timeoutS: 120 });
    const cleanedM = new Map<string, number>();
    for (const line of rows.split('\n')) {
      if (!line) continue;
      const [index, metres] = line.split('\t');
      const segment = network.segments[Number(index)];
      if (!segment || metres === undefined) throw new Error(`PostGIS: unexpected result row: ${line}`);
      cleanedM.set(segment.segmentId, (cleanedM.get(segment.segmentId) ?? 0) + Number(metres));
    }
    log(`PostGIS: ${cleanedM.size.toLocaleString('en')} segments cleaned`);
    return { seconds, cleanedM };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // PostGIS reports a statement_timeout that fires inside GEOS as a cancel "due to user request".
    if (/canceling statement/.test(message))
      throw new Error(`${message}\n(statement_timeout is BENCH_POSTGIS_TIMEOUT_S=${queryTimeoutS} s)`);
    throw error;
  } finally {
    removeHandlers();
    await cluster.close();
    log('PostGIS: cluster stopped, temp dir removed');
  }
};
