/**
 * Builds the analyst dashboard page: the browser script (infra/dashboard/page/main.ts, with uPlot and
 * MapLibre GL JS, whose worker module rides along as text) and its styles bundled by esbuild and
 * inlined into one HTML file, so the page needs nothing but the hub.
 * The local runtime builds it at start; the CDK bundling of the dashboard function runs this file
 * (`node --import tsx infra/dashboard/build.ts <directory>`) to put the page beside the function's bundle.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { DASHBOARD_PAGE_FILE, SIGN_IN_PLACEHOLDERS, TIME_ZONE_PLACEHOLDER } from '#shared/http/dashboard';

const pageDirectory = fileURLToPath(new URL('./page/', import.meta.url));

/** uPlot's copyright notice, kept in the page (esbuild drops ordinary comments when minifying). */
const UPLOT_NOTICE =
  '/*! uPlot.js (μPlot) v1.6 | Copyright (c) 2025, Leon Sorokin | MIT License | https://github.com/leeoniya/uPlot */';

/** MapLibre GL JS's copyright notice (BSD-3-Clause asks for it with the binary form). */
const MAPLIBRE_NOTICE =
  '/*! MapLibre GL JS | Copyright (c) 2023, MapLibre contributors; (c) 2020, Mapbox | BSD-3-Clause | https://github.com/maplibre/maplibre-gl-js */';

/** MapLibre's worker module, which it starts by URL: the page holds it as text and starts it from a blob: URL. */
const MAPLIBRE_WORKER_FILE = createRequire(import.meta.url).resolve(
  'maplibre-gl/dist/maplibre-gl-worker.mjs',
);

/** `import code from 'maplibre-gl-worker-code'`: the worker module's text, without its source-map comment. */
const maplibreWorkerCode: Plugin = {
  name: 'maplibre-worker-code',
  setup(context) {
    context.onResolve({ filter: /^maplibre-gl-worker-code$/ }, () => ({
      path: MAPLIBRE_WORKER_FILE,
      namespace: 'maplibre-worker-code',
    }));
    context.onLoad({ filter: /.*/, namespace: 'maplibre-worker-code' }, () => ({
      contents: readFileSync(MAPLIBRE_WORKER_FILE, 'utf8').replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n'),
      loader: 'text',
    }));
  },
};

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The page's Content Security Policy: only its own inline script and style (by hash), requests only to
 * the hub that served it, no plugins, frames or form posts. `worker-src blob:` lets the map start
 * MapLibre's worker from the code the page itself carries (only the hash-pinned script can make a
 * blob: URL); the worker fetches nothing, as the page hands it the GeoJSON it read. Where the hub signs
 * analysts in, the dashboard function adds the provider's origins to `connect-src` when it serves the page.
 */
const contentSecurityPolicy = (script: string, style: string) =>
  [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    "connect-src 'self'",
    'worker-src blob:',
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

/** The dashboard page as one self-contained HTML document (time zone and sign-in still placeholders). */
export const buildDashboardPage = async (): Promise<string> => {
  const result = await build({
    entryPoints: [join(pageDirectory, 'main.ts')],
    outdir: 'dashboard',
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: ['es2022'],
    minify: true,
    legalComments: 'none',
    banner: { js: `${UPLOT_NOTICE}\n${MAPLIBRE_NOTICE}` },
    plugins: [maplibreWorkerCode],
    charset: 'utf8',
    logLevel: 'silent',
  });
  const output = (extension: string): string => {
    const file = result.outputFiles.find((candidate) => candidate.path.endsWith(extension));
    if (!file) throw new Error(`the dashboard build produced no ${extension} file`);
    return file.text.trim();
  };
  const script = output('.js');
  const style = output('.css');
  // Inlined text must not close its own element early.
  if (/<\/script/i.test(script)) throw new Error('the dashboard script contains "</script"');
  if (/<\/style/i.test(style)) throw new Error('the dashboard styles contain "</style"');
  const template = readFileSync(join(pageDirectory, 'index.html'), 'utf8');
  const html = template
    .replace('%CONTENT_SECURITY_POLICY%', () => contentSecurityPolicy(script, style))
    .replace('/* STYLE */', () => style)
    .replace('/* SCRIPT */', () => script);
  for (const placeholder of [TIME_ZONE_PLACEHOLDER, ...Object.values(SIGN_IN_PLACEHOLDERS)]) {
    if (!html.includes(placeholder))
      throw new Error(`infra/dashboard/page/index.html lost its ${placeholder} placeholder`);
  }
  return html;
};

/** Builds the page into `directory` as `dashboard.html`; returns the file's path. */
export const writeDashboardPage = async (directory: string): Promise<string> => {
  const html = await buildDashboardPage();
  mkdirSync(directory, { recursive: true });
  const file = join(directory, DASHBOARD_PAGE_FILE);
  writeFileSync(file, html);
  return file;
};

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [directory] = process.argv.slice(2);
  if (!directory) {
    process.stderr.write('usage: node --import tsx infra/dashboard/build.ts <directory>\n');
    process.exit(2);
  }
  writeDashboardPage(directory).then(
    (file) => process.stdout.write(`dashboard page written to ${file}\n`),
    (error: Error) => {
      process.stderr.write(`dashboard build failed: ${error.message}\n`);
      process.exit(1);
    },
  );
}
