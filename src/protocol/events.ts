/**
 * Socket.IO event maps shared by the server and every TypeScript client (API.md, "Realtime").
 * Events are defined once, by feature (rooms.ts, chat.ts, files.ts, exec.ts, calls.ts), and both maps are
 * derived from those definitions; the gateway answers any other client event with a `not_found`
 * ack.
 */
import { callsClientEvents, callsServerEvents } from './calls.js';
import { chatClientEvents, chatServerEvents } from './chat.js';
import type { ClientEventMap } from './clientEvent.js';
import { execClientEvents, execServerEvents } from './exec.js';
import { filesClientEvents, filesServerEvents } from './files.js';
import { roomServerEvents } from './rooms.js';
import type { ServerEventMap } from './serverEvent.js';

type Intersection<U> = (U extends unknown ? (table: U) => void : never) extends (
  table: infer I,
) => void
  ? I
  : never;

/**
 * The features' tables as one: an event name that two tables define throws when the module loads,
 * rather than one feature's definition silently replacing the other's.
 */
export function joinTables<T extends readonly object[]>(...tables: T): Intersection<T[number]> {
  const joined: Record<string, unknown> = {};
  for (const table of tables) {
    for (const [name, definition] of Object.entries(table)) {
      if (name in joined) throw new Error(`Two features define the event ${name}`);
      joined[name] = definition;
    }
  }
  return joined as Intersection<T[number]>;
}

/** Every client→server event, by name: what the server registers handlers for. */
export const clientEvents = joinTables(
  chatClientEvents,
  filesClientEvents,
  execClientEvents,
  callsClientEvents,
);

export type ClientEvents = typeof clientEvents;
export type ClientEventName = keyof ClientEvents;
export type ClientToServerEvents = ClientEventMap<ClientEvents>;

/** Every server→client event, by name, with the schema its payload follows. */
export const serverEvents = joinTables(
  roomServerEvents,
  chatServerEvents,
  filesServerEvents,
  execServerEvents,
  callsServerEvents,
);

export type ServerEvents = typeof serverEvents;
export type ServerEventName = keyof ServerEvents;
export type ServerToClientEvents = ServerEventMap<ServerEvents>;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];
