/**
 * What the benchmarks give the handler modules: the environment they read at import (as the local
 * runtime, infra/local/hub.ts, sets it) and API Gateway events of signed ingest requests.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { lambdaContext } from '#infra/local/lambda-context';
import { sourceEnvSuffix } from '#shared/adapters/source-secrets';
import { signHeaders } from '#shared/http/signature';
import { type Source, sources } from '#shared/schemas/ingest';
import { type FunctionDecl, tables } from '#shared/topology';

/** Signing secrets of the three feeds (Standard Webhooks `whsec_` + base64). */
export const SOURCE_SECRETS: Readonly<Record<Source, string>> = Object.fromEntries(
  sources.map((source) => [
    source,
    `whsec_${Buffer.from(`cityhub-bench-${source}-secret!`).toString('base64')}`,
  ]),
) as Record<Source, string>;

export const ADMIN_TOKEN = 'bench-admin-token-0123456789';
export const ANALYST_TOKEN = 'bench-analyst-token-0123456789';
export const BENCH_TABLES = {
  facts: 'cityhub-bench-facts',
  indicators: 'cityhub-bench-indicators',
  replies: 'cityhub-bench-replies',
  secrets: 'cityhub-bench-secrets',
} as const;
export const BENCH_BUS = 'cityhub-bench';

/** Endpoints of the stand-ins for AWS, when there are any. */
export interface BenchEndpoints {
  readonly dynamoDb?: string;
  readonly eventBridge?: string;
}

/** The variables every handler module reads at import. */
export const handlerEnv = (endpoints: BenchEndpoints = {}): Record<string, string> => ({
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  CITY_TIMEZONE: 'Asia/Shanghai',
  EVENT_BUS_NAME: BENCH_BUS,
  [tables.facts.envVar]: BENCH_TABLES.facts,
  [tables.indicators.envVar]: BENCH_TABLES.indicators,
  [tables.replies.envVar]: BENCH_TABLES.replies,
  [tables.secrets.envVar]: BENCH_TABLES.secrets,
  VISIBILITY_QUEUE_URL: 'http://127.0.0.1:9/000000000000/cityhub-bench-delivery',
  // The benchmarks redrive nothing: the admin function knows no dead-letter queue.
  DEAD_LETTER_QUEUES: '{}',
  AUTH_MODE: 'token',
  ADMIN_TOKEN,
  ANALYST_TOKEN,
  ...Object.fromEntries(
    sources.map((source) => [`SOURCE_SECRET_${sourceEnvSuffix(source)}`, SOURCE_SECRETS[source]]),
  ),
  ...(endpoints.dynamoDb ? { DYNAMODB_ENDPOINT: endpoints.dynamoDb } : {}),
  ...(endpoints.eventBridge ? { EVENTBRIDGE_ENDPOINT: endpoints.eventBridge } : {}),
});

/** A Lambda context for one invocation of a declared function in the benchmarks. */
export const benchContext = (
  name: string,
  decl: Pick<FunctionDecl, 'memoryMb' | 'timeoutSeconds'>,
): Context => lambdaContext(name, decl, 'bench');

/** An API Gateway (HTTP API, payload 2.0) event of a request with a JSON body. */
export const httpEvent = (
  method: string,
  routePath: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
  pathParameters?: Record<string, string>,
): APIGatewayProxyEventV2 => {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${method} ${routePath}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'bench.local', ...headers },
    ...(pathParameters ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench.local',
      domainPrefix: 'bench',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'cityhub-bench' },
      requestId: randomUUID(),
      routeKey: `${method} ${routePath}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
};

/** A signed `POST /ingest/<source>` of these records. */
export const signedIngestEvent = (source: Source, records: readonly unknown[]): APIGatewayProxyEventV2 => {
  const body = JSON.stringify({ records });
  const id = `msg_${randomUUID()}`;
  return httpEvent(
    'POST',
    `/ingest/${source}`,
    `/ingest/${source}`,
    body,
    signHeaders(SOURCE_SECRETS[source], id, body),
  );
};
