/** Delays before each retry of a failed delivery, in seconds (CONTRACT §7): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE_S: readonly number[] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

/** Reads `1,2,3` (seconds); the default schedule when absent. */
export const parseRetrySchedule = (text: string | undefined): number[] => {
  if (!text) return [...DEFAULT_RETRY_SCHEDULE_S];
  const delays = text.split(',').map((part) => Number(part.trim()));
  if (
    delays.length === 0 ||
    delays.some((delay) => !Number.isInteger(delay) || delay < 0 || delay > 43_200)
  ) {
    throw new Error(
      `retry schedule ${JSON.stringify(text)} must be comma-separated whole seconds from 0 to 43200`,
    );
  }
  return delays;
};
