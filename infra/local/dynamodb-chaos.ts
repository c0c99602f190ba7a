import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { closeNow, listenLocally } from '#infra/local/servers';

/** Shares of DynamoDB requests to fault (their sum is below 1) and how slow a slow answer is. */
export interface DynamoDbFaults {
  /** Answered at once with a throttling error (HTTP 400, as DynamoDB answers one). */
  readonly throttleRate: number;
  /** Held for `maxSlowMs`, then the connection is cut off without an answer; never forwarded. */
  readonly timeoutRate: number;
  /** Forwarded after a random wait of up to `maxSlowMs`. */
  readonly slowRate: number;
  readonly maxSlowMs: number;
}

/** What the proxy did, by kind of fault. */
export interface DynamoDbFaultCounts {
  forwarded: number;
  throttled: number;
  timedOut: number;
  slowed: number;
}

/**
 * The two throttling answers of DynamoDB's JSON protocol; the AWS SDK retries both with its
 * throttling backoff.
 */
const THROTTLING_ERRORS = [
  {
    __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message:
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  {
    __type: 'com.amazon.coral.availability#ThrottlingException',
    message: 'Rate of requests exceeds the allowed throughput.',
  },
] as const;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A proxy in front of DynamoDB Local for the local hub's chaos mode (`CITYHUB_CHAOS` with `throttle`,
 * `timeout` or `slow`): the functions' DynamoDB endpoint points here, and a share of their requests
 * is answered with DynamoDB's own throttling errors, cut off unanswered, or answered late, so the AWS
 * SDK's retries (and, past them, the functions' error handling) run as they would against a busy
 * table. A faulted request never reaches DynamoDB Local, so no write is made whose answer is lost;
 * every other request is forwarded unchanged, its answer streamed back.
 */
export class DynamoDbChaosProxy {
  readonly counts: DynamoDbFaultCounts = { forwarded: 0, throttled: 0, timedOut: 0, slowed: 0 };
  private server: Server | undefined;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly target: URL;

  /**
   * @param endpoint DynamoDB Local's endpoint (`http://127.0.0.1:PORT`).
   * @param next the fault generator: numbers uniform in [0, 1).
   * @param onFault called after each fault with its kind and how many of that kind there were so far.
   */
  constructor(
    endpoint: string,
    private readonly faults: DynamoDbFaults,
    private readonly next: () => number,
    private readonly onFault: (kind: 'throttled' | 'timed out' | 'slowed', count: number) => void = () =>
      undefined,
  ) {
    this.target = new URL(endpoint);
  }

  /** Starts the proxy on 127.0.0.1; resolves to its endpoint. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => {
        if (response.headersSent) response.destroy(error);
        else {
          response.writeHead(502, { 'content-type': 'text/plain' });
          response.end(`DynamoDB chaos proxy: ${error.message}`);
        }
      });
    });
    return listenLocally(this.server);
  }

  async stop(): Promise<void> {
    await closeNow(this.server);
    this.agent.destroy();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const { throttleRate, timeoutRate, slowRate, maxSlowMs } = this.faults;
    const roll = this.next();
    if (roll < throttleRate) {
      this.counts.throttled += 1;
      this.onFault('throttled', this.counts.throttled);
      const error = THROTTLING_ERRORS[this.counts.throttled % THROTTLING_ERRORS.length];
      response.writeHead(400, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': randomUUID(),
      });
      response.end(JSON.stringify(error));
      return;
    }
    if (roll < throttleRate + timeoutRate) {
      this.counts.timedOut += 1;
      this.onFault('timed out', this.counts.timedOut);
      await pause(maxSlowMs);
      // No answer at all: the client sees the connection reset, as after a timeout on the way.
      request.socket.destroy();
      return;
    }
    if (roll < throttleRate + timeoutRate + slowRate) {
      this.counts.slowed += 1;
      this.onFault('slowed', this.counts.slowed);
      await pause(this.next() * maxSlowMs);
    }
    this.counts.forwarded += 1;
    await this.forward(request, body, response);
  }

  private forward(request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        {
          protocol: this.target.protocol,
          hostname: this.target.hostname,
          port: this.target.port,
          path: request.url,
          method: request.method,
          headers: request.headers,
          agent: this.agent,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
          answer.on('end', () => resolve());
          answer.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}
