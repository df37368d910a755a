/**
 * What the stores hold. Times are epoch milliseconds; the public shapes (ISO strings, nested
 * sender) are made from these by the presenters (core/presenters.ts, files/presenters.ts).
 */
import type { MessageType, Preview, Role } from '../../protocol/schemas.js';

export interface RoomRecord {
  id: string;
  joinCode: string;
  name: string;
  createdAt: number;
  /** null: lives until deleted. */
  expiresAt: number | null;
  persistent: boolean;
  /** When the room last had nobody connected; null while someone is. Drives empty-room clean-up. */
  emptySince: number | null;
  /**
   * The integrator whose signed tickets made the room (embed/): such a room is entered only
   * with a ticket, never by its link or join code.
   */
  integratorId?: string;
  /** Whether links in the room's messages get cards (absent: yes). */
  linkPreviews?: boolean;
  /** Whether the room's link card names the room (absent: no, a generic card). */
  namedCard?: boolean;
}

/** The fields of a room that may change after it was made. */
export type RoomChange =
  'name' | 'expiresAt' | 'persistent' | 'emptySince' | 'linkPreviews' | 'namedCard';

export interface MemberRecord {
  id: string;
  roomId: string;
  displayName: string;
  /** Case-folded confusable skeleton of displayName; unique within a room. */
  nameKey: string;
  role: Role;
  joinedAt: number;
  /**
   * The last message seq the member has seen: set when they join and when their last connection
   * closes (while online they see every message). Unset in rows from before it was kept.
   */
  readSeq?: number;
  /** The account this member is, when it joined signed in; absent for a guest. */
  accountId?: string;
  /**
   * Who an integrator's ticket says the member is (`<integratorId>:<userId>`): unique within a
   * room, so a later ticket for the same person is the same member.
   */
  externalId?: string;
  /** The avatar a ticket named (https), shown only once fetched by the server itself. */
  avatarUrl?: string;
}

export interface MessageRecord {
  id: string;
  roomId: string;
  seq: number;
  type: MessageType;
  body: string;
  /** The sender as they were when they sent it: a message outlives its sender's membership. */
  sender: { id: string; displayName: string; role: Role } | null;
  createdAt: number;
  clientMsgId?: string;
  fileId?: string;
  /**
   * The card of the first link in the body, as it was when attached (history shows what people
   * saw); its image and icon are this server's proxy URLs.
   */
  preview?: Preview;
}

export type MessageDraft = Omit<MessageRecord, 'seq'>;

export interface FileRecord {
  id: string;
  roomId: string;
  /** Sanitised; its extension matches the detected type. */
  name: string;
  mime: string;
  size: number;
  width?: number;
  height?: number;
  createdAt: number;
  uploaderId: string;
  /** Of the stored (served) bytes, which may differ from the uploaded ones (metadata stripped). */
  sha256: string;
  blobKey: string;
}

/** One code run (the execution log): who ran what language and how it ended — never the code. */
export interface ExecRunRecord {
  roomId: string;
  memberId: string;
  language: string;
  durationMs: number;
  exitCode: number;
  timedOut: boolean;
  truncated: boolean;
  createdAt: number;
}

/** One admin action (the audit log): who did it, what, to what, when. */
export interface AuditRecord {
  at: number;
  /** `admin token`, or the admin account's username. */
  actor: string;
  /** `room.delete`, `room.cancel_close`, `member.kick`, … */
  action: string;
  /** What it was done to: `room:<id>`, `member:<roomId>/<memberId>`. */
  target: string;
}

/**
 * What an account may do beyond its own rooms: `viewer` reads the admin API, `operator` also
 * acts (delete rooms, kick). Given with `roomkit admin grant`, never by the server itself.
 */
export type AccountRole = 'user' | 'viewer' | 'operator';

/** A registered user (API.md, "Accounts"). Accounts are global: they belong to no room. */
export interface AccountRecord {
  id: string;
  /** As registered: display-name rules, shown as the member's name in rooms. */
  username: string;
  /** nameKey(username): unique among accounts, so look-alike usernames cannot both exist. */
  nameKey: string;
  /** The encoded argon2id hash, parameters included. */
  passwordHash: string;
  role: AccountRole;
  createdAt: number;
}

/** One signed-in browser or client of an account: what the `rk_auth` cookie points at. */
export interface AccountSessionRecord {
  /** Public: what the session list shows and `DELETE /api/auth/sessions/:id` names. */
  id: string;
  accountId: string;
  /** SHA-256 (hex) of the cookie's secret token; the token itself is never stored. */
  tokenHash: string;
  /** As the client sent it at sign-in, cut to a bounded length. */
  userAgent: string;
  createdAt: number;
  lastSeenAt: number;
  /** null while the session is valid. */
  revokedAt: number | null;
}
