import { AppError } from '../core/AppError.js';

/**
 * Why the door refused a URL before (or instead of) connecting: 400 `forbidden_address`, with
 * the reason in `details.reason`.
 */
export const refusalReasons = [
  'url', // not an absolute URL
  'scheme', // not http or https
  'credentials', // a username or password in the URL
  'port', // not 80 or 443, and not a FETCH_ALLOW_HOSTS entry
  'private', // the literal or a resolved address is in core/privateAddresses.ts
  'redirects', // more than MAX_REDIRECTS
  'destination', // a trusted destination asked for another origin than its own
] as const;
export type RefusalReason = (typeof refusalReasons)[number];

/** Why an allowed request failed: 502 `upstream_failed`, with the reason in `details.reason`. */
export const failureReasons = [
  'timeout', // connect, first byte or the whole request
  'too_large', // the body (after decompression) past the caller's cap
  'dns', // the hostname did not resolve
  'connect', // refused, reset, unreachable
  'status', // not 2xx, when the caller asked for success only
  'encoding', // a Content-Encoding not understood, or a body that does not decode
  'redirect', // a redirect to something that is not a URL
  'protocol', // anything else HTTP could not make sense of
] as const;
export type FailureReason = (typeof failureReasons)[number];

/** What became of one request, for `roomkit_outbound_requests_total`. */
export const outcomes = ['ok', 'refused', 'aborted', ...failureReasons] as const;
export type Outcome = (typeof outcomes)[number];

const refusalMessages: Record<RefusalReason, string> = {
  url: 'That is not a URL this server can fetch.',
  scheme: 'Only http and https URLs can be fetched.',
  credentials: 'URLs with a username or password are not fetched.',
  port: 'Only ports 80 and 443 can be fetched.',
  private: 'This server does not fetch from private or reserved addresses.',
  redirects: 'The address redirected too many times.',
  destination: 'That request is outside the configured endpoint.',
};

const failureMessages: Record<FailureReason, string> = {
  timeout: 'The other site took too long to answer.',
  too_large: 'The other site sent more than this server reads.',
  dns: 'The other site’s name did not resolve.',
  connect: 'The other site could not be reached.',
  status: 'The other site answered with an error.',
  encoding: 'The other site’s answer could not be decoded.',
  redirect: 'The other site redirected to an invalid address.',
  protocol: 'The other site’s answer was not valid HTTP.',
};

/** 400 `forbidden_address`: the door will not fetch this. */
export function refused(reason: RefusalReason): AppError {
  return new AppError('forbidden_address', refusalMessages[reason], { details: { reason } });
}

/** 502 `upstream_failed`; `cause` is kept for the log only. */
export function upstreamFailed(
  reason: FailureReason,
  options: { status?: number; cause?: unknown } = {},
): AppError {
  const details = options.status === undefined ? { reason } : { reason, status: options.status };
  return new AppError('upstream_failed', failureMessages[reason], {
    details,
    cause: options.cause,
  });
}

/**
 * The reason of an error the door threw (`details.reason`), to tell its failures apart without
 * reading messages; undefined for anything else.
 */
export function reasonOf(error: unknown): RefusalReason | FailureReason | undefined {
  if (!(error instanceof AppError)) return undefined;
  if (error.code !== 'forbidden_address' && error.code !== 'upstream_failed') return undefined;
  const reason = (error.details as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? (reason as RefusalReason | FailureReason) : undefined;
}
