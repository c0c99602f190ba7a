/**
 * What a benchmark suite reports: figures (a measured value, its unit, an optional target and how it was
 * measured), plus raw measurements other parts of `npm run bench` build on (e.g. the cost model).
 */
import { writeFileSync } from 'node:fs';

/** A bound a figure should stay within. */
export interface Target {
  readonly op: '<=' | '>=';
  readonly value: number;
}

/** One figure of the benchmark table. */
export interface Figure {
  /** Stable key, e.g. `ingest.cpu.hotline`. */
  readonly id: string;
  /** What is measured, in words. */
  readonly figure: string;
  readonly value: number;
  /** Unit of `value`, e.g. `µs/record`. */
  readonly unit: string;
  /** Decimals to print (default: 3 significant digits). */
  readonly digits?: number;
  readonly target?: Target;
  /** How it was measured, in one line. */
  readonly how: string;
  /** Further numbers behind the figure (spread of runs, breakdowns). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** What a suite hands back to `test/bench/main.ts`. */
export interface SuiteResult<Data = unknown> {
  readonly suite: string;
  readonly seconds: number;
  readonly figures: Figure[];
  readonly data?: Data;
}

/** Whether a figure meets its target (undefined without a target). */
export const meetsTarget = (figure: Pick<Figure, 'value' | 'target'>): boolean | undefined => {
  if (!figure.target) return undefined;
  // A figure that could not be measured (NaN, or null once it crossed a suite's JSON) meets nothing.
  if (typeof figure.value !== 'number' || !Number.isFinite(figure.value)) return false;
  return figure.target.op === '<='
    ? figure.value <= figure.target.value
    : figure.value >= figure.target.value;
};

/** A number with `digits` decimals, or 3 significant digits (thousands separated). */
export const formatNumber = (value: number, digits?: number): string => {
  if (!Number.isFinite(value)) return String(value);
  if (digits !== undefined)
    return value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const magnitude = Math.abs(value);
  const decimals = magnitude === 0 || magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return value.toLocaleString('en', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
};

const withUnit = (value: string, unit: string) => (unit === 'US$' ? `US$ ${value}` : `${value} ${unit}`);

/** The printed cells of a figure: figure, measured, target, ok, how measured. */
export const figureCells = (figure: Figure): [string, string, string, string, string] => {
  const ok = meetsTarget(figure);
  return [
    figure.figure,
    withUnit(formatNumber(figure.value, figure.digits), figure.unit),
    figure.target ? withUnit(`${figure.target.op} ${formatNumber(figure.target.value)}`, figure.unit) : '',
    ok === undefined ? '' : ok ? 'yes' : 'NO',
    figure.how,
  ];
};

/** A plain-text table (figure | measured | target | ok | how measured); the last column is not padded. */
export const formatTable = (figures: readonly Figure[]): string => {
  const header: [string, string, string, string, string] = [
    'figure',
    'measured',
    'target',
    'ok',
    'how measured',
  ];
  const rows = [header, ...figures.map(figureCells)];
  const widths = header.map((_, column) =>
    column === header.length - 1 ? 0 : Math.max(...rows.map((row) => [...(row[column] ?? '')].length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join(' | ')
      .trimEnd();
  const rule = widths
    .map((width, column) => '-'.repeat(column === widths.length - 1 ? 12 : width))
    .join('-|-');
  return [line(header), rule, ...rows.slice(1).map(line)].join('\n');
};

/** Median of numbers (the mean of the middle two for an even count). */
export const median = (values: readonly number[]): number => {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** Progress line of a suite, on stderr (stdout carries the handlers' own log lines). */
export const progress = (suite: string, message: string): void => {
  process.stderr.write(`  [${suite}] ${message}\n`);
};

/**
 * Runs a suite as a script: `tsx test/bench/suites/<name>.ts --out FILE` writes its {@link SuiteResult}
 * as JSON to FILE (and prints its figures when run alone without `--out`).
 */
export const runSuite = <Data>(
  suite: string,
  body: () => Promise<{ figures: Figure[]; data?: Data }>,
): void => {
  const started = performance.now();
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex >= 0 ? process.argv[outIndex + 1] : undefined;
  body()
    .then(({ figures, data }) => {
      const result: SuiteResult<Data> = {
        suite,
        seconds: (performance.now() - started) / 1000,
        figures,
        ...(data === undefined ? {} : { data }),
      };
      if (out) writeFileSync(out, JSON.stringify(result, null, 2));
      else process.stderr.write(`${formatTable(figures)}\n`);
      // Handlers keep sockets and timers of their SDK clients; the suite is done.
      process.exit(0);
    })
    .catch((error: Error) => {
      process.stderr.write(`bench suite ${suite} failed: ${error.stack ?? error.message}\n`);
      process.exit(1);
    });
};
