import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { closeNow, listenLocally } from '#infra/local/servers';
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

/**
 * The local stand-in for the API Gateway HTTP API: turns each request on 127.0.0.1 into a payload 2.0
 * event, calls the same handler the Lambda runs, and writes its answer back.
 */
export class LocalHttpApi {
  private readonly routes: CompiledRoute[];
  private server: Server | undefined;

  constructor(routes: readonly { route: RouteDecl; handler: RouteHandler }[]) {
    this.routes = routes.map(({ route, handler }) => compile(route, handler));
  }

  /** Listens on 127.0.0.1:`port` (0 = any free port); resolves to the base URL. */
  async start(port: number): Promise<string> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: `local API failure: ${error.message}` }));
      });
    });
    this.server = server;
    return listenLocally(server, port);
  }

  async stop(): Promise<void> {
    await closeNow(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = (request.method ?? 'GET').toUpperCase();
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      response.end(body);
    };
    const matches = this.routes.filter((compiled) => compiled.regex.test(url.pathname));
    const match = matches.find((compiled) => compiled.route.method === method);
    if (!match) {
      if (matches.length > 0)
        send(405, JSON.stringify({ error: `${method} is not allowed on ${url.pathname}` }));
      else send(404, JSON.stringify({ error: `no route ${method} ${url.pathname}` }));
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
    const event = this.toEvent(request, url, method, match, Buffer.concat(chunks));
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
    const query: Record<string, string> = {};
    for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
    const values = match.regex.exec(url.pathname)?.slice(1) ?? [];
    const pathParameters = Object.fromEntries(
      match.names.map((name, index) => [name, decodeURIComponent(values[index] ?? '')]),
    );
    const text = isText(headers['content-type']);
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
