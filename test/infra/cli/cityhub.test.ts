import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayWidth } from '#infra/cli/format';
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
  const registered = await fetch(`${hub.state.url}/reference/areas`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${hub.state.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [116.3, 39.9],
                [116.4, 39.9],
                [116.4, 40],
                [116.3, 39.9],
              ],
            ],
          },
          properties: { code: 'cli-district', name: '测试区', level: 'district' },
        },
      ],
    }),
  });
  expect(registered.status).toBe(200);
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

// Each case runs the command (a Node process) several times: slow on a busy machine.
describe('cityhub', { timeout: 120_000 }, () => {
  it('sends an NDJSON file in signed batches, prints each rejected record and warning, exits 1', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cityhub-cli-')), 'tickets.ndjson');
    const lines = [
      ...Array.from({ length: 3 }, (_, n) => JSON.stringify(ticket(n, n === 2 ? { colour: 'red' } : {}))),
      '',
      JSON.stringify({ eventId: 'bad' }),
    ];
    writeFileSync(file, lines.join('\n'));
    const first = withHub('send', 'hotline', file);
    expect(first.status).toBe(1);
    const out = first.stdout.trim().split('\n');
    expect(out.filter((line) => line.startsWith('rejected '))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^rejected ${file}:5 \\(record 3\\) \\S+: .+`)),
      ]),
    );
    expect(out).toContainEqual(expect.stringMatching(/^warning \S+:3 \(record 2\) colour: .*colour/));
    expect(out.at(-1)).toBe('3 accepted, 0 duplicates, 1 rejected');
    expect(first.stderr.trim().split('\n').at(-1)).toBe(
      'cityhub: 1 of 4 records rejected (reasons above; they are in cityhub quarantine too)',
    );
    const again = withHub('send', 'hotline', file);
    expect(again.stdout.trim().split('\n').at(-1)).toBe('0 accepted, 3 duplicates, 1 rejected');
  });

  it('exits 0 when every record is taken', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cityhub-cli-')), 'one.ndjson');
    writeFileSync(file, `${JSON.stringify(ticket(9))}\n`);
    const result = withHub('send', 'hotline', file);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('1 accepted, 0 duplicates, 0 rejected');
  });

  it('lists the quarantine with the errors of each record', () => {
    const result = withHub('quarantine', '--source', 'hotline');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^\S+Z {2}hotline {2}request \S+ record 3$/m);
    expect(result.stdout).toContain('  record: {"eventId":"bad"}');
    const json = withHub('quarantine', '--json');
    expect(JSON.parse(json.stdout)).toContainEqual(
      expect.objectContaining({ source: 'hotline', index: 3, record: '{"eventId":"bad"}' }),
    );
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
    for (let tries = 0; tries < 50 && !json.stdout.includes('"ticketsReceived": 4'); tries += 1) {
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
        indicators: expect.objectContaining({ ticketsReceived: 4 }),
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
    expect(csv.stdout.split('\n')[1]).toMatch(/^2026-05-04,city,全市,4,0,0,/);
    const table = withHub('indicators', '--date', '2026-05-04');
    const [header = '', ...rows] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^日期\s+区域\s+名称\s+受理量\s+办结量\s+办结率\s/);
    expect(rows).toEqual([
      expect.stringMatching(/^2026-05-04\s+city\s+全市\s+4\s+0\s+0\.0%\s/),
      expect.stringMatching(/^2026-05-04\s+district:cli-district\s+测试区\s+4\s+0\s+0\.0%\s/),
    ]);
    // Columns line up on a terminal, where a Chinese character takes two columns.
    const column = (line: string, cell: string) => displayWidth(line.slice(0, line.indexOf(cell)));
    for (const row of rows) expect(column(row, ' 4 ') + 1).toBe(column(header, '受理量'));
    const english = withHub('indicators', '--date', '2026-05-04', '--area', 'city', '--lang', 'en');
    expect(english.stdout.trim().split('\n')[0]).toMatch(
      /^date\s+area\s+name\s+ticketsReceived\s+ticketsClosed\s+ticketClosureRate/,
    );
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

  it('creates, lists, rotates, shows deliveries of, replays and deletes a subscription', () => {
    const created = withHub(
      'subscriptions',
      'create',
      '--url',
      'http://127.0.0.1:9/admin-hook',
      '--events',
      'ticket.*',
      '--area',
      'district:cli-district',
      '--json',
    );
    expect(created.status).toBe(0);
    const { id, secret } = JSON.parse(created.stdout) as { id: string; secret: string };
    expect(secret).toMatch(/^whsec_/);

    const list = withHub('subscriptions', 'list');
    expect(list.status).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^id\s+status\s+url\s+events\s+areas\s+note$/);
    expect(list.stdout).toMatch(
      new RegExp(
        `^${id} +active +http://127\\.0\\.0\\.1:9/admin-hook +ticket\\.\\* +district:cli-district`,
        'm',
      ),
    );

    const rotated = withHub('subscriptions', 'rotate', id);
    expect(rotated.status).toBe(0);
    const [newSecret, validUntil] = rotated.stdout.trim().split('\n');
    expect(newSecret).toMatch(/^new secret +whsec_\S+ {2}\(shown only now/);
    expect(newSecret).not.toContain(secret);
    const until = /valid until {2}(\S+)/.exec(validUntil ?? '')?.[1] ?? '';
    expect(Date.parse(until) - Date.now()).toBeGreaterThan(23 * 3600_000);

    const replayed = withHub('replay', id, '--since', new Date(Date.now() - 3600_000).toISOString());
    expect(replayed.status).toBe(0);
    expect(replayed.stdout.trim()).toMatch(/^\d+ deliver(y|ies) queued$/);

    const deliveries = withHub('deliveries', id, '--json');
    expect(deliveries.status).toBe(0);
    expect(Array.isArray(JSON.parse(deliveries.stdout))).toBe(true);
    const table = withHub('deliveries', id);
    expect(table.stdout).toMatch(
      /^(no delivery attempts|at\s+event\s+type\s+attempt\s+status\s+ms\s+error)$/m,
    );

    expect(withHub('subscriptions', 'delete', id).stdout.trim()).toBe(`deleted ${id}`);
    const gone = withHub('subscriptions', 'rotate', id);
    expect(gone.status).toBe(1);
    expect(gone.stderr.trim()).toMatch(new RegExp(`^cityhub: 404: .*${id}`));
  });

  it('refuses a replay without a window, saying what is missing', () => {
    const result = withHub('replay', 'sub_x');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("required option '--since <time>' not specified");
  });

  it.each(
    [
      ['indicators'],
      ['send'],
      ['quarantine'],
      ['subscriptions', 'list'],
      ['subscriptions', 'create'],
      ['subscriptions', 'rotate'],
      ['subscriptions', 'delete'],
      ['deliveries'],
      ['replay'],
      ['redrive'],
    ].map((command) => ({ command, name: command.join(' ') })),
  )('explains $name with --help', ({ command }) => {
    const result = cli(...command, '--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: cityhub ${command.join(' ')} `));
    expect(result.stdout).toContain('--state-file');
  });

  it('replays a simulated day', () => {
    const result = withHub('simulate', '--date', '2026-05-01');
    expect(result.status, result.stderr).toBe(0);
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
