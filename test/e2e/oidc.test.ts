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
