/**
 * A small fetch wrapper for the Roomkit HTTP API. Every failure becomes an ApiError carrying the
 * stable error code of API.md ("Errors"); callers branch on `code`, never on the message.
 */
import type { ErrorCode, ErrorEnvelope } from '../../protocol/errors.js';

/** The contract's codes, plus `network_error` when the server could not be reached at all. */
export type ApiErrorCode = ErrorCode | 'network_error';

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** HTTP status, or 0 when no response arrived. */
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  /** A room session token, sent as `Authorization: Bearer …`. */
  token?: string;
  /** Leaves this browser's cookies out (and takes none back): the request speaks for no one. */
  withoutCookies?: boolean;
  signal?: AbortSignal;
}

function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error: unknown = value.error;
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    'message' in error &&
    typeof error.message === 'string'
  );
}

const refusedTokenListeners = new Set<(token: string) => void>();

/**
 * Calls `listener` with the token of every request answered 401 `unauthorized`; returns the
 * unsubscribe. An embedded room renews its token from there (features/embed).
 */
export function onTokenRefused(listener: (token: string) => void): () => void {
  refusedTokenListeners.add(listener);
  return () => refusedTokenListeners.delete(listener);
}

/** Tells the `onTokenRefused` listeners that a request made with `token` was answered 401. */
export function tokenRefused(token: string): void {
  for (const listener of refusedTokenListeners) listener(token);
}

/** Calls `path` on this origin and resolves with the parsed JSON body (undefined for 204). */
export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;

  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      credentials: options.withoutCookies ? 'omit' : 'same-origin',
      signal: options.signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError('network_error', 'Could not reach the server.', 0);
  }

  if (response.status === 204) return undefined as T;
  const payload: unknown = await response.json().catch(() => undefined);
  if (response.ok) return payload as T;
  if (isErrorEnvelope(payload)) {
    const { code, message, details } = payload.error;
    if (code === 'unauthorized' && options.token !== undefined) tokenRefused(options.token);
    throw new ApiError(code, message, response.status, details);
  }
  throw new ApiError(
    'internal_error',
    `The server answered ${response.status} ${response.statusText}.`,
    response.status,
  );
}
