/**
 * The admin API (API.md, "Admin"): what `/api/admin/*` answers and takes. Read by the server's
 * routes and by the `/admin` page alike.
 */
import { z } from 'zod';
import { callParticipantSchema, callQualitySchema } from './calls.js';
import { memberPresenceSchema } from './members.js';
import { roomSchema } from './rooms.js';

/** The longest delete countdown an operator may ask for, in seconds. */
export const ADMIN_MAX_GRACE_SECONDS = 300;
/** The countdown of a delete that does not say (`?grace=` absent). */
export const ADMIN_DEFAULT_GRACE_SECONDS = 30;
/** How long a kicked member is kept out of the room when the kick does not say. */
export const ADMIN_DEFAULT_BAN_SECONDS = 600;
/** The longest ban a kick may set: a day. */
export const ADMIN_MAX_BAN_SECONDS = 86_400;

export const memoryLevelSchema = z.enum(['ok', 'warning', 'critical']);

/** Open connections by transport. */
export const connectionCountsSchema = z.object({
  socket: z.number().int().min(0),
  sse: z.number().int().min(0),
  collab: z.number().int().min(0),
});
export type ConnectionCountsView = z.infer<typeof connectionCountsSchema>;

/** `GET /api/admin/me`: who the request is to the admin API, and what it may do. */
export const adminIdentitySchema = z.object({
  /** As the audit log names them: `admin token`, or an admin account's username. */
  actor: z.string().min(1),
  /** `operator` reads and acts; `viewer` reads only. */
  role: z.enum(['operator', 'viewer']),
  /** How the request proved it: the admin token (Bearer) or an account's `rk_auth` cookie. */
  via: z.enum(['token', 'account']),
});
export type AdminIdentity = z.infer<typeof adminIdentitySchema>;

/** One room as the admin panel lists it. */
export const adminRoomSchema = roomSchema.extend({
  members: z.object({ total: z.number().int().min(0), online: z.number().int().min(0) }),
  /** Open on the instance that answered (each instance counts its own). */
  connections: connectionCountsSchema,
  files: z.number().int().min(0),
  /** Bytes of the room's files. */
  bytes: z.number().int().min(0),
  messages: z.number().int().min(0),
  /** Code runs going on in the room. */
  execRunning: z.number().int().min(0),
  /** People in the room's call (0 when nobody is in one). */
  callParticipants: z.number().int().min(0),
  /** How the room's call carries media, or null without a call. */
  callTopology: z.enum(['mesh', 'sfu']).nullable(),
  /** The integrator whose signed tickets made the room (an embedded room), else null. */
  integrator: z.string().nullable(),
  /** A delete countdown under way: when it ends (ISO time), else null. */
  closingAt: z.iso.datetime().nullable(),
});
export type AdminRoom = z.infer<typeof adminRoomSchema>;

export const adminRoomsSchema = z.object({ rooms: z.array(adminRoomSchema) });

/** `GET /api/admin/stats`: one aggregated snapshot (the page asks for one a second). */
export const adminStatsSchema = z.object({
  rooms: z.number().int().min(0),
  members: z.number().int().min(0),
  /** Members online (with at least one connection), over every room. */
  online: z.number().int().min(0),
  connections: z.number().int().min(0),
  connectionsByTransport: connectionCountsSchema,
  memory: z.object({
    usedBytes: z.number().int().min(0),
    budgetBytes: z.number().int().min(0),
    level: memoryLevelSchema,
  }),
  uptimeSeconds: z.number().int().min(0),
  /** Per second, averaged over the last 10 seconds, over every instance's rooms. */
  rates: z.object({
    messages: z.number().min(0),
    uploads: z.number().min(0),
    joins: z.number().min(0),
  }),
  exec: z.object({
    running: z.number().int().min(0),
    queued: z.number().int().min(0),
  }),
  /** Calls going on, and the people in them, over every room. */
  calls: z.object({
    inProgress: z.number().int().min(0),
    participants: z.number().int().min(0),
  }),
});
export type AdminStats = z.infer<typeof adminStatsSchema>;

/** `DELETE /api/admin/rooms/:roomId?grace=<0..300>`. */
export const adminDeleteQuerySchema = z.strictObject({
  grace: z.coerce
    .number()
    .int()
    .min(0)
    .max(ADMIN_MAX_GRACE_SECONDS)
    .default(ADMIN_DEFAULT_GRACE_SECONDS),
});

/** The answer to a delete: when the room goes (null: it went at once). */
export const adminDeleteResultSchema = z.object({ closingAt: z.iso.datetime().nullable() });

/** `POST /api/admin/rooms/:roomId/members/:memberId/kick` body (all optional). */
export const adminKickSchema = z.strictObject({
  banSeconds: z.number().int().min(0).max(ADMIN_MAX_BAN_SECONDS).default(ADMIN_DEFAULT_BAN_SECONDS),
});

export const auditEntrySchema = z.object({
  at: z.iso.datetime(),
  actor: z.string(),
  /** `room.delete`, `room.delete_now`, `room.cancel_close`, `member.kick`. */
  action: z.string(),
  /** `room:<roomId>` or `member:<roomId>/<memberId>`. */
  target: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const adminAuditSchema = z.object({ entries: z.array(auditEntrySchema) });

/** `GET /api/admin/audit?limit=` and `GET /api/admin/exec-runs?roomId=&limit=`. */
export const adminListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  roomId: z.string().min(1).max(64).optional(),
});

/** One code run of the execution log: never the code. */
export const adminExecRunSchema = z.object({
  roomId: z.string(),
  memberId: z.string(),
  language: z.string(),
  durationMs: z.number().int().min(0),
  exitCode: z.number().int(),
  timedOut: z.boolean(),
  truncated: z.boolean(),
  at: z.iso.datetime(),
});
export type AdminExecRun = z.infer<typeof adminExecRunSchema>;

export const adminExecRunsSchema = z.object({ runs: z.array(adminExecRunSchema) });

/** `GET /api/admin/rooms/:roomId`: one room with its members, for kicking. */
export const adminRoomDetailSchema = z.object({
  room: adminRoomSchema,
  members: z.array(memberPresenceSchema),
  /**
   * The room's call: each participant with what its client last reported of its connections to
   * the others (`peers`; null when it reported nothing to the instance that answered).
   */
  call: z
    .object({
      topology: z.enum(['mesh', 'sfu']),
      startedAt: z.iso.datetime(),
      participants: z.array(
        callParticipantSchema.extend({ peers: callQualitySchema.shape.peers.nullable() }),
      ),
    })
    .nullable(),
});
export type AdminRoomDetail = z.infer<typeof adminRoomDetailSchema>;
