import { addDays, localDate, zonedTime } from '#shared/domain/time';
import type { ScheduleDecl } from '#shared/topology';

const MINUTE_MS = 60_000;

/**
 * The next instant after `now` at which the city's wall clock shows the schedule's hour and minute, or
 * (a schedule of every few minutes) the start of its next minute.
 */
export const nextRun = (schedule: ScheduleDecl, now: number, timeZone: string): number => {
  if ('everyMinutes' in schedule) {
    const step = schedule.everyMinutes * MINUTE_MS;
    return (Math.floor(now / step) + 1) * step;
  }
  const minute = schedule.hour * 60 + schedule.minute;
  const today = localDate(now, timeZone);
  const candidate = zonedTime(today, minute, timeZone);
  return candidate > now ? candidate : zonedTime(addDays(today, 1), minute, timeZone);
};

/**
 * Runs each declared schedule every day at its local time in the city time zone, as EventBridge
 * Scheduler does when deployed. Failures are reported and the next day's run still happens.
 */
export class LocalScheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly schedules: readonly ScheduleDecl[],
    private readonly timeZone: string,
    private readonly run: (schedule: ScheduleDecl) => Promise<unknown>,
    private readonly onError: (schedule: ScheduleDecl, error: Error) => void,
  ) {}

  start(): void {
    for (const schedule of this.schedules) this.arm(schedule);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(schedule: ScheduleDecl): void {
    if (this.stopped) return;
    const now = Date.now();
    const period = 'everyMinutes' in schedule ? schedule.everyMinutes * 60_000 : 86_400_000;
    const delay = Math.min(nextRun(schedule, now, this.timeZone) - now, period);
    // setTimeout holds at most ~24.8 days; a day-ahead delay always fits. (A test that sets the clock
    // back makes the delay longer than the schedule's period: capped, so the schedule keeps running.)
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.run(schedule)
        .catch((error: Error) => this.onError(schedule, error))
        .finally(() => this.arm(schedule));
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}
