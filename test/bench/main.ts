/**
 * `npm run bench`: cityhub's benchmark suite. Runs each suite in its own Node.js process (the handler
 * modules read their environment once, and CPU figures should not share a process), prints one table
 * (figure | measured | target | ok | how measured) and the cost breakdown of the reference city-day,
 * and with `--json FILE` writes the same as JSON. `--only ingest-cpu,units` runs some suites.
 *
 * Suites (test/bench/suites/): ingest-cpu, recompute, bundles, units (DynamoDB units, EventBridge
 * entries, SQS messages and Lambda time per record against DynamoDB Local), throughput (the local hub
 * end to end), dynamodb-local (what DynamoDB Local's Java process spends per call). The cost model (test/bench/cost-model.ts) prices the units measured.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { functions, queues } from '#shared/topology';
import {
  type CostInputs,
  type CostOfDay,
  costOfDay,
  DESIGN_PRICES,
  type FeedPath,
  type RecomputePath,
  type SupervisionPath,
  scaleInputs,
  usdPerMillionRecords,
} from './cost-model.ts';
import { type Figure, formatNumber, formatTable, type SuiteResult } from './figures.ts';

const SUITES = ['ingest-cpu', 'recompute', 'bundles', 'units', 'throughput', 'dynamodb-local'] as const;
type SuiteName = (typeof SUITES)[number];

/** What the units suite hands over for the cost model. */
interface UnitsData {
  /** Hotline, city-platform and GPS as DESIGN's reference sends it (a minute of the fleet per request). */
  readonly feeds: FeedPath[];
  /** GPS with one request per vehicle-minute, the second case. */
  readonly perVehicleMinute: FeedPath;
  readonly recompute: RecomputePath;
  /** Supervision's minute sweep; the open-items index and notices ride on the hotline and case feeds. */
  readonly supervision: SupervisionPath;
  readonly pointsPerGpsRecord: number;
}

const COST_TARGET_USD = 3;
const COST_TARGET_PER_VEHICLE_MINUTE_USD = 6;
const WRU_TARGET = 2;
const root = fileURLToPath(new URL('../../', import.meta.url));

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  if (index < 0) return undefined;
  const value = process.argv[index + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
};

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Runs one suite in a fresh process; resolves with its result or the reason it failed. */
const runSuite = (name: SuiteName, dir: string): Promise<SuiteResult | Error> =>
  new Promise((resolve) => {
    const out = join(dir, `${name}.json`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'test/bench/suites', `${name}.ts`), '--out', out],
      {
        cwd: root,
        // The handlers' own log lines go to stdout; progress comes on stderr.
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    child.on('error', (error) => resolve(error));
    child.on('exit', (code, signal) => {
      if (code !== 0) return resolve(new Error(`suite ${name} exited with ${signal ?? code}`));
      try {
        resolve(JSON.parse(readFileSync(out, 'utf8')) as SuiteResult);
      } catch (error) {
        resolve(new Error(`suite ${name} wrote no result: ${(error as Error).message}`));
      }
    });
  });

/** What the recompute suite hands over: CPU time of the reference city-day's recompute in memory. */
interface RecomputeData {
  readonly cityDay: { readonly cpuMs: number };
}

/** The reference city-day's cost from the units measured, as figures and a breakdown. */
const costFigures = (
  units: UnitsData,
  recomputeData: RecomputeData | undefined,
): { figures: Figure[]; cost: CostOfDay; inputs: CostInputs } => {
  const inputs: CostInputs = {
    feeds: units.feeds,
    recompute: units.recompute,
    supervision: units.supervision,
    queues: Object.fromEntries(
      Object.entries(queues).map(([name, decl]) => [
        name,
        { batchSize: decl.batchSize, windowSeconds: decl.maxBatchingWindowSeconds },
      ]),
    ),
    idlePolling: { queues: Object.keys(queues).length, pollers: 5, waitSeconds: 20 },
    prices: DESIGN_PRICES,
  };
  const cost = costOfDay(inputs);
  const [hotline, cases, gps] = units.feeds;
  const whole = (feed: FeedPath | undefined) => {
    const perRecord = feed ? cost.perRecord[feed.label] : undefined;
    if (!feed || !perRecord)
      throw new Error('the units suite reported fewer feeds than hotline, city-platform, GPS');
    return perRecord;
  };
  const byService = new Map<string, number>();
  for (const line of cost.lines.filter((entry) => entry.listed))
    byService.set(line.service, (byService.get(line.service) ?? 0) + line.usd);
  const services = [...byService]
    .sort((a, b) => b[1] - a[1])
    .map(([service, usd]) => `${service} ${usd.toFixed(2)}`)
    .join(', ');
  const wholePipeline =
    'ingest, facts/coverage, fanout, its share of the recompute runs (by facts.changed caused), the open-items index and its notices';
  // The recompute's Lambda time was measured against DynamoDB Local, whose Query pages come far slower
  // than DynamoDB's; its compute alone (in memory, recompute suite) bounds that line from below.
  const recomputeLine = cost.lines.find((line) => line.item === 'GB-s: recompute');
  const computeOnlyGbS = recomputeData
    ? cost.recomputeRunsPerDay *
      units.recompute.fullDaysPerRun *
      (recomputeData.cityDay.cpuMs / 1000) *
      (functions.indicators.memoryMb / 1024)
    : undefined;
  const computeOnlyUsd =
    computeOnlyGbS === undefined || !recomputeLine
      ? undefined
      : cost.totalUsd - recomputeLine.usd + computeOnlyGbS * inputs.prices.lambdaPerGbSecond;
  const figures: Figure[] = [
    {
      id: 'units.pipeline.hotline.wru',
      figure: 'DynamoDB write units per ticket event, whole pipeline',
      value: whole(hotline).wru,
      unit: 'WRU',
      digits: 2,
      target: { op: '<=', value: WRU_TARGET },
      how: `${wholePipeline}, at the reference city-day`,
      detail: whole(hotline),
    },
    {
      id: 'units.pipeline.city-platform.wru',
      figure: 'DynamoDB write units per case event, whole pipeline',
      value: whole(cases).wru,
      unit: 'WRU',
      digits: 2,
      target: { op: '<=', value: WRU_TARGET },
      how: 'as above',
      detail: whole(cases),
    },
    {
      id: 'units.pipeline.sanitation.wru',
      figure: 'DynamoDB write units per GPS point, whole pipeline',
      value: whole(gps).wru / units.pointsPerGpsRecord,
      unit: 'WRU',
      digits: 3,
      how: `as above, per point of one-minute records (${units.pointsPerGpsRecord.toFixed(2)} points each)`,
      detail: { ...whole(gps), pointsPerRecord: units.pointsPerGpsRecord },
    },
    {
      id: 'cost.recompute-runs',
      figure: 'indicator recompute runs per reference day',
      value: cost.recomputeRunsPerDay,
      unit: 'runs',
      digits: 0,
      how: `one per batch of the recompute queue (≤ ${queues.recompute.batchSize} facts.changed, window ${queues.recompute.maxBatchingWindowSeconds} s); each reads 1.5 days of facts`,
      detail: { batches: cost.batches },
    },
    {
      id: 'cost.reference-day',
      figure: 'AWS cost of the reference city-day',
      value: cost.totalUsd,
      unit: 'US$',
      digits: 2,
      target: { op: '<=', value: COST_TARGET_USD },
      how: `DESIGN's prices × units measured above: ${services}; Lambda requests (${cost.unlistedUsd.toFixed(2)}) unlisted, not counted`,
      detail: { unlistedUsd: cost.unlistedUsd, recomputeLambdaUsd: recomputeLine?.usd },
    },
    ...(computeOnlyUsd === undefined
      ? []
      : [
          {
            id: 'cost.reference-day.recompute-compute-only',
            figure: 'AWS cost of the reference city-day, recompute Lambda time = its compute only',
            value: computeOnlyUsd,
            unit: 'US$',
            digits: 2,
            target: { op: '<=', value: COST_TARGET_USD },
            how: `as above, but each run's Lambda time is the in-memory recompute of 1.5 reference days (${((recomputeData?.cityDay.cpuMs ?? 0) * 1.5).toFixed(0)} ms), not the time waiting for DynamoDB Local`,
            detail: { recomputeLambdaGbSeconds: computeOnlyGbS },
          } satisfies Figure,
        ]),
  ];
  // The second case: the same day with one GPS request per vehicle-minute.
  const perVehicleMinuteInputs: CostInputs = {
    ...inputs,
    feeds: [...units.feeds.slice(0, -1), units.perVehicleMinute],
  };
  const perVehicleMinuteCost = costOfDay(perVehicleMinuteInputs);
  figures.push({
    id: 'cost.reference-day.per-vehicle-minute',
    figure: 'AWS cost of the reference city-day, one GPS request per vehicle-minute',
    value: perVehicleMinuteCost.totalUsd,
    unit: 'US$',
    digits: 2,
    target: { op: '<=', value: COST_TARGET_PER_VEHICLE_MINUTE_USD },
    how: `as the reference, GPS units measured with one request per vehicle-minute (${units.perVehicleMinute.wru.toFixed(2)} WRU, ${units.perVehicleMinute.rru.toFixed(2)} RRU, ${units.perVehicleMinute.busEntries.toFixed(2)} bus entries a record)`,
    detail: { lines: perVehicleMinuteCost.lines.filter((line) => line.item.includes('vehicle-minute')) },
  });
  figures.push(...scaleFigures(inputs));
  return { figures, cost, inputs };
};

/** Cities this many times the reference: cost per record of each, and how 10× compares with 1×. */
const SCALES = [1, 3, 10] as const;
const SCALE_RATIO_TARGET = 1.1;

const scaleFigures = (inputs: CostInputs): Figure[] => {
  const perRecord = SCALES.map((factor) => {
    const scaled = scaleInputs(inputs, factor);
    return { factor, usdPerMillion: usdPerMillionRecords(scaled, costOfDay(scaled)) };
  });
  const [one] = perRecord;
  const ten = perRecord.at(-1);
  return [
    ...perRecord.map(
      ({ factor, usdPerMillion }): Figure => ({
        id: `cost.scale.${factor}x`,
        figure: `AWS cost per million records, city ${factor}× the reference`,
        value: usdPerMillion,
        unit: 'US$',
        digits: 2,
        how: `${factor}× the tickets, cases, fleet and roads (records, bytes of facts, areas); units per record as measured, batches and runs from the rates`,
      }),
    ),
    {
      id: 'cost.scale.ratio',
      figure: 'cost per record at 10× the reference city, relative to 1×',
      value: (ten?.usdPerMillion ?? 0) / (one?.usdPerMillion ?? 1),
      unit: '×',
      digits: 3,
      target: { op: '<=', value: SCALE_RATIO_TARGET },
      how: 'the two figures above',
    },
  ];
};

const costTable = (cost: CostOfDay): string => {
  const rows = cost.lines.map((line) => [
    line.service,
    line.item,
    `${formatNumber(line.quantity)} ${line.unit}`,
    `${line.listed ? '' : '('}US$ ${line.usd.toFixed(3)}${line.listed ? '' : ')'}`,
  ]);
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          column >= 2 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
};

const main = async () => {
  const jsonFile = argument('--json');
  const only = argument('--only')?.split(',');
  const unknown = only?.filter((name) => !SUITES.includes(name as SuiteName));
  if (unknown?.length)
    throw new Error(`unknown suite(s) ${unknown.join(', ')}; suites: ${SUITES.join(', ')}`);
  const selected = SUITES.filter((name) => !only || only.includes(name));
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    loadAverageAtStart: loadavg().map((load) => Number(load.toFixed(2))),
  };
  const startedAt = new Date();
  log(
    `cityhub bench: ${selected.join(', ')} on ${machine.cores} × ${machine.cpu}, Node.js ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'cityhub-bench-'));
  const results: Partial<Record<SuiteName, SuiteResult>> = {};
  const failures: string[] = [];
  try {
    for (const [index, name] of selected.entries()) {
      const started = performance.now();
      log(`▶ ${name} (${index + 1} of ${selected.length})`);
      const result = await runSuite(name, dir);
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      if (result instanceof Error) {
        failures.push(result.message);
        log(`✗ ${name}: ${result.message} (${seconds} s)`);
      } else {
        results[name] = result;
        log(`✓ ${name} in ${seconds} s`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const order: SuiteName[] = ['ingest-cpu', 'throughput', 'dynamodb-local', 'units', 'recompute', 'bundles'];
  const figures = order.flatMap((name) => results[name]?.figures ?? []);
  let cost: ReturnType<typeof costFigures> | undefined;
  const units = results.units?.data as UnitsData | undefined;
  if (units) {
    cost = costFigures(units, results.recompute?.data as RecomputeData | undefined);
    figures.push(...cost.figures);
  }
  const totalSeconds = (Date.now() - startedAt.getTime()) / 1000;
  process.stdout.write(`\n${formatTable(figures)}\n`);
  if (cost)
    process.stdout.write(`\nReference city-day, cost per line (US$, on-demand):\n${costTable(cost.cost)}\n`);
  process.stdout.write(
    `\n${figures.length} figures in ${totalSeconds.toFixed(0)} s; ${figures.filter((figure) => figure.target && !(figure.target.op === '<=' ? figure.value <= figure.target.value : figure.value >= figure.target.value)).length} miss their target.\n`,
  );
  if (jsonFile) {
    writeFileSync(
      jsonFile,
      `${JSON.stringify(
        {
          startedAt: startedAt.toISOString(),
          seconds: totalSeconds,
          machine: { ...machine, loadAverageAtEnd: loadavg().map((load) => Number(load.toFixed(2))) },
          figures,
          cost: cost ? { ...cost.cost, inputs: cost.inputs } : undefined,
          suites: Object.fromEntries(
            Object.entries(results).map(([name, result]) => [
              name,
              { seconds: result.seconds, data: result.data },
            ]),
          ),
          failures,
        },
        null,
        2,
      )}\n`,
    );
    log(`wrote ${jsonFile}`);
  }
  if (failures.length > 0) {
    log(`bench: ${failures.length} suite(s) failed: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
};

main().catch((error: Error) => {
  log(`bench failed: ${error.message}`);
  process.exit(1);
});
