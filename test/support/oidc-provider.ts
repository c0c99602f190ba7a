import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** Audience (resource) of the access tokens the test provider issues. */
export const TEST_AUDIENCE = 'cityhub';

/** A confidential client of the test provider and the scopes it may ask for. */
export interface TestClient {
  readonly id: string;
  readonly secret: string;
  readonly scope: string;
  /** Groups put in its tokens' `groups` claim, as a provider puts a user's groups. */
  readonly groups?: readonly string[];
}

/**
 * The dashboard's public client: authorization code with PKCE (required for a client without
 * authentication), back to the hub's page. People sign in on the provider's development login form
 * with any login and password; a login listed in `users` gets those groups in its access tokens.
 */
export interface TestDashboardClient {
  readonly id: string;
  /** The hub's page, e.g. `http://127.0.0.1:3000/`. */
  readonly redirectUri: string;
  /** Groups by login, put in the `groups` claim of that person's access tokens. */
  readonly users: Readonly<Record<string, readonly string[]>>;
}

/** A real OpenID provider (the `oidc-provider` package) on 127.0.0.1, issuing JWT access tokens. */
export interface TestProvider {
  readonly issuer: string;
  readonly tokenUrl: string;
  /** A client-credentials access token of `client`, for `scope`. */
  readonly token: (client: TestClient, scope: string) => Promise<string>;
  readonly stop: () => Promise<void>;
}

/**
 * Starts a provider whose clients use client credentials against the `cityhub` resource server, and,
 * with `dashboard`, a public client that signs people in with the authorization code and PKCE. Every
 * access token, a person's too, is a JWT for the `cityhub` audience.
 */
export const startTestProvider = async (
  clients: readonly TestClient[],
  dashboard?: TestDashboardClient,
): Promise<TestProvider> => {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const groupsOf = new Map(clients.map((client) => [client.id, client.groups]));
  const provider = new Provider(issuer, {
    clients: [
      ...clients.map((client) => ({
        client_id: client.id,
        client_secret: client.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: client.scope,
      })),
      ...(dashboard
        ? [
            {
              client_id: dashboard.id,
              token_endpoint_auth_method: 'none' as const,
              grant_types: ['authorization_code'],
              response_types: ['code' as const],
              redirect_uris: [dashboard.redirectUri],
            },
          ]
        : []),
    ],
    scopes: ['openid', 'cityhub/analyst', 'cityhub/admin'],
    features: {
      clientCredentials: { enabled: true },
      // The package's own login and consent pages: any login and password, as a fixed test person.
      devInteractions: { enabled: dashboard !== undefined },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => `urn:${TEST_AUDIENCE}`,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'cityhub/analyst cityhub/admin',
          audience: TEST_AUDIENCE,
          accessTokenFormat: 'jwt',
        }),
      },
    },
    // A person is their login: the ID token names them by it.
    findAccount: (_context, accountId) => ({ accountId, claims: () => ({ sub: accountId }) }),
    extraTokenClaims: (_context, token) => {
      const { accountId, clientId } = token as { accountId?: string; clientId?: string };
      const groups = accountId ? dashboard?.users[accountId] : groupsOf.get(clientId ?? '');
      return groups ? { groups: [...groups] } : undefined;
    },
  });
  server.on('request', provider.callback());
  const tokenUrl = `${issuer}/token`;
  return {
    issuer,
    tokenUrl,
    token: async (client, scope) => {
      const response = await fetch(tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
      });
      const answer = (await response.json()) as { access_token?: string; error_description?: string };
      if (!answer.access_token) throw new Error(`token endpoint: ${JSON.stringify(answer)}`);
      return answer.access_token;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
