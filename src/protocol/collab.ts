/**
 * The collaborative code document (API.md, "Collaborative code"), free of zod and Yjs so the web
 * client can import it as is.
 */

/** WebSocket path prefix: a room's document is at `/collab/<roomId>`. */
export const COLLAB_PATH = '/collab';
/** The room's code: `doc.getText(CODE_TEXT)`. */
export const CODE_TEXT = 'code';
/** The room's settings: `doc.getMap(CODE_META)`, with `language`. */
export const CODE_META = 'meta';
/**
 * What an unset `meta.language` means. The server never writes into the document, so a room
 * nobody has picked a language for has none stored; every client reads absence as this.
 */
export const DEFAULT_CODE_LANGUAGE = 'javascript';
/** Most characters (`Y.Text` length, UTF-16 code units) `code` may hold: Q5K's share limit. */
export const CODE_MAX_CHARS = 1_048_576;
/** Most bytes the whole document may take encoded as one Yjs update (about). */
export const COLLAB_DOC_MAX_BYTES = 2 * 1024 * 1024;
/** Largest WebSocket message the server reads; a larger one closes the connection (1009). */
export const COLLAB_MAX_MESSAGE_BYTES = COLLAB_DOC_MAX_BYTES + 64 * 1024;

/**
 * Close codes of a collab WebSocket. The 44xx codes mirror HTTP statuses and mean "reconnecting
 * will not help" (y-websocket's WebsocketProvider stops retrying on 4400–4499 by default).
 */
export const collabCloseCodes = {
  /** The message was not y-websocket protocol (undecodable, a text frame, a bad update). */
  invalid_message: 4400,
  /** Missing, malformed or revoked token. */
  unauthorized: 4401,
  /** The member left the room (or was removed) while connected. */
  left: 4401,
  /** The account session the token was issued to was revoked (signed out) while connected. */
  signed_out: 4401,
  /** The token belongs to another room. */
  forbidden: 4403,
  /** No such room. */
  room_not_found: 4404,
  /** The room had ended before connecting (`room_expired`) or ended while connected (`room_closed`). */
  room_expired: 4410,
  room_closed: 4410,
  /** An edit would have made the document larger than the caps above; it was not applied. */
  document_too_large: 4413,
  /**
   * The connection sent messages faster than COLLAB limits allow; reconnecting after a pause
   * helps (the provider's own backoff), and the sync on reconnect sends whatever was refused.
   */
  rate_limited: 1013,
  /**
   * The edit would have grown the document while the server's memory is critical; it was not
   * applied. Like `rate_limited`, reconnecting after a pause helps: the provider's backoff
   * retries, and the sync on reconnect sends the edit again, applied once memory is relieved.
   */
  overloaded: 1013,
  /** The server failed; reconnecting may help. */
  internal_error: 1011,
  /** The server is shutting down; reconnecting later (to another instance) may help. */
  server_shutdown: 1001,
} as const;

export type CollabCloseReason = keyof typeof collabCloseCodes;
