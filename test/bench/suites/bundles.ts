/**
 * Each Lambda bundle's size and cold-load time. Every function of shared/topology.ts is bundled the way
 * ServiceFunction (infra/constructs/service-function.ts) has esbuild do it (ESM, minified, source map,
 * AWS SDK bundled without its default credential chain), into node_modules/.cache. Cold load: a fresh `node --enable-source-maps` process
 * (as the functions run: NODE_OPTIONS=--enable-source-maps) with the environment the handler reads
 * at import times `await import(bundle)` from inside; the figure is the median of several processes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { lambdaBuildOptions } from '#infra/constructs/bundling';
import { type FunctionDecl, type FunctionName, functions } from '#shared/topology';
import { type Figure, median, progress, runSuite } from '../figures.ts';
import { handlerEnv } from '../lambda-env.ts';

const SUITE = 'bundles';
const MAX_BUNDLE_KB = 500;
const MAX_COLD_LOAD_MS = 150;
const LOADS = Number(process.env.BENCH_COLD_LOADS ?? 5);

const root = fileURLToPath(new URL('../../../', import.meta.url));
const outdir = join(root, 'node_modules', '.cache', 'cityhub-bench', 'bundles');

/** Bundles an entry as ServiceFunction does; returns the bundle's path and the packages it leaves external. */
const bundle = async (name: string, decl: FunctionDecl): Promise<{ file: string; externals: string[] }> => {
  const outfile = join(outdir, name, 'index.mjs');
  const result = await build({ ...lambdaBuildOptions(join(root, decl.entry), outfile), metafile: true });
  const externals = Object.values(result.metafile.outputs).flatMap((output) =>
    output.imports
      .filter((entry) => entry.external && entry.path.startsWith('@aws-sdk/'))
      .map((entry) => entry.path),
  );
  return { file: outfile, externals: [...new Set(externals)].sort() };
};

/**
 * Script of the fresh process: imports the AWS SDK packages the bundle leaves external (the runtime's
 * copy on Lambda), then the bundle, timing both; prints JSON.
 */
const LOADER = `
const started = performance.now();
const cpu = process.cpuUsage();
for (const name of JSON.parse(process.argv[2])) await import(name);
const sdkDone = performance.now();
await import(process.argv[1]);
const done = performance.now();
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({
  ms: done - started,
  sdkMs: sdkDone - started,
  ownMs: done - sdkDone,
  cpuMs: (used.user + used.system) / 1000,
}));
process.exit(0);
`;

interface Load {
  readonly ms: number;
  readonly sdkMs: number;
  readonly ownMs: number;
  readonly cpuMs: number;
  readonly processMs: number;
}

/** One cold load in a fresh process: import times (wall and CPU) and the whole process's wall time. */
const coldLoad = (file: string, externals: string[], env: NodeJS.ProcessEnv): Load => {
  const started = performance.now();
  const run = spawnSync(
    process.execPath,
    [
      '--enable-source-maps',
      '--input-type=module',
      '-e',
      LOADER,
      pathToFileURL(file).href,
      JSON.stringify(externals),
    ],
    { cwd: root, env, encoding: 'utf8', timeout: 30_000 },
  );
  const processMs = performance.now() - started;
  if (run.status !== 0) {
    const reason = `${run.stderr || run.error?.message}`.split('\n').find((line) => /Error/.test(line));
    throw new Error(reason ?? `exit code ${run.status}`);
  }
  return { ...(JSON.parse(run.stdout) as Omit<Load, 'processMs'>), processMs };
};

runSuite(SUITE, async () => {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  // The dashboard function reads its page at cold start; the deployment builds it beside the bundle.
  const page = join(outdir, 'dashboard.html');
  writeFileSync(
    page,
    "<!doctype html><title>cityhub</title><script>const zone = '%CITY_TIMEZONE%';</script>",
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ...handlerEnv(),
    DASHBOARD_PAGE: page,
  };
  const figures: Figure[] = [];
  const sizes: Record<
    string,
    { kb: number; mapKb: number; coldLoadMs: number; awsSdkMs: number; bundleOwnMs: number }
  > = {};
  for (const [name, decl] of Object.entries(functions) as [FunctionName, FunctionDecl][]) {
    progress(SUITE, `${name}: bundle and ${LOADS} cold loads`);
    const { file, externals } = await bundle(name, decl);
    const kb = statSync(file).size / 1024;
    const mapKb = statSync(`${file}.map`).size / 1024;
    let loads: Load[] = [];
    let failure: string | undefined;
    try {
      loads = Array.from({ length: LOADS }, () =>
        coldLoad(file, externals, { ...env, AWS_LAMBDA_FUNCTION_NAME: `cityhub-bench-${name}` }),
      );
    } catch (error) {
      failure = (error as Error).message;
      progress(SUITE, `${name}: cold load failed: ${failure}`);
    }
    const coldLoadMs = failure ? Number.NaN : median(loads.map((load) => load.ms));
    const coldLoadCpuMs = failure ? Number.NaN : median(loads.map((load) => load.cpuMs));
    sizes[name] = {
      kb,
      mapKb,
      coldLoadMs,
      awsSdkMs: failure ? Number.NaN : median(loads.map((load) => load.sdkMs)),
      bundleOwnMs: failure ? Number.NaN : median(loads.map((load) => load.ownMs)),
    };
    figures.push(
      {
        id: `bundle.size.${name}`,
        figure: `bundle size: ${name}`,
        value: kb,
        unit: 'KB',
        digits: 1,
        target: { op: '<=', value: MAX_BUNDLE_KB },
        how: 'esbuild as ServiceFunction bundles it (ESM, minified, AWS SDK bundled without its default credential chain); source map not counted',
        detail: { sourceMapKb: mapKb },
      },
      {
        id: `bundle.cold-load.${name}`,
        figure: `cold load: ${name}`,
        value: coldLoadMs,
        unit: 'ms',
        digits: 0,
        target: { op: '<=', value: MAX_COLD_LOAD_MS },
        how: failure
          ? `failed to load: ${failure}`
          : `import of the bundle (AWS SDK inside), timed inside a fresh node --enable-source-maps process; median of ${LOADS}`,
        detail: failure
          ? { failure }
          : {
              awsSdkMs: median(loads.map((load) => load.sdkMs)),
              bundleOwnMs: median(loads.map((load) => load.ownMs)),
              awsSdkPackages: externals,
              cpuMs: coldLoadCpuMs,
              rangeMs: [Math.min(...loads.map((load) => load.ms)), Math.max(...loads.map((load) => load.ms))],
              processMs: median(loads.map((load) => load.processMs)),
            },
      },
    );
  }
  return { figures, data: sizes };
});
