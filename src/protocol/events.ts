/**
 * Socket.IO event maps shared by the server and every TypeScript client (API.md, "Realtime").
 * Client→server events are defined once, by feature (chat.ts, files.ts, exec.ts), and their map
 * is derived from those definitions; the gateway answers any other event with a `not_found` ack.
 */
import { chatClientEvents } from './chat.js';
import type { ClientEventMap } from './clientEvent.js';
import { execClientEvents, type ExecResult } from './exec.js';
import { filesClientEvents } from './files.js';
import type { FileInfo, Member, MemberPresence, Message, RoomState } from './schemas.js';

export interface ServerToClientEvents {
  'room:state': (state: RoomState) => void;
  'member:joined': (payload: { member: Member }) => void;
  'member:left': (payload: { memberId: string }) => void;
  presence: (payload: { members: MemberPresence[] }) => void;
  'message:new': (payload: { message: Message }) => void;
  'message:updated': (payload: { message: Message }) => void;
  typing: (payload: { memberId: string; active: boolean }) => void;
  'file:added': (payload: { file: FileInfo }) => void;
  'exec:result': (payload: { memberId: string; language: string; result: ExecResult }) => void;
  'room:closing': (payload: { secondsLeft: number; reason: string }) => void;
  'room:closed': (payload: { reason: string }) => void;
}

/** Every client→server event, by name: what the server registers handlers for. */
export const clientEvents = {
  ...chatClientEvents,
  ...filesClientEvents,
  ...execClientEvents,
};

export type ClientEvents = typeof clientEvents;
export type ClientEventName = keyof ClientEvents;
export type ClientToServerEvents = ClientEventMap<ClientEvents>;

export type ServerEventName = keyof ServerToClientEvents;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];
