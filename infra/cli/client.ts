import { readFileSync } from 'node:fs';
import { signHeaders } from '#shared/http/signature';
import type { IngestAnswer, Source } from '#shared/schemas/ingest';

/** Thrown for anything the CLI reports as its one-line reason. */
export class CliError extends Error {
  override name = 'CliError';
}

/** How the CLI reaches a hub. */
export interface Connection {
  readonly url: string;
  /** Bearer token: the local hub's own, or an access token of a deployed hub's provider. */
  readonly token?: string;
  /**
   * Client credentials (OAuth 2.0) for a deployed hub: requests carry an access token fetched from
   * `tokenUrl` with `CITYHUB_CLIENT_ID` and `CITYHUB_CLIENT_SECRET` (and `CITYHUB_SCOPE`, if set).
   */
  readonly clientCredentials?: ClientCredentials;
  readonly adminToken?: string;
  readonly sourceSecrets: Partial<Record<Source, string>>;
}

/** Where and how the CLI gets an access token with client credentials. */
export interface ClientCredentials {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Space-separated scopes to ask for; without it the provider grants the client's defaults. */
  readonly scope?: string;
}

/**
 * Reads the state file `npm start` writes, or takes `--url` with `--token` or `--token-url`
 * (client credentials from `CITYHUB_CLIENT_ID` and `CITYHUB_CLIENT_SECRET`).
 */
export const connect = (
  options: { stateFile: string; url?: string; token?: string; tokenUrl?: string },
  env: NodeJS.ProcessEnv = process.env,
): Connection => {
  if (options.tokenUrl) {
    if (!options.url) throw new CliError('--token-url needs --url (the deployed hub)');
    if (options.token) throw new CliError('give --token or --token-url, not both');
    if (!URL.canParse(options.tokenUrl)) throw new CliError(`--token-url ${options.tokenUrl} is not a URL`);
    const clientId = env.CITYHUB_CLIENT_ID;
    const clientSecret = env.CITYHUB_CLIENT_SECRET;
    if (!clientId || !clientSecret)
      throw new CliError('--token-url needs CITYHUB_CLIENT_ID and CITYHUB_CLIENT_SECRET in the environment');
    return {
      url: options.url.replace(/\/$/, ''),
      clientCredentials: {
        tokenUrl: options.tokenUrl,
        clientId,
        clientSecret,
        ...(env.CITYHUB_SCOPE ? { scope: env.CITYHUB_SCOPE } : {}),
      },
      sourceSecrets: {},
    };
  }
  if (options.url) {
    return {
      url: options.url.replace(/\/$/, ''),
      ...(options.token ? { token: options.token, adminToken: options.token } : {}),
      sourceSecrets: {},
    };
  }
  let state: {
    url?: string;
    analystToken?: string;
    adminToken?: string;
    sourceSecrets?: Record<string, string>;
  };
  try {
    state = JSON.parse(readFileSync(options.stateFile, 'utf8'));
  } catch {
    throw new CliError(
      `no hub found: ${options.stateFile} is missing (start one with npm start, or pass --url)`,
    );
  }
  if (!state.url) throw new CliError(`${options.stateFile} has no url`);
  return {
    url: state.url,
    ...(state.analystToken ? { token: state.analystToken } : {}),
    ...(state.adminToken ? { adminToken: state.adminToken } : {}),
    sourceSecrets: (state.sourceSecrets ?? {}) as Partial<Record<Source, string>>,
  };
};

const accessTokens = new WeakMap<ClientCredentials, Promise<string>>();

/** An access token for `credentials` (client credentials grant), fetched once per run. */
export const accessToken = (credentials: ClientCredentials): Promise<string> => {
  let token = accessTokens.get(credentials);
  if (!token) {
    token = (async () => {
      let response: Response;
      try {
        response = await fetch(credentials.tokenUrl, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(
              `${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`,
            ).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            ...(credentials.scope ? { scope: credentials.scope } : {}),
          }),
        });
      } catch (error) {
        throw new CliError(`cannot reach ${credentials.tokenUrl}: ${(error as Error).message}`);
      }
      const answer = (await response.json().catch(() => ({}))) as {
        access_token?: string;
        error?: string;
        error_description?: string;
      };
      if (!response.ok || !answer.access_token)
        throw new CliError(
          `token endpoint answered ${response.status}: ${answer.error_description ?? answer.error ?? 'no access_token'}`,
        );
      return answer.access_token;
    })();
    accessTokens.set(credentials, token);
  }
  return token;
};

/** Calls an analyst or admin route; answers the status and the body text. */
export const call = async (
  connection: Connection,
  method: string,
  path: string,
  options: { admin?: boolean; body?: unknown } = {},
): Promise<{ status: number; text: string; headers: Headers }> => {
  const url = new URL(`${connection.url}${path}`);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const token = connection.clientCredentials
    ? await accessToken(connection.clientCredentials)
    : options.admin
      ? connection.adminToken
      : connection.token;
  if (!token)
    throw new CliError(
      `${connection.url} needs credentials: --token <token>, or --token-url <url> with CITYHUB_CLIENT_ID and CITYHUB_CLIENT_SECRET`,
    );
  const headers = {
    authorization: `Bearer ${token}`,
    ...(body ? { 'content-type': 'application/json' } : {}),
  };
  let response: Response;
  try {
    response = await fetch(url, { method, headers, ...(body ? { body } : {}) });
  } catch (error) {
    throw new CliError(`cannot reach ${connection.url}: ${(error as Error).message}`);
  }
  return { status: response.status, text: await response.text(), headers: response.headers };
};

/** Sends one signed ingest batch. */
export const sendBatch = async (
  connection: Connection,
  source: Source,
  secret: string,
  records: unknown[],
) => {
  const body = JSON.stringify({ records });
  const response = await fetch(`${connection.url}/ingest/${source}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signHeaders(secret, `cli-${crypto.randomUUID()}`, body),
    },
    body,
  });
  const answer = (await response.json()) as Partial<IngestAnswer> & { error?: string };
  if (response.status !== 202 && response.status !== 422) {
    throw new CliError(`ingest answered ${response.status}: ${answer.error ?? JSON.stringify(answer)}`);
  }
  return answer;
};

/** The error message of a non-2xx answer. */
export const failure = (status: number, text: string): CliError => {
  try {
    return new CliError(`${status}: ${(JSON.parse(text) as { error?: string }).error ?? text}`);
  } catch {
    return new CliError(`${status}: ${text}`);
  }
};
