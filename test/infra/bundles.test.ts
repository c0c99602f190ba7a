import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '#infra/constructs/bundling';
import { type FunctionDecl, functions } from '#shared/topology';

/**
 * Every bundle, AWS SDK included, stays under 500 KB minified, source maps aside (zod is imported as
 * `* as z` so unused parts drop; the SDK's default credential chain is replaced by the environment provider).
 */
const MAX_BUNDLE_BYTES = 500 * 1024;

const root = fileURLToPath(new URL('../../', import.meta.url));
const outdir = mkdtempSync(join(tmpdir(), 'cityhub-bundles-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Bundles an entry the way ServiceFunction (infra/constructs/service-function.ts) has esbuild do it. */
const bundle = async (name: string, decl: FunctionDecl): Promise<number> => {
  const outfile = join(outdir, name, 'index.mjs');
  await build(lambdaBuildOptions(join(root, decl.entry), outfile));
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

describe('the credentials of a bundled function', () => {
  it("come from the environment, as Lambda gives a function its role's credentials", async () => {
    const entry = join(outdir, 'credentials-entry.ts');
    writeFileSync(
      entry,
      `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const credentials = await new DynamoDBClient({ region: 'us-east-1' }).config.credentials();
console.log(JSON.stringify({ id: credentials.accessKeyId, token: credentials.sessionToken }));`,
    );
    const outfile = join(outdir, 'credentials.mjs');
    await build({
      ...lambdaBuildOptions(entry, outfile),
      nodePaths: [join(root, 'node_modules')],
      metafile: true,
    }).then((result) => {
      // The default chain's providers are not in the bundle.
      const inputs = Object.keys(result.metafile.inputs).join('\n');
      expect(inputs).toContain('credential-provider-env');
      expect(inputs).not.toMatch(/credential-provider-(ini|sso|node)\//);
    });
    const run = (env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, [outfile], {
        env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
        encoding: 'utf8',
      });
    const withKeys = run({
      AWS_ACCESS_KEY_ID: 'AKIDLAMBDA',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'session',
    });
    expect(withKeys.stderr).toBe('');
    expect(JSON.parse(withKeys.stdout)).toEqual({ id: 'AKIDLAMBDA', token: 'session' });
    const without = run({});
    expect(without.status).not.toBe(0);
    expect(without.stderr).toContain('Unable to find environment variable credentials');
  }, 60_000);
});
