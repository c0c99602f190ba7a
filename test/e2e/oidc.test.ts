import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubProcess, startHubProcess, stopHubProcess } from '../support/hub-process.ts';
import {
  startTestProvider,
  TEST_AUDIENCE,
  type TestClient,
  type TestProvider,
} from '../support/oidc-provider.ts';

const analystSystem: TestClient = {
  id: 'report-system',
  secret: 'report-secret-0123456789',
  scope: 'cityhub/analyst',
};
const adminSystem: TestClient = {
  id: 'ops-system',
  secret: 'ops-secret-0123456789abc',
  scope: 'cityhub/admin',
};
/** Holds only the analyst scope, but its tokens say the admin group, as a signed-in admin's do. */
const adminByGroup: TestClient = {
  id: 'admin-person',
  secret: 'admin-person-secret-0123',
  scope: 'cityhub/analyst',
  groups: ['admin'],
};

let provider: TestProvider;
let hub: HubProcess;
beforeAll(async () => {
  provider = await startTestProvider([analystSystem, adminSystem, adminByGroup]);
  hub = await startHubProcess(['--no-demo'], {
    CITYHUB_OIDC_ISSUER: provider.issuer,
    CITYHUB_OIDC_AUDIENCE: TEST_AUDIENCE,
  });
}, 120_000);
afterAll(async () => {
  if (hub) await stopHubProcess(hub);
  await provider?.stop();
});

const get = (path: string, token: string) =>
  fetch(`${hub.state.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('local hub in OIDC mode, against a real OpenID provider', () => {
  it('opens analyst routes, not admin routes, to a token with the cityhub/analyst scope', async () => {
    const token = await provider.token(analystSystem, 'cityhub/analyst');
    expect((await get('/areas', token)).status).toBe(200);
    const refused = await get('/subscriptions', token);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /admin group or the cityhub\/admin scope/,
    );
  });

  it('opens admin routes to a token with the cityhub/admin scope', async () => {
    const token = await provider.token(adminSystem, 'cityhub/admin');
    expect((await get('/subscriptions', token)).status).toBe(200);
    expect((await get('/areas', token)).status).toBe(200);
  });

  it('opens admin routes to a token whose groups claim holds admin', async () => {
    const token = await provider.token(adminByGroup, 'cityhub/analyst');
    expect((await get('/subscriptions', token)).status).toBe(200);
  });

  it('refuses a token whose signature does not verify against the JWKS', async () => {
    const token = await provider.token(adminSystem, 'cityhub/admin');
    const [header, payload, signature = ''] = token.split('.');
    const forged = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const response = await get('/areas', forged);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toMatch(/access token refused/);
  });

  it("still takes the hub's own admin token from the state file", async () => {
    expect((await get('/subscriptions', hub.state.adminToken)).status).toBe(200);
  });
});

describe('cityhub CLI with client credentials', () => {
  const root = new URL('../..', import.meta.url).pathname;
  // Asynchronous: the provider answers from this very process, so a synchronous spawn would wait on itself.
  const cli = (client: TestClient | undefined, ...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['infra/cli/cityhub.js', ...args, '--url', hub.state.url, '--token-url', provider.tokenUrl],
        {
          cwd: root,
          encoding: 'utf8',
          timeout: 60_000,
          env: {
            ...process.env,
            CITYHUB_CLIENT_ID: client?.id ?? '',
            CITYHUB_CLIENT_SECRET: client?.secret ?? '',
            CITYHUB_SCOPE: client?.scope ?? '',
          },
        },
        (_error, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }),
      );
    });

  it('reads indicators with an access token it fetched itself', async () => {
    const run = await cli(analystSystem, 'indicators', '--date', '2026-12-01', '--format', 'json');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([]);
  });

  it('is refused an admin command with an analyst client, with the reason on one line', async () => {
    const run = await cli(analystSystem, 'redrive', '--dry-run');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/403: this route needs the admin token/);
  });

  it('names the missing client id and secret', async () => {
    const run = await cli(undefined, 'indicators', '--date', '2026-12-01');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/CITYHUB_CLIENT_ID and CITYHUB_CLIENT_SECRET/);
  });

  it('reports a wrong client secret as the token endpoint answered it', async () => {
    const run = await cli(
      { ...analystSystem, secret: 'not-the-secret-0123456789' },
      'indicators',
      '--date',
      '2026-12-01',
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/token endpoint answered 401/);
  });
});
