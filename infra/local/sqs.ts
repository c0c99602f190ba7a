import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LocalQueue } from '#infra/local/queue';
import { closeNow, listenLocally } from '#infra/local/servers';

/**
 * The part of the SQS API that functions call themselves: ChangeMessageVisibility (AWS JSON 1.0), on
 * 127.0.0.1, so the delivery function's retry backoff runs through the real SQS client locally too.
 * Queue URLs are `<endpoint>/queues/<name>`.
 */
export class LocalSqs {
  private server: Server | undefined;
  private endpoint = '';

  constructor(private readonly queues: ReadonlyMap<string, LocalQueue>) {}

  async start(): Promise<string> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => {
        response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ __type: 'InternalError', message: error.message }));
      });
    });
    this.server = server;
    this.endpoint = await listenLocally(server);
    return this.endpoint;
  }

  /** The URL a function uses for a local queue. */
  urlOf(name: string): string {
    return `${this.endpoint}/queues/${name}`;
  }

  async stop(): Promise<void> {
    await closeNow(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(body));
    };
    const target = request.headers['x-amz-target'];
    if (target !== 'AmazonSQS.ChangeMessageVisibility') {
      reply(400, {
        __type: 'com.amazonaws.sqs#UnsupportedOperation',
        message: `the local SQS implements ChangeMessageVisibility only, not ${target}`,
      });
      return;
    }
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      QueueUrl?: string;
      ReceiptHandle?: string;
      VisibilityTimeout?: number;
    };
    const queue = this.queues.get(String(input.QueueUrl).split('/queues/')[1] ?? '');
    if (!queue) {
      reply(400, { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: `no queue ${input.QueueUrl}` });
      return;
    }
    const timeout = Number(input.VisibilityTimeout);
    if (!Number.isInteger(timeout) || timeout < 0 || timeout > 43_200) {
      reply(400, {
        __type: 'com.amazonaws.sqs#InvalidParameterValue',
        message: 'VisibilityTimeout must be 0 to 43200',
      });
      return;
    }
    if (!queue.changeVisibility(String(input.ReceiptHandle), timeout)) {
      reply(400, {
        __type: 'com.amazonaws.sqs#ReceiptHandleIsInvalid',
        message: 'the receipt handle is not in flight',
      });
      return;
    }
    reply(200, {});
  }
}
