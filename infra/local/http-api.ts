import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import type { FrontDoor } from '#infra/local/front-door';
import { closeNow, listenLocally } from '#infra/local/servers';
import { excerpt } from '#shared/schemas/messages';
import type { RouteDecl } from '#shared/topology';

/** Invokes the function behind a route with an API Gateway HTTP API (payload 2.0) event. */
export type RouteHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;

/** API Gateway HTTP APIs refuse bodies over 10 MB before any function runs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

interface CompiledRoute {
  readonly route: RouteDecl;
  readonly regex: RegExp;
  readonly names: string[];
  readonly handler: RouteHandler;
}

const compile = (route: RouteDecl, handler: RouteHandler): CompiledRoute => {
  const names: string[] = [];
  const source = route.path
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\\?\{(\w+)\\?\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
  return { route, regex: new RegExp(`^${source}$`), names, handler };
};

const isText = (contentType: string | undefined) =>
  !contentType ||
  /^(text\/|application\/(json|[\w.+-]*\+json|x-ndjson|xml|x-www-form-urlencoded))/i.test(contentType);

/** Thrown when a path parameter is not valid percent-encoding (e.g. `%zz`): a 400, as API Gateway answers. */
class MalformedPathError extends Error {}

const decodePathParameter = (value: string): string => {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new MalformedPathError(
      `path segment ${JSON.stringify(excerpt(value))} is not valid percent-encoding`,
    );
  }
};

/**
 * Answers a request Node's HTTP parser refused (headers over its 16 KB limit, malformed request line or
 * headers) with a JSON error, as every other refusal is answered, instead of a bare status line.
 */
const answerClientError = (error: NodeJS.ErrnoException, socket: Duplex) => {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'request line and headers are larger than 16 KB']
      : [400, 'Bad Request', `malformed HTTP request (${error.code ?? error.message})`];
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
};

/**
 * The local stand-in for the API Gateway HTTP API: turns each request on 127.0.0.1 into a payload 2.0
 * event, calls the same handler the Lambda runs, and writes its answer back.
 */
export class LocalHttpApi {
  private readonly routes: CompiledRoute[];
  private server: Server | undefined;

  /** `frontDoor` counts the ingest requests being answered (`/ingest/...`). */
  constructor(
    routes: readonly { route: RouteDecl; handler: RouteHandler }[],
    private readonly frontDoor?: FrontDoor,
  ) {
    this.routes = routes.map(({ route, handler }) => compile(route, handler));
  }

  /** Listens on 127.0.0.1:`port` (0 = any free port); resolves to the base URL. */
  async start(port: number): Promise<string> {
    const server = createServer((request, response) => {
      const leave = request.url?.startsWith('/ingest/') ? this.frontDoor?.enter() : undefined;
      if (leave) response.once('close', leave);
      this.handle(request, response).catch((error: Error) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: `local API failure: ${error.message}` }));
      });
    });
    server.on('clientError', answerClientError);
    this.server = server;
    return listenLocally(server, port);
  }

  async stop(): Promise<void> {
    await closeNow(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      response.end(body);
    };
    // The target is a path; as a URL relative to a base, `//x` would name a host.
    const target = request.url ?? '/';
    const url =
      target.startsWith('/') && URL.canParse(`http://127.0.0.1${target}`)
        ? new URL(`http://127.0.0.1${target}`)
        : undefined;
    if (!url) {
      send(400, JSON.stringify({ error: `request target ${JSON.stringify(excerpt(target))} is not a path` }));
      request.resume();
      return;
    }
    const matches = this.routes.filter((compiled) => compiled.regex.test(url.pathname));
    const match = matches.find((compiled) => compiled.route.method === method);
    if (!match) {
      if (matches.length > 0)
        send(405, JSON.stringify({ error: `${method} is not allowed on ${excerpt(url.pathname)}` }));
      else send(404, JSON.stringify({ error: `no route ${method} ${excerpt(url.pathname)}` }));
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        send(413, JSON.stringify({ error: 'body larger than 10 MB' }), { connection: 'close' });
        request.destroy();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    let event: APIGatewayProxyEventV2;
    try {
      event = this.toEvent(request, url, method, match, Buffer.concat(chunks));
    } catch (error) {
      if (!(error instanceof MalformedPathError)) throw error;
      send(400, JSON.stringify({ error: error.message }));
      return;
    }
    const result = await match.handler(event);
    if (typeof result === 'string' || result === undefined || result === null || !('statusCode' in result)) {
      send(200, JSON.stringify(result ?? null));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    const body =
      result.body === undefined
        ? ''
        : result.isBase64Encoded
          ? Buffer.from(result.body, 'base64')
          : result.body;
    response.writeHead(result.statusCode ?? 200, headers);
    response.end(body);
  }

  private toEvent(
    request: IncomingMessage,
    url: URL,
    method: string,
    match: CompiledRoute,
    body: Buffer,
  ): APIGatewayProxyEventV2 {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
    }
    // API Gateway sets these itself (overwriting what the client sent); this server speaks plain HTTP.
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-port'] = String(request.socket.localPort ?? '');
    const query: Record<string, string> = {};
    for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
    const values = match.regex.exec(url.pathname)?.slice(1) ?? [];
    const pathParameters = Object.fromEntries(
      match.names.map((name, index) => [name, decodePathParameter(values[index] ?? '')]),
    );
    // Bytes that are not UTF-8 travel base64-encoded, as binary bodies do, so the function sees what was sent.
    const text = isText(headers['content-type']) && isUtf8(body);
    const now = new Date();
    const routeKey = `${match.route.method} ${match.route.path}`;
    return {
      version: '2.0',
      routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
      ...(match.names.length > 0 ? { pathParameters } : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? '127.0.0.1',
        domainPrefix: 'local',
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${request.httpVersion}`,
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey,
        stage: '$default',
        time: now.toISOString(),
        timeEpoch: now.getTime(),
      },
      ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
      isBase64Encoded: body.length > 0 && !text,
    };
  }
}
