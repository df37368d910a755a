/**
 * The entities and request bodies of the public contract (API.md), gathered from the files that
 * define them: members, rooms, chat, files and exec each hold their own schemas and socket
 * events. Request schemas are strict: an unknown field is an `invalid_request`, so a typo never
 * silently does nothing.
 */
import { z } from 'zod';

export * from './constants.js';
export * from './members.js';
export * from './rooms.js';
export * from './chat.js';
export * from './exec.js';
export * from './files.js';
export * from './calls.js';
export * from './previews.js';

/** What a Socket.IO client passes as `auth` when it connects. */
export const socketAuthSchema = z.object({
  token: z.string().min(1).max(4096),
  /** The highest message seq the client has; messages after it are replayed on connect. */
  lastSeq: z.number().int().min(0).optional(),
});
