/**
 * CPU time of another process on Linux (DynamoDB Local's Java process), from `/proc/<pid>/stat`:
 * user plus system time, in milliseconds.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc`'s times (`getconf CLK_TCK`; 100 on Linux as built). */
const ticksPerSecond = (() => {
  const probe = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(probe.stdout?.trim());
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
})();

/** CPU milliseconds `pid` has used so far (user + system); throws when the process cannot be read. */
export const processCpuMs = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: the fields that follow start after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, 12th and 13th after the name.
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  if (!Number.isFinite(user) || !Number.isFinite(system))
    throw new Error(`cannot read CPU times of process ${pid}`);
  return ((user + system) * 1000) / ticksPerSecond;
};

/** CPU milliseconds this process has used so far (user + system). */
export const ownCpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
