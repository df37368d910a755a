/**
 * Socket.IO event maps shared by the server and every TypeScript client (API.md, "Realtime").
 * Features add their events here as they land; the gateway answers any other event with a
 * `not_found` ack.
 */
import type { Ack } from './errors.js';
import type {
  ExecResult,
  FileInfo,
  Member,
  MemberPresence,
  Message,
  RoomState,
} from './schemas.js';

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

export interface ClientToServerEvents {
  'message:send': (
    payload: { body: string; clientMsgId?: string },
    ack: (result: Ack<{ message: Message }>) => void,
  ) => void;
  typing: (payload: { active: boolean }, ack?: (result: Ack) => void) => void;
  'file:upload': (
    payload: { name: string; data: ArrayBuffer | Uint8Array },
    ack: (result: Ack<{ file: FileInfo; message: Message }>) => void,
  ) => void;
  'file:get': (
    payload: { fileId: string; variant?: 'original' | 'thumb' },
    ack: (result: Ack<{ file: FileInfo; data: ArrayBuffer }>) => void,
  ) => void;
  'exec:run': (
    payload: { language: string; code: string; stdin?: string },
    ack: (result: Ack<{ result: ExecResult }>) => void,
  ) => void;
}

export type ServerEventName = keyof ServerToClientEvents;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];
