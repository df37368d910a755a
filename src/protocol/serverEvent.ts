/**
 * How a server→client Socket.IO event is defined: once, by the feature that owns it, with the
 * schema its payload follows on the wire. The map both ends type their sockets with (events.ts)
 * and the room bus's events are derived from these definitions, so a publisher cannot send a
 * payload the clients' types do not describe.
 */
import type { z } from 'zod';

/** One server→client event: the schema of the payload the server sends. */
export interface ServerEvent<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
}

/**
 * Defines a server→client event by its payload schema. The server does not parse what it sends;
 * the schema states the contract (API.md) and the tests hold the real payloads to it.
 */
export function serverEvent<S extends z.ZodType>(schema: S): ServerEvent<S> {
  return { schema };
}

/** The Socket.IO event map of a table of definitions: each listener gets the payload as sent. */
export type ServerEventMap<T extends Record<string, ServerEvent>> = {
  [E in keyof T]: (payload: z.input<T[E]['schema']>) => void;
};
