import type { FastifyError, FastifyInstance } from 'fastify';
import type { ErrorCode } from '../../protocol/errors.js';
import { AppError, toErrorBody } from '../core/AppError.js';

const byFastifyCode: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_request',
};

const byStatus: Record<number, ErrorCode> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'too_large',
  415: 'unsupported_type',
  429: 'rate_limited',
  503: 'overloaded',
};

/** Fastify's own failures (bad JSON, body too large…) in the words of API.md. */
function fromFastify(error: FastifyError): AppError | undefined {
  const status = error.statusCode ?? 500;
  if (status >= 500) return undefined;
  const code = byFastifyCode[error.code] ?? byStatus[status] ?? 'invalid_request';
  const message =
    code === 'too_large'
      ? 'The request body is too large.'
      : code === 'unsupported_type'
        ? 'This content type is not accepted here; send JSON.'
        : error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
          ? 'The request body is not valid JSON.'
          : error.message;
  return new AppError(code, message);
}

/**
 * Every failure becomes `{ error: { code, message, details? } }` with its status. Bodies are JSON
 * or nothing: Fastify's default text/plain parser is removed, so a wrong content type is a 415
 * `unsupported_type` rather than a string that fails validation as a puzzling 400 (and a
 * "simple" cross-site request cannot smuggle a body in).
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = error instanceof AppError ? error : fromFastify(error);
    if (!appError) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ error: toErrorBody(error) });
    }
    if (appError.headers) void reply.headers(appError.headers);
    return reply.status(appError.status).send({ error: appError.toBody() });
  });
}

export function notFound(): AppError {
  return new AppError('not_found', 'There is nothing at this address.');
}
