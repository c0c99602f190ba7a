import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering rule of docs/architecture.md: the domain is pure (no awaits, no I/O) and knows only
 * itself, schemas and event definitions; use-cases (`shared/app`) declare their ports and never reach
 * for an adapter; adapters implement ports; only the composition root, handlers and the local runtime
 * wire concrete adapters together.
 */
const root = new URL('..', import.meta.url).pathname;

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });

/** Every module a file imports (static, dynamic and type-only). */
const importsOf = (file: string): string[] => {
  const text = readFileSync(join(root, file), 'utf8');
  const found = [
    ...text.matchAll(/(?:^|\s)(?:import|export)\s[^'"`;]*?from\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/(?:^|\s)import\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ];
  return found.map((match) => match[1] as string);
};

/** The layer a module specifier names, or undefined for packages and Node built-ins. */
const layerOf = (specifier: string): string | undefined => {
  const match = /^#(shared\/[a-z-]+|functions|infra)/.exec(specifier);
  if (!match) return specifier.startsWith('.') ? 'relative' : undefined;
  const [, layer] = match;
  return layer === 'shared/topology' || layer === 'shared/config' ? 'shared/declarations' : layer;
};

const forbidden: Record<string, { layers: string[]; packages: RegExp }> = {
  'shared/domain': {
    layers: [
      'shared/app',
      'shared/adapters',
      'shared/composition',
      'shared/http',
      'shared/declarations',
      'functions',
      'infra',
      'relative',
    ],
    packages:
      /^(node:(fs|http|https|net|dns|dgram|child_process|worker_threads)|@aws-sdk\/|@middy\/|@aws-lambda-powertools\/)/,
  },
  'shared/app': {
    layers: ['shared/adapters', 'shared/composition', 'shared/http', 'functions', 'infra', 'relative'],
    packages: /^(node:(fs|http|https|net|dns|dgram|child_process)|@aws-sdk\/|@middy\/)/,
  },
  'shared/adapters': {
    layers: ['shared/composition', 'shared/http', 'functions', 'infra', 'relative'],
    packages: /^$/,
  },
  'shared/schemas': {
    layers: ['shared/app', 'shared/adapters', 'shared/composition', 'functions', 'infra', 'relative'],
    packages: /^(@aws-sdk\/|@middy\/)/,
  },
  'shared/events': {
    layers: ['shared/app', 'shared/adapters', 'shared/composition', 'functions', 'infra', 'relative'],
    packages: /^(@aws-sdk\/|@middy\/)/,
  },
};

const violations = (dir: string) => {
  const rule = forbidden[dir];
  if (!rule) throw new Error(`no rule for ${dir}`);
  return sourceFiles(dir).flatMap((file) =>
    importsOf(file)
      .filter((specifier) => {
        const layer = layerOf(specifier);
        return layer === undefined ? rule.packages.test(specifier) : rule.layers.includes(layer);
      })
      .map((specifier) => `${relative(root, join(root, file))} imports ${specifier}`),
  );
};

/** The `shared/` modules each `shared/` module imports (any form, type-only included), as file paths. */
const sharedImportGraph = (): Map<string, string[]> =>
  new Map(
    sourceFiles('shared').map((file) => [
      file,
      importsOf(file)
        .filter((specifier) => specifier.startsWith('#shared/'))
        .map((specifier) => `${specifier.slice(1)}.ts`),
    ]),
  );

/**
 * Import cycles of a graph, each as the modules along it with the first repeated at the end
 * (`a → b → a`): a depth-first search reports every edge back into its current path, so a graph with
 * a cycle yields at least one, and one without a cycle yields none.
 */
const importCycles = (graph: ReadonlyMap<string, readonly string[]>): string[][] => {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (module: string) => {
    const start = path.indexOf(module);
    if (start >= 0) {
      cycles.push([...path.slice(start), module]);
      return;
    }
    if (done.has(module)) return;
    path.push(module);
    for (const next of graph.get(module) ?? []) visit(next);
    path.pop();
    done.add(module);
  };
  for (const module of [...graph.keys()].sort()) visit(module);
  return cycles;
};

describe('layering', () => {
  it.each(Object.keys(forbidden))('%s imports only what its layer may', (dir) => {
    expect(violations(dir)).toEqual([]);
  });

  it('keeps the domain free of awaits and promises', () => {
    const impure = sourceFiles('shared/domain').filter((file) =>
      /\bawait\b|\basync\b|Promise</.test(readFileSync(join(root, file), 'utf8')),
    );
    expect(impure).toEqual([]);
  });

  it('keeps shared code free of imports from the CDK app, the local runtime and the handlers', () => {
    const outward = sourceFiles('shared').flatMap((file) =>
      importsOf(file)
        .filter((specifier) => /^#(functions|infra)\//.test(specifier) || specifier.startsWith('aws-cdk-lib'))
        .map((specifier) => `${file} imports ${specifier}`),
    );
    expect(outward).toEqual([]);
  });

  it('finds imports of every form, so the rules above can fail', () => {
    const probe = importsOf('test/architecture.test.ts');
    expect(probe).toEqual(expect.arrayContaining(['node:fs', 'node:path', 'vitest']));
    expect(layerOf('#shared/adapters/dynamo')).toBe('shared/adapters');
    expect(layerOf('#shared/topology')).toBe('shared/declarations');
    expect(layerOf('../x.ts')).toBe('relative');
    expect(layerOf('zod')).toBeUndefined();
  });

  it('has no import cycle among shared modules (type-only imports included)', () => {
    const graph = sharedImportGraph();
    const unresolved = [...graph].flatMap(([file, targets]) =>
      targets.filter((target) => !graph.has(target)).map((target) => `${file} imports ${target}`),
    );
    expect(unresolved).toEqual([]);
    expect(importCycles(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
    // The search finds a cycle where there is one.
    const probe = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
    ]);
    expect(importCycles(probe)).toEqual([['a', 'b', 'c', 'a']]);
  });
});
