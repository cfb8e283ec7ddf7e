/** Domain errors that the HTTP layer maps to problem+json and the gateway maps to ack errors. */
export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 503,
    readonly title: string,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Unknown or not the caller's: the two are indistinguishable on purpose. */
export const notFound = (what: string) => new AppError(404, 'Not Found', `${what} not found`);

export const conflict = (detail: string) => new AppError(409, 'Conflict', detail);

export const unauthorized = (detail = 'Missing or invalid token') => new AppError(401, 'Unauthorized', detail);

/** The token's scope does not allow this endpoint at all (a widget token on a customer endpoint). */
export const forbidden = (detail: string) => new AppError(403, 'Forbidden', detail);

/** A dependency (Temporal) cannot take the request now; nothing was changed: retry shortly. */
export const unavailable = (detail: string) => new AppError(503, 'Service Unavailable', detail);

/** Over a rate limit (src/limits): nothing was done; the same request may succeed after `retryAfterSeconds`. */
export class TooManyRequests extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'Too Many Requests', message);
    this.name = 'TooManyRequests';
  }
}
