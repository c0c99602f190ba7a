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

/** A real OpenID provider (the `oidc-provider` package) on 127.0.0.1, issuing JWT access tokens. */
export interface TestProvider {
  readonly issuer: string;
  readonly tokenUrl: string;
  /** A client-credentials access token of `client`, for `scope`. */
  readonly token: (client: TestClient, scope: string) => Promise<string>;
  readonly stop: () => Promise<void>;
}

/** Starts a provider whose clients use client credentials against the `cityhub` resource server. */
export const startTestProvider = async (clients: readonly TestClient[]): Promise<TestProvider> => {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const groupsOf = new Map(clients.map((client) => [client.id, client.groups]));
  const provider = new Provider(issuer, {
    clients: clients.map((client) => ({
      client_id: client.id,
      client_secret: client.secret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: client.scope,
    })),
    scopes: ['openid', 'cityhub/analyst', 'cityhub/admin'],
    features: {
      clientCredentials: { enabled: true },
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
    extraTokenClaims: (_context, token) => {
      const groups = groupsOf.get((token as { clientId?: string }).clientId ?? '');
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
