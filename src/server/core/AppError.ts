import { errorStatus, type ErrorBody, type ErrorCode } from '../../protocol/errors.js';

/**
 * The one error type features throw. The HTTP error handler and socket acks both turn it into
 * the envelope of API.md; nothing ever branches on `message`.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After on rate_limited. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = errorStatus[code];
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * 503 `overloaded` for a dependency that is not answering (the database, the file store, Redis):
 * the client is told when to try again; `cause` is kept for the log.
 */
export function unavailable(message: string, retryAfterSeconds: number, cause: unknown): AppError {
  const error = new AppError('overloaded', message, undefined, {
    'Retry-After': String(retryAfterSeconds),
  });
  error.cause = cause;
  return error;
}

/** Any thrown value as an error body; unknown failures never leak their text. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof AppError) return error.toBody();
  return { code: 'internal_error', message: 'Something went wrong on the server.' };
}
