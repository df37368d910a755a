/**
 * Socket.IO event maps shared by the server and every TypeScript client (API.md, "Realtime").
 * Events are defined once, by feature (rooms.ts, chat.ts, files.ts, exec.ts), and both maps are
 * derived from those definitions; the gateway answers any other client event with a `not_found`
 * ack.
 */
import { chatClientEvents, chatServerEvents } from './chat.js';
import type { ClientEventMap } from './clientEvent.js';
import { execClientEvents, execServerEvents } from './exec.js';
import { filesClientEvents, filesServerEvents } from './files.js';
import { roomServerEvents } from './rooms.js';
import type { ServerEventMap } from './serverEvent.js';

/** Every client→server event, by name: what the server registers handlers for. */
export const clientEvents = {
  ...chatClientEvents,
  ...filesClientEvents,
  ...execClientEvents,
};

export type ClientEvents = typeof clientEvents;
export type ClientEventName = keyof ClientEvents;
export type ClientToServerEvents = ClientEventMap<ClientEvents>;

/** Every server→client event, by name, with the schema its payload follows. */
export const serverEvents = {
  ...roomServerEvents,
  ...chatServerEvents,
  ...filesServerEvents,
  ...execServerEvents,
};

export type ServerEvents = typeof serverEvents;
export type ServerEventName = keyof ServerEvents;
export type ServerToClientEvents = ServerEventMap<ServerEvents>;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];
