/** The caller's input is malformed; the message says what is wrong and how to fix it (HTTP 400). */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

/** A dependency (bus, table) failed and nothing was acknowledged; the caller should retry (HTTP 503). */
export class DependencyError extends Error {
  override name = 'DependencyError';
}

/** What the caller named does not exist, e.g. an unknown subscription id (HTTP 404). */
export class UnknownResourceError extends Error {
  override name = 'UnknownResourceError';
}

/** The input is well-formed but cannot be carried out, e.g. a refused webhook address (HTTP 422). */
export class RefusedRequestError extends Error {
  override name = 'RefusedRequestError';
}

/** The request conflicts with what is stored, e.g. a webhook-id used for another body (HTTP 409). */
export class ConflictError extends Error {
  override name = 'ConflictError';
}
