/** Rooms' requests, entities and socket events (API.md, "Rooms" and "Realtime: Socket.IO"). */
import { z } from 'zod';
import { callSchema } from './calls.js';
import { messageSchema } from './chat.js';
import { JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, ROOM_ID_PATTERN } from './constants.js';
import { execStateSchema } from './exec.js';
import { fileInfoSchema } from './files.js';
import { memberPresenceSchema, memberSchema } from './members.js';
import { serverEvent } from './serverEvent.js';

export const roomIdSchema = z.string().regex(ROOM_ID_PATTERN, 'not a room id');

export const joinCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .length(JOIN_CODE_LENGTH, `a join code has ${JOIN_CODE_LENGTH} characters`)
  .regex(new RegExp(`^[${JOIN_CODE_ALPHABET}]+$`), 'not a join code');

export const roomSchema = z.object({
  id: z.string().min(1),
  joinCode: z.string().min(1),
  name: z.string(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
  persistent: z.boolean(),
});
export type Room = z.infer<typeof roomSchema>;

/** The owner's settings of a room (`/api/rooms/:roomId/settings`, `room:settings`). */
export const roomSettingsSchema = z.object({
  /** Whether links in messages get cards (on by default). */
  linkPreviews: z.boolean(),
  /** Whether the room's link card, shown where its link is pasted, names the room (off by default). */
  namedCard: z.boolean(),
});
export type RoomSettings = z.infer<typeof roomSettingsSchema>;

/** The snapshot a client gets on connect (`room:state`) and from `GET /api/rooms/:roomId`. */
export const roomStateSchema = z.object({
  room: roomSchema,
  member: memberSchema,
  members: z.array(memberPresenceSchema),
  messages: z.array(messageSchema),
  files: z.array(fileInfoSchema),
  exec: execStateSchema,
  call: callSchema,
});
export type RoomState = z.infer<typeof roomStateSchema>;

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
    // Needed unless the request is signed in to an account, whose username is the name then.
    displayName: z.string().max(400).optional(),
  })
  .refine((body) => (body.roomId === undefined) !== (body.joinCode === undefined), {
    message: 'give either roomId or joinCode',
    path: ['roomId'],
  });
export type JoinRoomBody = z.infer<typeof joinRoomSchema>;

/** `POST /api/rooms/:roomId/extend`: the room ends `seconds` from now (capped by the server). */
export const extendRoomSchema = z.strictObject({
  seconds: z.number().int().min(60),
});
export type ExtendRoomBody = z.infer<typeof extendRoomSchema>;

/** `POST /api/rooms/:roomId/settings` (the owner): what to change, at least one setting. */
export const changeRoomSettingsSchema = z
  .strictObject({ linkPreviews: z.boolean().optional(), namedCard: z.boolean().optional() })
  .refine((body) => Object.keys(body).length > 0, 'name at least one setting');
export type ChangeRoomSettingsBody = z.infer<typeof changeRoomSettingsSchema>;

/** `GET /api/join-codes/:code`: the live room a join code names, before a name is asked for. */
export const joinCodeRoomSchema = z.object({
  roomId: z.string().min(1),
  name: z.string(),
});
export type JoinCodeRoom = z.infer<typeof joinCodeRoomSchema>;

export const roomServerEvents = {
  /** Sent to one socket on connect (and again after a long absence), never on the bus. */
  'room:state': serverEvent(roomStateSchema),
  'member:joined': serverEvent(z.object({ member: memberSchema })),
  /** `reason: "kicked"` when an administrator removed the member (absent when they left). */
  'member:left': serverEvent(
    z.object({ memberId: z.string().min(1), reason: z.literal('kicked').optional() }),
  ),
  /** The whole list with `online` flags, after every join, leave, connect and disconnect. */
  presence: serverEvent(z.object({ members: z.array(memberPresenceSchema) })),
  /** The room's name, expiry or persistence changed (an owner extended it). */
  'room:updated': serverEvent(z.object({ room: roomSchema })),
  /** The owner changed the room's settings. */
  'room:settings': serverEvent(z.object({ settings: roomSettingsSchema })),
  /**
   * The room ends in `secondsLeft`: sent 300 s and 60 s before it expires (ROOM_EXPIRY_WARNINGS),
   * each once per expiry, so again after an extension.
   */
  'room:expiring': serverEvent(z.object({ secondsLeft: z.number().int().min(0) })),
  /** `secondsLeft: 0` with `server_shutdown` when this instance stops. */
  'room:closing': serverEvent(
    z.object({ secondsLeft: z.number().int().min(0), reason: z.string().min(1) }),
  ),
  /**
   * Sent to one connection, never on the bus: the account session its token was issued to was
   * revoked (sign-out, "sign out other devices", a password change); the server disconnects next.
   */
  'session:ended': serverEvent(z.object({ reason: z.literal('signed_out') })),
  /** The room ended (`expired`, `empty`, `deleted`, `evicted`); the server disconnects next. */
  'room:closed': serverEvent(z.object({ reason: z.string().min(1) })),
};
