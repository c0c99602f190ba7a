import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubProcess, startHubProcess, stopHubProcess } from '../support/hub-process.ts';

/**
 * Every ```sh and ```js block of README.md, run in order on a fresh hub with the demo city, as a
 * reader would run them: from a directory that looks like the repository (its entries linked) and
 * holds the hub's state file at `.cityhub/local.json`, where the README's blocks read the URL,
 * tokens and secrets. The `sh` blocks share one shell's variables (`set -a`, carried from block to
 * block), as they would in one terminal; a `js` block runs as an ES module. A block preceded by
 * `<!-- not run: <reason> -->` is skipped; a marker without a reason fails.
 */
const root = new URL('../..', import.meta.url).pathname;

interface Block {
  /** Line of the opening fence in README.md, 1-based. */
  readonly line: number;
  readonly lang: 'sh' | 'js';
  readonly code: string;
  /** Why it is not run, when it is marked so. */
  readonly notRun?: string;
}

/** The sh and js blocks of a Markdown text, with the reason of a `not run` marker on the line before. */
const blocksOf = (markdown: string): Block[] => {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const fence = /^```(\w*)\s*$/.exec(lines[index] ?? '');
    if (!fence) continue;
    const end = lines.findIndex((line, at) => at > index && line.startsWith('```'));
    if (end < 0) throw new Error(`README.md:${index + 1}: the block is never closed`);
    const lang = fence[1];
    if (lang === 'sh' || lang === 'js') {
      const marker = /^<!--\s*not run(?::\s*(.*?))?\s*-->\s*$/.exec(lines[index - 1] ?? '');
      if (marker && !marker[1]) throw new Error(`README.md:${index}: a not-run marker must say why`);
      blocks.push({
        line: index + 1,
        lang,
        code: lines.slice(index + 1, end).join('\n'),
        ...(marker?.[1] ? { notRun: marker[1] } : {}),
      });
    }
    index = end;
  }
  return blocks;
};

const blocks = blocksOf(readFileSync(join(root, 'README.md'), 'utf8'));
let hub: HubProcess | undefined;
let work = '';

beforeAll(async () => {
  hub = await startHubProcess([]);
  const deadline = Date.now() + 240_000;
  while (!/demo city loaded/.test(hub.output())) {
    if (Date.now() > deadline) throw new Error(`demo not loaded within 240 s: ${hub.output()}`);
    if (hub.child.exitCode !== null) throw new Error(`hub exited: ${hub.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  work = mkdtempSync(join(tmpdir(), 'cityhub-readme-'));
  for (const entry of readdirSync(root))
    if (!['.git', '.cityhub', 'cdk.out', 'test-artifacts'].includes(entry))
      symlinkSync(join(root, entry), join(work, entry));
  mkdirSync(join(work, '.cityhub'));
  copyFileSync(hub.stateFile, join(work, '.cityhub', 'local.json'));
}, 300_000);
afterAll(async () => stopHubProcess(hub), 20_000);

/** Runs a block in the reader's directory; sh blocks see the variables earlier blocks set. */
const run = (block: Block, index: number) => {
  const env = { ...process.env, NO_COLOR: '1' };
  if (block.lang === 'js') {
    const file = join(work, `readme-block-${index}.mjs`);
    writeFileSync(file, block.code);
    return spawnSync(process.execPath, [file], { cwd: work, env, encoding: 'utf8', timeout: 240_000 });
  }
  const script = [
    'set -a',
    '[ -f .readme-env ] && . ./.readme-env',
    'set -eo pipefail',
    block.code,
    'export -p | grep -v -e " PWD=" -e " OLDPWD=" -e " SHLVL=" > .readme-env',
  ].join('\n');
  return spawnSync('bash', ['-c', script], { cwd: work, env, encoding: 'utf8', timeout: 240_000 });
};

describe('README.md', () => {
  it('has sh and js blocks to run, and few marked not to run', () => {
    expect(blocks.filter((block) => !block.notRun).length).toBeGreaterThanOrEqual(4);
    expect(blocks.filter((block) => block.notRun).length).toBeLessThanOrEqual(3);
  });

  it.each(
    blocks.map((block, index) => ({ ...block, index, name: `README.md:${block.line} (${block.lang})` })),
  )(
    'runs $name',
    (block) => {
      if (block.notRun) return; // Marked in the README with its reason; see blocksOf.
      const result = run(block, block.index);
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
      expect(
        result.status,
        `README.md:${block.line}: the ${block.lang} block exited ${result.status}:\n${output}`,
      ).toBe(0);
    },
    300_000,
  );
});
