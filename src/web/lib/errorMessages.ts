import type { ErrorBody } from '../../protocol/errors.js';
import { ApiError, type ApiErrorCode } from './api.js';

const defaults: Partial<Record<ApiErrorCode, string>> = {
  name_taken: 'Someone in the room already uses that name.',
  rate_limited: 'Too many attempts; wait a moment.',
  unauthorized: 'Your session has ended. Join the room again.',
  room_not_found: 'This room no longer exists.',
  room_expired: 'This room no longer exists.',
  overloaded: 'The server is busy; try again in a moment.',
  network_error: 'Could not reach the server. Check your connection and try again.',
};

/** Whether a value is the `{ code, message }` of an error envelope or a socket ack. */
export function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<ErrorBody>).code === 'string' &&
    typeof (value as Partial<ErrorBody>).message === 'string'
  );
}

/**
 * A sentence for a person, chosen by the error's stable code (with per-screen overrides), for an
 * ApiError or a Socket.IO ack's `error`. Codes without a sentence here, like `invalid_request`,
 * show the server's own message, which names what was wrong.
 */
export function describeError(
  error: unknown,
  overrides: Partial<Record<ApiErrorCode, string>> = {},
): string {
  if (error instanceof ApiError || isErrorBody(error)) {
    return overrides[error.code] ?? defaults[error.code] ?? error.message;
  }
  return 'Something went wrong. Try again.';
}

/** The codes that mean the room itself is gone (not just this session). */
export function isRoomGone(code: string): boolean {
  return code === 'room_not_found' || code === 'room_expired';
}
