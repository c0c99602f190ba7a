import { describe, expect, it } from 'vitest';
import { ownCpuMs, processCpuMs } from './process-cpu.ts';

describe('processCpuMs', () => {
  it('reads a process’s CPU time from /proc as process.cpuUsage counts it', () => {
    const before = { proc: processCpuMs(process.pid), own: ownCpuMs() };
    // Half a second of CPU, however busy the machine (/proc counts in clock ticks of 10 ms).
    let spins = 0;
    while (ownCpuMs() - before.own < 500) spins += 1;
    const used = { proc: processCpuMs(process.pid) - before.proc, own: ownCpuMs() - before.own };
    expect(spins).toBeGreaterThan(0);
    expect(used.own).toBeGreaterThanOrEqual(500);
    expect(Math.abs(used.proc - used.own)).toBeLessThan(60);
  });

  it('refuses a process that does not exist', () => {
    expect(() => processCpuMs(2 ** 22 + 1)).toThrow();
  });
});
