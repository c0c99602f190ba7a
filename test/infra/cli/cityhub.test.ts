import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubProcess, startHubProcess } from '../../support/hub-process.ts';

/** The `cityhub` command against a local hub, as a user runs it. */
const root = new URL('../../..', import.meta.url).pathname;
let hub: HubProcess;
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['infra/cli/cityhub.js', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 110_000,
  });
const withHub = (...args: string[]) => cli(...args, '--state-file', hub.stateFile);

beforeAll(async () => {
  hub = await startHubProcess();
}, 120_000);
afterAll(() => {
  hub?.child.kill('SIGTERM');
});

const ticket = (n: number, extra: Record<string, unknown> = {}) => ({
  eventId: `cli-${n}`,
  ticketId: `cli-t${n}`,
  type: 'received',
  occurredAt: '2026-05-04T09:00:00+08:00',
  category: 'noise',
  district: 'cli-district',
  ...extra,
});

describe('cityhub', () => {
  it('sends an NDJSON file in signed batches and sums up the answers', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cityhub-cli-')), 'tickets.ndjson');
    const lines = [
      ...Array.from({ length: 3 }, (_, n) => JSON.stringify(ticket(n))),
      JSON.stringify({ eventId: 'bad' }),
      '',
    ];
    writeFileSync(file, lines.join('\n'));
    const first = withHub('send', 'hotline', file);
    expect(first.status).toBe(0);
    expect(first.stdout.trim()).toBe('3 accepted, 0 duplicates, 1 rejected');
    const again = withHub('send', 'hotline', file);
    expect(again.stdout.trim()).toBe('0 accepted, 3 duplicates, 1 rejected');
  });

  it('prints indicators as a table, CSV and JSON', async () => {
    let json = withHub(
      'indicators',
      '--date',
      '2026-05-04',
      '--area',
      'district:cli-district',
      '--format',
      'json',
    );
    for (let tries = 0; tries < 50 && !json.stdout.includes('"ticketsReceived": 3'); tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      json = withHub(
        'indicators',
        '--date',
        '2026-05-04',
        '--area',
        'district:cli-district',
        '--format',
        'json',
      );
    }
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({
        date: '2026-05-04',
        area: 'district:cli-district',
        indicators: expect.objectContaining({ ticketsReceived: 3 }),
      }),
    ]);
    const csv = withHub(
      'indicators',
      '--from',
      '2026-05-04',
      '--to',
      '2026-05-04',
      '--area',
      'city',
      '--format',
      'csv',
    );
    expect(csv.stdout.split('\n')[1]).toMatch(/^2026-05-04,city,全市,3,0,0,/);
    const table = withHub('indicators', '--date', '2026-05-04', '--area', 'city');
    const [header, row] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^date\s+area\s+ticketsReceived\s+ticketsClosed\s+ticketClosureRate/);
    expect(row).toMatch(/^2026-05-04\s+city\s+3\s+0\s+0\.0%/);
  });

  it('subscribes a URL and shows the secret once', () => {
    const result = withHub(
      'subscribe',
      '--url',
      'http://127.0.0.1:9/hook',
      '--events',
      'ticket.*',
      'case.closed',
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      events: ['ticket.*', 'case.closed'],
      secret: expect.stringMatching(/^whsec_/),
    });
  });

  it('replays a simulated day', () => {
    const result = withHub('simulate', '--date', '2026-05-01');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^hotline: \d+ accepted, 0 duplicates, 0 rejected$/m);
    expect(result.stdout).toMatch(/^city-platform: \d+ accepted/m);
    expect(result.stdout).toMatch(/^sanitation: \d+ accepted, 0 duplicates, 0 rejected$/m);
  }, 120_000);

  it.each([
    [['indicators', '--date', '2026-02-30'], '400: invalid query: date: is not a calendar date'],
    [['send', 'parking', 'x.ndjson'], 'unknown source parking: use hotline, city-platform, sanitation'],
    [['send', 'hotline', '/nonexistent.ndjson'], 'cannot read /nonexistent.ndjson'],
  ])('exits 1 with one line for %j', (args, message) => {
    const result = withHub(...args);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`cityhub: ${message}`);
  });

  it('lists dead letters with redrive --dry-run, and moves none when there are none', () => {
    const dry = withHub('redrive', '--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stdout.trim().split('\n')).toEqual([
      'facts: 0 dead letters',
      'coverage: 0 dead letters',
      'fanout: 0 dead letters',
      'delivery: 0 dead letters',
      'recompute: 0 dead letters',
      'nothing moved (dry run); 0 dead letters in all',
    ]);
    const json = withHub('redrive', '--queue', 'delivery', '--json');
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      dryRun: false,
      moved: 0,
      queues: [{ queue: 'delivery', deadLetters: 0, sample: [], moved: 0 }],
    });
  });

  it('refuses a redrive of a queue the hub does not have', () => {
    const result = withHub('redrive', '--queue', 'parking');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Allowed choices are facts, coverage, fanout, delivery, recompute');
  });

  it('says how to find a hub when there is none', () => {
    const result = cli('indicators', '--date', '2026-05-04', '--state-file', '/nonexistent/local.json');
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toContain('no hub found');
  });
});
