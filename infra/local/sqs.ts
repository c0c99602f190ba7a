import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LocalQueue } from '#infra/local/queue';
import { closeNow, listenLocally } from '#infra/local/servers';

/** Suffix of a local queue's name that names its dead letters (URL and ARN). */
const DEAD_LETTERS = '-dlq';

/** The ARN a local queue goes by (as in the records its consumer gets). */
export const localQueueArn = (name: string): string => `arn:aws:sqs:local:000000000000:cityhub-local-${name}`;

/** The ARN of a local queue's dead letters. */
export const localDeadLetterArn = (name: string): string => localQueueArn(`${name}${DEAD_LETTERS}`);

/** What a message move task of the local SQS did (it moves at once). */
interface MoveTask {
  readonly TaskHandle: string;
  readonly Status: 'COMPLETED';
  readonly SourceArn: string;
  readonly DestinationArn: string;
  readonly ApproximateNumberOfMessagesMoved: number;
  readonly ApproximateNumberOfMessagesToMove: number;
  readonly StartedTimestamp: number;
}

/** An SQS error answer: its type and message. */
class SqsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The part of the SQS API that functions call themselves (AWS JSON 1.0), on 127.0.0.1, so they run
 * through the real SQS client locally too: ChangeMessageVisibility on a queue (the delivery function's
 * retry backoff), and over a queue's dead letters (`LocalQueue.deadLetters`) what the admin's redrive
 * uses — GetQueueAttributes (ApproximateNumberOfMessages), ReceiveMessage with VisibilityTimeout 0 (a
 * peek; a dead letter's last error comes as its `ERROR_MESSAGE` attribute), StartMessageMoveTask
 * (moves them all back at once) and ListMessageMoveTasks. Queue URLs are `<endpoint>/queues/<name>`,
 * dead letters `<endpoint>/queues/<name>-dlq`; ARNs are {@link localQueueArn} and {@link localDeadLetterArn}.
 */
export class LocalSqs {
  private server: Server | undefined;
  private endpoint = '';
  /** The latest move task per source ARN. */
  private readonly tasks = new Map<string, MoveTask>();

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

  /** The URL of a local queue's dead letters. */
  deadLetterUrlOf(name: string): string {
    return this.urlOf(`${name}${DEAD_LETTERS}`);
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
    const target = String(request.headers['x-amz-target']);
    const operation = this.operations[target.replace(/^AmazonSQS\./, '')];
    if (!operation) {
      reply(400, {
        __type: 'com.amazonaws.sqs#UnsupportedOperation',
        message: `the local SQS implements ${Object.keys(this.operations).join(', ')} only, not ${target}`,
      });
      return;
    }
    try {
      reply(200, await operation(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')));
    } catch (error) {
      if (!(error instanceof SqsFault)) throw error;
      reply(400, { __type: `com.amazonaws.sqs#${error.type}`, message: error.message });
    }
  }

  /** The operations by name; each takes the request's JSON input and answers its output. */
  private readonly operations: Readonly<Record<string, (input: Record<string, unknown>) => unknown>> = {
    ChangeMessageVisibility: (input) => {
      const queue = this.queueAt(input.QueueUrl, false);
      const timeout = Number(input.VisibilityTimeout);
      if (!Number.isInteger(timeout) || timeout < 0 || timeout > 43_200)
        throw new SqsFault('InvalidParameterValue', 'VisibilityTimeout must be 0 to 43200');
      if (!queue.changeVisibility(String(input.ReceiptHandle), timeout))
        throw new SqsFault('ReceiptHandleIsInvalid', 'the receipt handle is not in flight');
      return {};
    },
    GetQueueAttributes: (input) => {
      const url = String(input.QueueUrl);
      const queue = this.queueAt(url, url.endsWith(DEAD_LETTERS));
      const count = url.endsWith(DEAD_LETTERS) ? queue.deadLetters.length : queue.depth;
      return { Attributes: { ApproximateNumberOfMessages: String(count) } };
    },
    ReceiveMessage: (input) => {
      const queue = this.queueAt(input.QueueUrl, true);
      if (Number(input.VisibilityTimeout) !== 0)
        throw new SqsFault(
          'UnsupportedOperation',
          'the local SQS receives dead letters with VisibilityTimeout 0 only (a peek)',
        );
      const max = Number(input.MaxNumberOfMessages ?? 1);
      if (!Number.isInteger(max) || max < 1 || max > 10)
        throw new SqsFault('InvalidParameterValue', 'MaxNumberOfMessages must be 1 to 10');
      return {
        Messages: queue.deadLetters.slice(0, max).map((letter) => ({
          MessageId: letter.messageId,
          ReceiptHandle: `${letter.messageId}#dead`,
          MD5OfBody: createHash('md5').update(letter.body).digest('hex'),
          Body: letter.body,
          Attributes: { ApproximateReceiveCount: String(letter.receiveCount) },
          MessageAttributes: { ERROR_MESSAGE: { DataType: 'String', StringValue: letter.lastError } },
        })),
      };
    },
    StartMessageMoveTask: async (input) => {
      const source = String(input.SourceArn);
      const name = this.nameOfDeadLetterArn(source);
      const destination =
        input.DestinationArn === undefined ? localQueueArn(name) : String(input.DestinationArn);
      if (destination !== localQueueArn(name))
        throw new SqsFault(
          'InvalidParameterValue',
          `the local SQS moves dead letters back to their own queue (${localQueueArn(name)}) only`,
        );
      const queue = this.queues.get(name) as LocalQueue;
      const toMove = queue.deadLetters.length;
      const task: MoveTask = {
        TaskHandle: `local-${name}-${randomUUID()}`,
        Status: 'COMPLETED',
        SourceArn: source,
        DestinationArn: destination,
        ApproximateNumberOfMessagesToMove: toMove,
        ApproximateNumberOfMessagesMoved: await queue.redrive(),
        StartedTimestamp: Date.now(),
      };
      this.tasks.set(source, task);
      return { TaskHandle: task.TaskHandle };
    },
    ListMessageMoveTasks: (input) => {
      const source = String(input.SourceArn);
      this.nameOfDeadLetterArn(source);
      const { TaskHandle: _handle, ...task } = this.tasks.get(source) ?? { TaskHandle: '' };
      return { Results: this.tasks.has(source) ? [task] : [] };
    },
  };

  /** The local queue a URL names (its dead letters when `deadLetters`). */
  private queueAt(url: unknown, deadLetters: boolean): LocalQueue {
    const path = String(url).split('/queues/')[1] ?? '';
    const name = deadLetters ? path.slice(0, -DEAD_LETTERS.length) : path;
    const queue = (!deadLetters || path.endsWith(DEAD_LETTERS)) && this.queues.get(name);
    if (!queue) throw new SqsFault('QueueDoesNotExist', `no queue ${String(url)}`);
    return queue;
  }

  /** The name of the queue whose dead letters an ARN names. */
  private nameOfDeadLetterArn(arn: string): string {
    const name =
      arn.startsWith(localQueueArn('')) && arn.endsWith(DEAD_LETTERS)
        ? arn.slice(localQueueArn('').length, -DEAD_LETTERS.length)
        : '';
    if (!this.queues.has(name))
      throw new SqsFault(
        'ResourceNotFoundException',
        `no dead-letter queue ${arn} (local ARNs are ${localDeadLetterArn('<queue>')})`,
      );
    return name;
  }
}
