/** An error whose message is safe to show the caller, with the HTTP status it maps to. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request is malformed; the message says what and how to fix it. */
export class BadRequestError extends HttpError {
  constructor(message: string) {
    super(400, message);
  }
}

/** 401: missing or wrong credentials or signature. */
export class UnauthorizedError extends HttpError {
  constructor(message: string, headers: Readonly<Record<string, string>> = {}) {
    super(401, message, headers);
  }
}

/** 403: valid credentials that do not allow this route. */
export class ForbiddenError extends HttpError {
  constructor(message: string) {
    super(403, message);
  }
}

/** 404: no such route, source or resource. */
export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, message);
  }
}

/** 413: the body is larger than the route accepts. */
export class PayloadTooLargeError extends HttpError {
  constructor(message: string) {
    super(413, message);
  }
}

/** 422: the request is well-formed but cannot be carried out (e.g. a refused webhook address). */
export class UnprocessableError extends HttpError {
  constructor(message: string) {
    super(422, message);
  }
}
