/**
 * The entities and request bodies of the public contract (API.md). Request schemas are strict:
 * an unknown field is an `invalid_request`, so a typo never silently does nothing. Each
 * feature's own schemas and socket events live in its file (chat.ts, files.ts, exec.ts) and are
 * re-exported here.
 */
import { z } from 'zod';
import { JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, ROOM_ID_PATTERN } from './constants.js';

export * from './constants.js';
export * from './chat.js';
export * from './exec.js';
export * from './files.js';

export type Role = 'member' | 'owner' | 'admin';

export interface Room {
  id: string;
  joinCode: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  persistent: boolean;
}

export interface Member {
  id: string;
  displayName: string;
  role: Role;
}

export interface MemberPresence extends Member {
  online: boolean;
}

export type MessageType = 'text' | 'system' | 'file';

export interface Message {
  id: string;
  roomId: string;
  seq: number;
  type: MessageType;
  body: string;
  sender: Member | null;
  createdAt: string;
  clientMsgId?: string;
  fileId?: string;
}

export interface FileInfo {
  id: string;
  name: string;
  mime: string;
  size: number;
  width?: number;
  height?: number;
  createdAt: string;
  uploaderId: string;
  sha256: string;
}

/** The snapshot a client gets on connect (`room:state`) and from `GET /api/rooms/:roomId`. */
export interface RoomState {
  room: Room;
  member: Member;
  members: MemberPresence[];
  messages: Message[];
  files: FileInfo[];
}

export const roomIdSchema = z.string().regex(ROOM_ID_PATTERN, 'not a room id');

export const joinCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .length(JOIN_CODE_LENGTH, `a join code has ${JOIN_CODE_LENGTH} characters`)
  .regex(new RegExp(`^[${JOIN_CODE_ALPHABET}]+$`), 'not a join code');

export const createRoomSchema = z.strictObject({
  name: z.string().trim().min(1).max(80).optional(),
  ttlSeconds: z.number().int().min(60).max(604_800).optional(),
  persistent: z.boolean().optional(),
});
export type CreateRoomBody = z.infer<typeof createRoomSchema>;

export const joinRoomSchema = z
  .strictObject({
    roomId: roomIdSchema.optional(),
    joinCode: joinCodeSchema.optional(),
    // Checked in full by checkDisplayName(); the bound here only stops absurd payloads early.
    displayName: z.string().max(400),
  })
  .refine((body) => (body.roomId === undefined) !== (body.joinCode === undefined), {
    message: 'give either roomId or joinCode',
    path: ['roomId'],
  });
export type JoinRoomBody = z.infer<typeof joinRoomSchema>;

/** What a Socket.IO client passes as `auth` when it connects. */
export const socketAuthSchema = z.object({
  token: z.string().min(1).max(4096),
  /** The highest message seq the client has; messages after it are replayed on connect. */
  lastSeq: z.number().int().min(0).optional(),
});
