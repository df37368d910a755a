/** Accounts' requests and entities (API.md, "Accounts"). */
import { z } from 'zod';
import { PASSWORD_MAX, PASSWORD_MIN } from './constants.js';
import { memberSchema } from './members.js';
import { roomIdSchema, roomSchema } from './rooms.js';

export { PASSWORD_MAX, PASSWORD_MIN };

// Checked in full by checkDisplayName() (a username follows the display-name rules); the bound
// here only stops absurd payloads early.
const usernameInput = z.string().max(400);
const newPassword = z
  .string()
  .min(PASSWORD_MIN, `a password has at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `a password has at most ${PASSWORD_MAX} characters`);
// An existing password is checked against its hash, not the current rules (they may have
// changed since it was chosen); the bound keeps the hashing work bounded.
const existingPassword = z.string().min(1).max(PASSWORD_MAX);

export const registerSchema = z.strictObject({ username: usernameInput, password: newPassword });
export type RegisterBody = z.infer<typeof registerSchema>;

export const loginSchema = z.strictObject({
  username: usernameInput,
  password: existingPassword,
});
export type LoginBody = z.infer<typeof loginSchema>;

export const changePasswordSchema = z.strictObject({
  currentPassword: existingPassword,
  newPassword,
});
export type ChangePasswordBody = z.infer<typeof changePasswordSchema>;

/** `POST /api/auth/claim`: the room whose guest membership (the request's token) to take. */
export const claimSchema = z.strictObject({ roomId: roomIdSchema });
export type ClaimBody = z.infer<typeof claimSchema>;

/** A session id as `DELETE /api/auth/sessions/:id` names it. */
export const accountSessionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{16,64}$/, 'not a session id');

export const accountSchema = z.object({
  id: z.string().min(1),
  username: z.string(),
  createdAt: z.iso.datetime(),
});
export type Account = z.infer<typeof accountSchema>;

/** One signed-in browser or client, as `GET /api/auth/sessions` lists it. */
export const accountSessionSchema = z.object({
  id: z.string().min(1),
  /** The session this request was made with. */
  current: z.boolean(),
  createdAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
  userAgent: z.string(),
});
export type AccountSession = z.infer<typeof accountSessionSchema>;

/** A room the account is a member of, as `GET /api/me/rooms` lists it. */
export const accountRoomSchema = z.object({
  room: roomSchema,
  member: memberSchema,
  /** Whether the account's member is the room's owner. */
  owner: z.boolean(),
  /**
   * Others' messages (not system lines) posted while the member was offline: 0 while they are
   * online somewhere; counted up to 100.
   */
  unread: z.number().int().min(0).max(100),
});
export type AccountRoom = z.infer<typeof accountRoomSchema>;
