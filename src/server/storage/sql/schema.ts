/**
 * The one SQL schema of the SQLite and Postgres drivers, as Kysely sees it. Times are epoch
 * milliseconds (bigint columns, read back as numbers); flags are 0/1 integers, because SQLite
 * has no boolean type and one schema serves both. migrations.ts creates exactly these tables.
 */
import type { Generated } from 'kysely';

export interface RoomsTable {
  id: string;
  join_code: string;
  /** sqlText.ts encoding. */
  name: string;
  created_at: number;
  expires_at: number | null;
  persistent: number;
  empty_since: number | null;
  /** The integrator whose tickets made the room (migration 006); null for any other room. */
  integrator_id: string | null;
  /** 0 when the owner turned link cards off; null (as before 007) or 1: on. */
  link_previews: number | null;
  /** 1 when the owner lets the room's link card name it; null or 0: a generic card. */
  named_card: number | null;
}

export interface MembersTable {
  room_id: string;
  id: string;
  display_name: string;
  name_key: string;
  role: string;
  joined_at: number;
  /** Unique per room where set (migration 003); null for a guest. */
  account_id: string | null;
  /** The last message seq the member has seen (migration 005); null until then. */
  read_seq: number | null;
  /** Who a ticket said the member is, unique per room where set (migration 006). */
  external_id: string | null;
  /** The avatar a ticket named (migration 006). */
  avatar_url: string | null;
}

/** The last seq handed out per room: one row locked per append, so seqs are gap-free. */
export interface MessageCountersTable {
  room_id: string;
  last_seq: number;
}

export interface MessagesTable {
  room_id: string;
  seq: number;
  id: string;
  type: string;
  /** sqlText.ts encoding. */
  body: string;
  sender_id: string | null;
  sender_name: string | null;
  sender_role: string | null;
  created_at: number;
  client_msg_id: string | null;
  /** `<senderId>/<clientMsgId>`, unique per room; null when there is no clientMsgId. */
  client_key: string | null;
  file_id: string | null;
  /** The link card as JSON (sqlText.ts encoding); null without one. Added by 007_previews. */
  preview: string | null;
}

export interface FilesTable {
  room_id: string;
  id: string;
  name: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  created_at: number;
  uploader_id: string;
  sha256: string;
  blob_key: string;
}

export interface DocSnapshotsTable {
  room_id: string;
  snapshot: Uint8Array;
}

export interface DocUpdatesTable {
  /** Rising in append order; Yjs updates commute, so the order matters only for tidiness. */
  id: Generated<number>;
  room_id: string;
  data: Uint8Array;
}

/** One row per code run: who, where, how it ended — never the code or its output. */
export interface ExecRunsTable {
  id: Generated<number>;
  room_id: string;
  member_id: string;
  language: string;
  duration_ms: number;
  exit_code: number | null;
  timed_out: number;
  truncated: number;
  created_at: number;
}

/** Accounts are global: no room id (migration 002). */
export interface AccountsTable {
  id: string;
  username: string;
  name_key: string;
  password_hash: string;
  /** `user` or `admin`. */
  role: string;
  created_at: number;
}

export interface AccountSessionsTable {
  id: string;
  account_id: string;
  /** SHA-256 (hex) of the cookie's token; unique. */
  token_hash: string;
  user_agent: string;
  created_at: number;
  last_seen_at: number;
  revoked_at: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  /** sqlText.ts encoding. */
  actor: string;
  action: string;
  /** sqlText.ts encoding. */
  target: string;
}

export interface Database {
  rooms: RoomsTable;
  members: MembersTable;
  message_counters: MessageCountersTable;
  messages: MessagesTable;
  files: FilesTable;
  doc_snapshots: DocSnapshotsTable;
  doc_updates: DocUpdatesTable;
  exec_runs: ExecRunsTable;
  accounts: AccountsTable;
  account_sessions: AccountSessionsTable;
  audit_log: AuditLogTable;
  web_images: WebImagesTable;
}

/** Which checked image a remote URL gave (WebImageStore): the blob is `web-images/<sha256>`. */
export interface WebImagesTable {
  /** SHA-256 (hex) of the URL. */
  url_key: string;
  sha256: string;
  created_at: number;
}

export type SqlDialect = 'sqlite' | 'postgres';
