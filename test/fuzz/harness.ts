import { createHmac, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  type AttributeValue,
  DynamoDBClient,
  ListTablesCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { expect } from 'vitest';
import { exitOf, type HubProcess, type HubState, startHubProcess } from '../support/hub-process.ts';

/**
 * One real hub per fuzz test file (`npm start -- --no-demo` as a child process, over HTTP on 127.0.0.1),
 * what the fuzzers send it, what its answers must look like, and what it stores before and after.
 */

/** How a signed request is signed: Standard Webhooks over the bytes sent, or deliberately wrong. */
export interface Signing {
  readonly secret: string;
  /** The `webhook-id`; by default a fresh one at each send, so a case sent again (shrinking) is no replay. */
  readonly id?: string;
  /** Seconds added to the hub's clock in `webhook-timestamp` (default 0). */
  readonly offsetSeconds?: number;
  /** Signed instead of the body sent (a tampered body). */
  readonly signedBody?: string | Buffer;
  /** Makes the id signed from the one sent (so the `webhook-id` header differs from the signed one). */
  readonly signedId?: (id: string) => string;
  /** Headers left out. */
  readonly omit?: readonly ('webhook-id' | 'webhook-timestamp' | 'webhook-signature')[];
  /** Replaces `webhook-timestamp`. */
  readonly timestamp?: string;
  /** Rewrites the signature header from the valid `v1,<base64>`. */
  readonly signature?: (valid: string) => string;
}

/** A request a fuzzer sends; `label` says what makes it hostile. */
export interface HostileRequest {
  readonly label: string;
  readonly method: string;
  /** Path and query string, already encoded as they go on the wire. */
  readonly target: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  readonly signing?: Signing;
}

/** What the hub must answer. */
export type Expectation =
  /** A 4xx, one of `statuses` when given, with `{"error": "<clear message>"}`. */
  | { readonly refused: readonly number[] | 'any-4xx' }
  /** 422 with every one of `records` records rejected (ingest), each with its problems. */
  | { readonly rejectedRecords: number }
  /** The same 200 answer as a plain request to the route (the route takes no input, so ignores this). */
  | { readonly served: string };

export interface HostileCase {
  readonly request: HostileRequest;
  readonly expect: Expectation;
}

/** A hostile case that prints briefly in fast-check's counterexample (bodies can be megabytes). */
export const hostileCase = (request: HostileRequest, expectation: Expectation): HostileCase =>
  Object.defineProperty({ request, expect: expectation }, fc.toStringMethod, {
    value: () => describeRequest(request),
  });

const clip = (text: string, length = 160) =>
  text.length > length ? `${text.slice(0, length)}… (${text.length} chars)` : text;

export const describeRequest = (request: HostileRequest): string => {
  const body =
    request.body === undefined
      ? ''
      : ` body=${typeof request.body === 'string' ? JSON.stringify(clip(request.body)) : `<${request.body.length} bytes: ${clip(request.body.toString('hex'), 80)}>`}`;
  const headers = Object.entries(request.headers ?? {})
    .map(([name, value]) => `${name}: ${clip(value, 60)}`)
    .join('; ');
  return `[${request.label}] ${request.method} ${clip(request.target, 200)}${headers ? ` {${headers}}` : ''}${body}`;
};

export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/** Longest message a person is expected to read: 20 problems of a schema, each with its path and what to fix. */
const SHORT_MESSAGE_CHARS = 4_000;

/** A message a person can act on: a sentence, not a stack trace, file path or internal error. */
export const expectClearMessage = (message: unknown, context: string) => {
  expect(typeof message, `${context}: error must be a string`).toBe('string');
  const text = message as string;
  expect(text.trim().length, `${context}: error must not be empty`).toBeGreaterThan(0);
  expect(text.length, `${context}: error must be short`).toBeLessThanOrEqual(SHORT_MESSAGE_CHARS);
  expect(text, `${context}: error must not be a stack trace`).not.toMatch(
    /\n\s+at |node_modules|\/work\/|\.ts:\d+/,
  );
  expect(text, `${context}: error must not be an internal error`).not.toMatch(
    /internal error|local API failure/i,
  );
};

/** An answer with its clock readings (e.g. `now` of `GET /feeds`) blanked, to compare two answers. */
const withoutTimes = (text: string) => text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>');

/** Checks an answer against what the case expects; `served` holds the plain answers of routes that take no input. */
export const expectAnswer = (hostile: HostileCase, answer: Answer, served: ReadonlyMap<string, Answer>) => {
  const context = `${describeRequest(hostile.request)} → ${answer.status} ${clip(answer.text, 400)}`;
  const expectation = hostile.expect;
  if ('served' in expectation) {
    const plain = served.get(expectation.served);
    expect(plain, `no plain answer of ${expectation.served} to compare with`).toBeDefined();
    expect(answer.status, context).toBe(200);
    expect(answer.contentType, context).toBe(plain?.contentType);
    expect(
      withoutTimes(answer.text) === withoutTimes(plain?.text ?? ''),
      `${context}: differs from the plain answer`,
    ).toBe(true);
    return;
  }
  expect(answer.status, context).toBeGreaterThanOrEqual(400);
  expect(answer.status, context).toBeLessThan(500);
  expect(answer.contentType, context).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  if ('rejectedRecords' in expectation) {
    expect(answer.status, context).toBe(422);
    expect(body.accepted, context).toBe(0);
    expect(body.duplicates, context).toBe(0);
    const rejected = body.rejected as { index: number; errors: { path: string; message: string }[] }[];
    expect(
      rejected.map((entry) => entry.index),
      context,
    ).toEqual(Array.from({ length: expectation.rejectedRecords }, (_, index) => index));
    for (const { errors } of rejected) {
      expect(errors.length, context).toBeGreaterThan(0);
      expect(errors.length, `${context}: too many errors listed`).toBeLessThanOrEqual(21);
      for (const error of errors) {
        expect(error.path, context).toMatch(/^(\$|[^\s].*)$/);
        expectClearMessage(error.message, context);
      }
    }
    return;
  }
  if (expectation.refused !== 'any-4xx') expect(expectation.refused, context).toContain(answer.status);
  expect(Object.keys(body), context).toEqual(['error']);
  expectClearMessage(body.error, context);
};

/** Standard Webhooks headers for `signing` over the body actually sent. */
const signedHeaders = (signing: Signing, body: string | Buffer): Record<string, string> => {
  const timestamp = Math.floor(Date.now() / 1000) + (signing.offsetSeconds ?? 0);
  const key = Buffer.from(signing.secret.replace(/^whsec_/, ''), 'base64');
  const signed = signing.signedBody ?? body;
  const id = signing.id ?? freshWebhookId();
  const signedId = signing.signedId ? signing.signedId(id) : id;
  const signature = createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(`${signedId}.${timestamp}.`), Buffer.from(signed)]))
    .digest('base64');
  const headers: Record<string, string> = {
    'webhook-id': id,
    'webhook-timestamp': signing.timestamp ?? String(timestamp),
    'webhook-signature': signing.signature ? signing.signature(`v1,${signature}`) : `v1,${signature}`,
  };
  for (const name of signing.omit ?? []) delete headers[name];
  return headers;
};

/** A webhook-id no other request of this run uses, so no answer is a replay of an earlier one. */
let webhookIds = 0;
export const freshWebhookId = () => {
  webhookIds += 1;
  return `msg_fuzz_${webhookIds}_${randomBytes(4).toString('hex')}`;
};

/** A signing secret no source has. */
export const strangerSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** Items of every table of the hub's DynamoDB Local, as canonical JSON, per table. */
export type Snapshot = ReadonlyMap<string, readonly string[]>;

const canonical = (item: Record<string, AttributeValue>): string =>
  JSON.stringify(item, (_, value: unknown) => {
    if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return value;
  });

export interface FuzzHub {
  readonly process: HubProcess;
  readonly state: HubState;
  /** Sends a hostile request (signing it now, when it has a `signing`) and reads the whole answer. */
  send(request: HostileRequest): Promise<Answer>;
  /** Scans every table the hub created. */
  snapshot(): Promise<Snapshot>;
  /** Lines of the hub's output that report errors: ERROR logs, unhandled rejections, dead letters. */
  errorLines(): string[];
  /** Stops the hub as Ctrl-C does (its DynamoDB Local with it); kills their process group if that hangs. */
  stop(): Promise<void>;
}

/**
 * Starts a hub without the demo city. Its DynamoDB Local is found from the line the hub prints when it
 * starts it, so the tests can scan what the hub stores (the hub serves no route that lists everything).
 */
export const startFuzzHub = async (): Promise<FuzzHub> => {
  // In a process group of its own, so that a hub that does not stop goes with its DynamoDB Local.
  const hub = await startHubProcess(['--no-demo']);
  const endpoint = /DynamoDB Local on (http:\/\/\S+)/.exec(hub.output())?.[1];
  if (!endpoint) throw new Error(`the hub did not say where DynamoDB Local listens:\n${hub.output()}`);
  const dynamo = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { url } = hub.state;
  return {
    process: hub,
    state: hub.state,
    async send(request) {
      const body = request.body;
      const headers = {
        ...(request.signing && body !== undefined ? signedHeaders(request.signing, body) : {}),
        ...request.headers,
      };
      const response = await fetch(`${url}${request.target}`, {
        method: request.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(60_000),
      });
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        text: await response.text(),
      };
    },
    async snapshot() {
      const snapshot = new Map<string, string[]>();
      const { TableNames = [] } = await dynamo.send(new ListTablesCommand({}));
      for (const table of TableNames) {
        const items: string[] = [];
        let startKey: Record<string, AttributeValue> | undefined;
        do {
          const page = await dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey }));
          items.push(...(page.Items ?? []).map(canonical));
          startKey = page.LastEvaluatedKey;
        } while (startKey);
        snapshot.set(table, items.sort());
      }
      return snapshot;
    },
    errorLines() {
      return hub
        .output()
        .split('\n')
        .filter((line) => {
          if (line.startsWith('{')) {
            try {
              const { level } = JSON.parse(line) as { level?: string };
              return level === 'ERROR' || level === 'CRITICAL' || level === 'FATAL';
            } catch {
              return true;
            }
          }
          return /error|fail|unhandled|uncaught|exception|dead letter|^\s+at /i.test(line);
        });
    },
    async stop() {
      dynamo.destroy();
      if (hub.child.exitCode !== null || hub.child.pid === undefined) return;
      hub.child.kill('SIGTERM');
      const stopped = await Promise.race([
        exitOf(hub.child).then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 8_000)),
      ]);
      if (!stopped) process.kill(-hub.child.pid, 'SIGKILL');
    },
  };
};

/** What changed between two snapshots: items that appeared, and items that went or changed. */
export const changes = (before: Snapshot, after: Snapshot) => {
  const added: { table: string; item: Record<string, AttributeValue> }[] = [];
  const removed: { table: string; item: string }[] = [];
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const was = new Set(before.get(table) ?? []);
    const is = new Set(after.get(table) ?? []);
    for (const item of is) if (!was.has(item)) added.push({ table, item: JSON.parse(item) });
    for (const item of was) if (!is.has(item)) removed.push({ table, item });
  }
  return { added, removed };
};

/** The ingest answer kept under a `webhook#…` reply item (gzipped JSON), if it has one. */
export const keptAnswer = (item: Record<string, AttributeValue>): Record<string, unknown> | undefined => {
  const answer = item.answer as { B?: { base64: string } } | undefined;
  if (!answer?.B) return undefined;
  return JSON.parse(gunzipSync(Buffer.from(answer.B.base64, 'base64')).toString('utf8'));
};

/** `FUZZ_RUNS_FACTOR` multiplies every family's runs (e.g. 10 for a long local run); default 1. */
export const RUNS_FACTOR = Number(process.env.FUZZ_RUNS_FACTOR ?? 1);

/** A test timeout of `ms`, longer in proportion when the runs are. */
export const scaled = (ms: number) => Math.round(ms * Math.max(1, RUNS_FACTOR));

/** Runs a property `numRuns` times (times `FUZZ_RUNS_FACTOR`); `FUZZ_SEED` replays the seed a failure printed. */
export const fuzzOptions = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns: Math.max(1, Math.round(numRuns * RUNS_FACTOR)),
  ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
});
