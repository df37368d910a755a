/**
 * The admin API (API.md, "Admin") as the `/admin` page calls it: each call proves itself as the
 * page signed in (the operator's token as a Bearer, or the browser's admin account cookie) and
 * checks the answer against the shapes of protocol/admin.ts, so a server of another version
 * fails here, in one place, instead of deep inside a table.
 */
import type { z } from 'zod';
import {
  adminAuditSchema,
  adminDeleteResultSchema,
  adminExecRunsSchema,
  adminIdentitySchema,
  adminRoomDetailSchema,
  adminRoomsSchema,
  adminStatsSchema,
  type AdminExecRun,
  type AdminIdentity,
  type AdminRoom,
  type AdminRoomDetail,
  type AdminStats,
  type AuditEntry,
} from '../../../protocol/admin.js';
import { api, ApiError, type ApiOptions } from '../../lib/api.js';

/** How many log lines the page asks for: enough to scroll back through a busy hour. */
const LOG_LIMIT = 100;

/**
 * How the page proves itself: the operator's admin token, sent as a Bearer, or the account this
 * browser is signed in as, whose httpOnly cookie goes with every same-origin request.
 */
export type AdminAuth = { via: 'token'; token: string } | { via: 'account' };

function call<T>(path: string, auth: AdminAuth, options: Omit<ApiOptions, 'token'> = {}) {
  return api<T>(path, auth.via === 'token' ? { ...options, token: auth.token } : options);
}

async function read<S extends z.ZodType>(
  schema: S,
  path: string,
  auth: AdminAuth,
  options: Omit<ApiOptions, 'token'> = {},
): Promise<z.infer<S>> {
  const payload = await call<unknown>(path, auth, options);
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw new ApiError('internal_error', `The server's answer to ${path} was not understood.`, 200);
  }
  return parsed.data;
}

const roomPath = (roomId: string) => `/api/admin/rooms/${encodeURIComponent(roomId)}`;

/** Who the page is to the admin API, and whether it may act: the check made at sign-in. */
export function fetchIdentity(auth: AdminAuth): Promise<AdminIdentity> {
  return read(adminIdentitySchema, '/api/admin/me', auth);
}

export function fetchStats(auth: AdminAuth, signal?: AbortSignal): Promise<AdminStats> {
  return read(adminStatsSchema, '/api/admin/stats', auth, signal ? { signal } : {});
}

export async function fetchRooms(auth: AdminAuth, signal?: AbortSignal): Promise<AdminRoom[]> {
  const { rooms } = await read(
    adminRoomsSchema,
    '/api/admin/rooms',
    auth,
    signal ? { signal } : {},
  );
  return rooms;
}

export function fetchRoom(auth: AdminAuth, roomId: string): Promise<AdminRoomDetail> {
  return read(adminRoomDetailSchema, roomPath(roomId), auth);
}

/** Starts a room's delete countdown of `graceSeconds` (0: at once); resolves with its end. */
export async function deleteRoom(
  auth: AdminAuth,
  roomId: string,
  graceSeconds: number,
): Promise<string | null> {
  const path = `${roomPath(roomId)}?grace=${graceSeconds}`;
  const { closingAt } = await read(adminDeleteResultSchema, path, auth, { method: 'DELETE' });
  return closingAt;
}

export async function cancelDelete(auth: AdminAuth, roomId: string): Promise<void> {
  await call(`${roomPath(roomId)}/cancel-close`, auth, { method: 'POST' });
}

/** Removes a member, keeping them out of the room for `banSeconds` (0: may rejoin at once). */
export async function kickMember(
  auth: AdminAuth,
  roomId: string,
  memberId: string,
  banSeconds: number,
): Promise<void> {
  await call(`${roomPath(roomId)}/members/${encodeURIComponent(memberId)}/kick`, auth, {
    method: 'POST',
    body: { banSeconds },
  });
}

export async function fetchAudit(auth: AdminAuth): Promise<AuditEntry[]> {
  const { entries } = await read(adminAuditSchema, `/api/admin/audit?limit=${LOG_LIMIT}`, auth);
  return entries;
}

export async function fetchExecRuns(auth: AdminAuth): Promise<AdminExecRun[]> {
  const path = `/api/admin/exec-runs?limit=${LOG_LIMIT}`;
  const { runs } = await read(adminExecRunsSchema, path, auth);
  return runs;
}
