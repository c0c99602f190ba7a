import { fileURLToPath } from 'node:url';

/**
 * esbuild `alias` of every Lambda bundle: the SDK's default credential chain is replaced by the
 * environment provider (shared/adapters/lambda-credentials.ts), so bundling the AWS SDK keeps each
 * function under 500 KB and loading it under 150 ms (docs/performance.md).
 */
export const LAMBDA_ALIAS: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': fileURLToPath(
    new URL('../../shared/adapters/lambda-credentials.ts', import.meta.url),
  ),
};

/**
 * Packages left out of every Lambda bundle: `jose` checks access tokens only in the local runtime's
 * OIDC mode (shared/http/auth.ts imports it there alone); deployed, API Gateway's JWT authorizer does.
 */
export const LAMBDA_EXTERNALS: readonly string[] = ['jose'];

/**
 * ESM bundles have no `require`; some CommonJS dependencies bundled into them still call it.
 * This banner gives them one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __cityhubCreateRequire } from 'node:module'; const require = __cityhubCreateRequire(import.meta.url);";

/**
 * The esbuild options ServiceFunction's bundling comes down to (ESM, minified, source map without
 * sources, the AWS SDK bundled through {@link LAMBDA_ALIAS}), for building a function's bundle outside
 * the CDK: the bundle-size test, the benchmarks.
 */
export const lambdaBuildOptions = (entry: string, outfile: string) => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node' as const,
  format: 'esm' as const,
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  alias: { ...LAMBDA_ALIAS },
  external: [...LAMBDA_EXTERNALS],
  banner: { js: ESM_REQUIRE_BANNER },
  logLevel: 'silent' as const,
});
