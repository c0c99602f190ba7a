import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'infra/local/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('npm start before the hub runs', () => {
  it('exits non-zero with one line naming what to install when Java is missing', () => {
    const result = run(['--no-demo', '--port', '0'], { PATH: '/nonexistent' });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /java not found; install a Java 17\+ runtime.*apt-get install -y default-jre-headless/,
    );
  });

  it.each([
    [['--port', 'eighty'], '--port must be 0 to 65535'],
    [['--colour'], "Unknown option '--colour'"],
  ])('refuses bad flags %j with a clear line', (args, message) => {
    const result = run(args);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
  });

  it('refuses an unknown time zone', () => {
    const result = run(['--no-demo'], { CITYHUB_TIMEZONE: 'Mars/Olympus' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('CITYHUB_TIMEZONE=Mars/Olympus is not an IANA time zone');
  });

  it('refuses a token shorter than 16 characters, naming the variable', () => {
    const result = run(['--no-demo'], { CITYHUB_ADMIN_TOKEN: 'short' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('cityhub: CITYHUB_ADMIN_TOKEN must be at least 16 characters');
  });

  it('prints its usage with --help', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--data-dir DIR');
  });
});

describe('npm start', () => {
  it('stops the hub and DynamoDB Local when npm itself gets SIGTERM', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'cityhub-npm-')), 'local.json');
    const npm = spawn(
      'npm',
      ['start', '--silent', '--', '--no-demo', '--port', '0', '--state-file', stateFile],
      {
        cwd: root,
        stdio: 'ignore',
      },
    );
    const deadline = Date.now() + 90_000;
    while (!existsSync(stateFile) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(existsSync(stateFile)).toBe(true);
    const descendants = (pid: number): number[] => {
      const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .filter(Boolean)
        .map(Number);
      return children.flatMap((child) => [child, ...descendants(child)]);
    };
    const started = descendants(npm.pid as number);
    expect(started.length).toBeGreaterThan(1);
    npm.kill('SIGTERM');
    await new Promise((resolve) => npm.once('exit', resolve));
    const stopBy = Date.now() + 5000;
    const alive = () => started.filter((pid) => spawnSync('kill', ['-0', String(pid)]).status === 0);
    while (alive().length > 0 && Date.now() < stopBy)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive()).toEqual([]);
    expect(existsSync(stateFile)).toBe(false);
  }, 120_000);
});
