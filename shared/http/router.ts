import type { Context } from 'aws-lambda';
import type { HttpEvent, HttpResult } from '#shared/http/api';
import { NotFoundError } from '#shared/http/errors';
import { excerpt } from '#shared/schemas/messages';
import type { FunctionName, RouteKeyOf } from '#shared/topology';

/** Answers one route. */
export type RouteHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** One handler per route key the topology declares for a function: no more, no fewer. */
export type Routes<Name extends FunctionName> = { readonly [Key in RouteKeyOf<Name>]: RouteHandler };

/**
 * Dispatches on the route key API Gateway matched (`GET /subscriptions/{id}`), so a function never
 * matches paths again; its path parameters are in `event.pathParameters`. A route key the function
 * does not serve (API Gateway sends none) is a 404.
 */
export const routeByKey =
  <Name extends FunctionName>(routes: Routes<Name>) =>
  async (event: HttpEvent, context: Context): Promise<HttpResult> => {
    const route = Object.hasOwn(routes, event.routeKey)
      ? routes[event.routeKey as RouteKeyOf<Name>]
      : undefined;
    if (!route) {
      throw new NotFoundError(`no route ${event.requestContext.http.method} ${excerpt(event.rawPath)}`);
    }
    return route(event, context);
  };
