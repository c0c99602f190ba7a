/** Writes progress of long work to a stream. */
export interface Progress {
  /** `done` of the total are finished. */
  update(done: number): void;
  /** Ends the bar (a newline on a terminal). */
  finish(): void;
}

const WIDTH = 30;

/**
 * A progress bar for `total` units of work: redrawn in place on a terminal, and one line per quarter
 * when the stream is a file or a pipe (so logs stay readable).
 */
export const progressBar = (
  label: string,
  total: number,
  stream: { write(text: string): unknown; isTTY?: boolean } = process.stderr,
): Progress => {
  let lastQuarter = 0;
  let last = -1;
  const render = (done: number) => {
    const filled = total === 0 ? WIDTH : Math.round((done / total) * WIDTH);
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${percent}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
  };
  return {
    update(done) {
      if (done === last) return;
      last = done;
      if (stream.isTTY) {
        stream.write(`\r${render(done)}`);
        return;
      }
      const quarter = total === 0 ? 4 : Math.floor((done / total) * 4);
      if (quarter > lastQuarter) {
        lastQuarter = quarter;
        stream.write(`${render(done)}\n`);
      }
    },
    finish() {
      if (stream.isTTY) stream.write('\n');
    },
  };
};
