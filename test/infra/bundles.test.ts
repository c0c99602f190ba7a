import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { type FunctionDecl, functions } from '#shared/topology';

/** The largest bundle (without its source map) a function may ship. */
/** Every bundle stays under 500 KB minified, source maps aside (zod is imported as `* as z` so unused parts drop). */
const MAX_BUNDLE_BYTES = 500 * 1024;

const root = fileURLToPath(new URL('../../', import.meta.url));
const outdir = mkdtempSync(join(tmpdir(), 'cityhub-bundles-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Bundles an entry the way ServiceFunction (infra/constructs/service-function.ts) has esbuild do it. */
const bundle = async (name: string, decl: FunctionDecl): Promise<number> => {
  const outfile = join(outdir, name, 'index.mjs');
  await build({
    entryPoints: [join(root, decl.entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    // bundleAwsSDK: false – the runtime provides the AWS SDK v3.
    external: ['@aws-sdk/*'],
    banner: {
      js: "import { createRequire as __cityhubCreateRequire } from 'node:module'; const require = __cityhubCreateRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
  return statSync(outfile).size;
};

describe('function bundles', () => {
  it.each(Object.entries<FunctionDecl>(functions))(
    'bundles %s into at most 500 KB',
    async (name, decl) => {
      const bytes = await bundle(name, decl);
      console.info(`bundle ${name}: ${(bytes / 1024).toFixed(1)} KB`);
      expect(bytes, `${name} bundle is ${(bytes / 1024).toFixed(1)} KB`).toBeLessThanOrEqual(
        MAX_BUNDLE_BYTES,
      );
    },
    60_000,
  );
});
