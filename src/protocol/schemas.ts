/**
 * The entities and request bodies of the public contract (API.md). Request schemas are strict:
 * an unknown field is an `invalid_request`, so a typo never silently does nothing.
 */
import { z } from 'zod';
import {
  HISTORY_PAGE_DEFAULT,
  HISTORY_PAGE_MAX,
  JOIN_CODE_ALPHABET,
  JOIN_CODE_LENGTH,
  MESSAGE_MAX_CHARS,
  ROOM_ID_PATTERN,
  THUMB_WIDTHS,
} from './constants.js';

export * from './constants.js';

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

export const clientMsgIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

export const sendMessageSchema = z.strictObject({
  body: z
    .string()
    .refine((body) => body.trim().length > 0, 'a message cannot be empty')
    .refine(
      (body) => [...body].length <= MESSAGE_MAX_CHARS,
      `a message has at most ${MESSAGE_MAX_CHARS} characters`,
    ),
  clientMsgId: clientMsgIdSchema.optional(),
});
export type SendMessageBody = z.infer<typeof sendMessageSchema>;

export const historyQuerySchema = z.strictObject({
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(HISTORY_PAGE_MAX).default(HISTORY_PAGE_DEFAULT),
});
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

export const typingSchema = z.strictObject({ active: z.boolean() });

/** What a Socket.IO client passes as `auth` when it connects. */
export const socketAuthSchema = z.object({
  token: z.string().min(1).max(4096),
  /** The highest message seq the client has; messages after it are replayed on connect. */
  lastSeq: z.number().int().min(0).optional(),
});

export const fileIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'not a file id');

export const thumbFormats = ['auto', 'webp', 'avif', 'jpeg', 'png'] as const;
export type ThumbFormat = (typeof thumbFormats)[number];

export const thumbQuerySchema = z.object({
  w: z.coerce
    .number()
    .int()
    .min(THUMB_WIDTHS[0])
    .max(THUMB_WIDTHS[THUMB_WIDTHS.length - 1] as number)
    .default(480),
  format: z.enum(thumbFormats).default('auto'),
  // Media URLs may carry the session token (for <img src>); it is read by the session check.
  token: z.string().optional(),
});

/** `file:upload` over Socket.IO: the bytes as a Buffer/ArrayBuffer, never base64. */
export const fileUploadSchema = z.strictObject({
  name: z.string().max(1000),
  data: z.custom<Buffer | ArrayBuffer | Uint8Array>(
    (value) =>
      Buffer.isBuffer(value) || value instanceof ArrayBuffer || value instanceof Uint8Array,
    'data must be binary (a Buffer or ArrayBuffer)',
  ),
});

export const fileGetSchema = z.strictObject({
  fileId: fileIdSchema,
  variant: z.enum(['original', 'thumb']).default('original'),
});

/** Largest program a run accepts (characters of source). */
export const EXEC_CODE_MAX_BYTES = 1_048_576;
/** Largest standard input a run accepts. */
export const EXEC_STDIN_MAX_BYTES = 65_536;

const utf8Bytes = (value: string) => new TextEncoder().encode(value).byteLength;

export const execRunSchema = z.strictObject({
  language: z.string().min(1).max(40),
  code: z
    .string()
    .refine((code) => utf8Bytes(code) <= EXEC_CODE_MAX_BYTES, 'at most 1 MiB of code'),
  stdin: z
    .string()
    .refine((stdin) => utf8Bytes(stdin) <= EXEC_STDIN_MAX_BYTES, 'at most 64 KiB of input')
    .optional(),
});
export type ExecRunInput = z.infer<typeof execRunSchema>;

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
}

export interface LanguageInfo {
  id: string;
  name: string;
  version: string;
  driver: string;
}
