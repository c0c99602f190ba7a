import { spawnSync } from 'node:child_process';
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

  it('prints its usage with --help', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--data-dir DIR');
  });
});
