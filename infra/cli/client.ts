import { readFileSync } from 'node:fs';
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { signHeaders } from '#shared/http/signature';
import type { IngestAnswer, Source } from '#shared/schemas/ingest';

/** Thrown for anything the CLI reports as its one-line reason. */
export class CliError extends Error {
  override name = 'CliError';
}

/** How the CLI reaches a hub. */
export interface Connection {
  readonly url: string;
  /** Bearer token (local hub); without it requests are signed with SigV4 (deployed hub). */
  readonly token?: string;
  readonly adminToken?: string;
  readonly sourceSecrets: Partial<Record<Source, string>>;
}

/** Reads the state file `npm start` writes, or takes `--url` and `--token`. */
export const connect = (options: { stateFile: string; url?: string; token?: string }): Connection => {
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

const sigv4 = async (url: URL, method: string, body: string | undefined): Promise<Record<string, string>> => {
  const region = process.env.AWS_REGION ?? /execute-api\.([a-z0-9-]+)\./.exec(url.hostname)?.[1];
  if (!region) throw new CliError('set AWS_REGION to sign requests for a deployed hub');
  const signer = new SignatureV4({
    service: 'execute-api',
    region,
    credentials: defaultProvider(),
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body } : {}),
  });
  return signed.headers as Record<string, string>;
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
  const token = options.admin ? connection.adminToken : connection.token;
  const headers = token
    ? { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }
    : await sigv4(url, method, body);
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
