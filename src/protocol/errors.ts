/**
 * Stable error codes of the public contract (API.md, "Errors"). Clients branch on these codes,
 * never on the human message.
 */
export const errorStatus = {
  invalid_request: 400,
  forbidden_address: 400,
  unauthorized: 401,
  bad_signature: 401,
  ticket_expired: 401,
  ticket_replayed: 401,
  forbidden: 403,
  origin_not_allowed: 403,
  room_not_found: 404,
  not_found: 404,
  name_taken: 409,
  room_expired: 410,
  too_large: 413,
  unsupported_type: 415,
  rate_limited: 429,
  internal_error: 500,
  upstream_failed: 502,
  overloaded: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** The JSON body of every failed HTTP response. */
export interface ErrorEnvelope {
  error: ErrorBody;
}

/** Socket.IO acknowledgements: `{ ok: true, …result }` or `{ ok: false, error }`. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
