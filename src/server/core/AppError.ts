import { errorStatus, type ErrorBody, type ErrorCode } from '../../protocol/errors.js';

export interface AppErrorOptions {
  /** What exactly was wrong (the fields of an invalid request), sent to the client. */
  details?: unknown;
  /** Extra response headers, e.g. Retry-After on rate_limited. */
  headers?: Record<string, string>;
  /** The underlying failure, for the log only. */
  cause?: unknown;
}

/**
 * The one error type features throw. The HTTP error handler and socket acks both turn it into
 * the envelope of API.md; nothing ever branches on `message`.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;

  readonly details: unknown;
  /** Extra response headers, e.g. Retry-After on rate_limited. */
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = errorStatus[code];
    this.details = options.details;
    this.headers = options.headers;
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
  return new AppError('overloaded', message, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
    cause,
  });
}

/** Any thrown value as an error body; unknown failures never leak their text. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof AppError) return error.toBody();
  return { code: 'internal_error', message: 'Something went wrong on the server.' };
}
