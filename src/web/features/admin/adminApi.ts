/**
 * The admin API (API.md, "Admin") as the `/admin` page calls it: each call sends the operator's
 * token as a Bearer and checks the answer against the shapes of protocol/admin.ts, so a server
 * of another version fails here, in one place, instead of deep inside a table.
 */
import type { z } from 'zod';
import {
  adminAuditSchema,
  adminDeleteResultSchema,
  adminExecRunsSchema,
  adminRoomDetailSchema,
  adminRoomsSchema,
  adminStatsSchema,
  type AdminExecRun,
  type AdminRoom,
  type AdminRoomDetail,
  type AdminStats,
  type AuditEntry,
} from '../../../protocol/admin.js';
import { api, ApiError, type ApiOptions } from '../../lib/api.js';

/** How many log lines the page asks for: enough to scroll back through a busy hour. */
const LOG_LIMIT = 100;

async function read<S extends z.ZodType>(
  schema: S,
  path: string,
  token: string,
  options: Omit<ApiOptions, 'token'> = {},
): Promise<z.infer<S>> {
  const payload = await api<unknown>(path, { ...options, token });
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw new ApiError('internal_error', `The server's answer to ${path} was not understood.`, 200);
  }
  return parsed.data;
}

const roomPath = (roomId: string) => `/api/admin/rooms/${encodeURIComponent(roomId)}`;

export function fetchStats(token: string, signal?: AbortSignal): Promise<AdminStats> {
  return read(adminStatsSchema, '/api/admin/stats', token, signal ? { signal } : {});
}

export async function fetchRooms(token: string, signal?: AbortSignal): Promise<AdminRoom[]> {
  const { rooms } = await read(
    adminRoomsSchema,
    '/api/admin/rooms',
    token,
    signal ? { signal } : {},
  );
  return rooms;
}

export function fetchRoom(token: string, roomId: string): Promise<AdminRoomDetail> {
  return read(adminRoomDetailSchema, roomPath(roomId), token);
}

/** Starts a room's delete countdown of `graceSeconds` (0: at once); resolves with its end. */
export async function deleteRoom(
  token: string,
  roomId: string,
  graceSeconds: number,
): Promise<string | null> {
  const path = `${roomPath(roomId)}?grace=${graceSeconds}`;
  const { closingAt } = await read(adminDeleteResultSchema, path, token, { method: 'DELETE' });
  return closingAt;
}

export async function cancelDelete(token: string, roomId: string): Promise<void> {
  await api(`${roomPath(roomId)}/cancel-close`, { method: 'POST', token });
}

/** Removes a member, keeping them out of the room for `banSeconds` (0: may rejoin at once). */
export async function kickMember(
  token: string,
  roomId: string,
  memberId: string,
  banSeconds: number,
): Promise<void> {
  await api(`${roomPath(roomId)}/members/${encodeURIComponent(memberId)}/kick`, {
    method: 'POST',
    token,
    body: { banSeconds },
  });
}

export async function fetchAudit(token: string): Promise<AuditEntry[]> {
  const { entries } = await read(adminAuditSchema, `/api/admin/audit?limit=${LOG_LIMIT}`, token);
  return entries;
}

export async function fetchExecRuns(token: string): Promise<AdminExecRun[]> {
  const path = `/api/admin/exec-runs?limit=${LOG_LIMIT}`;
  const { runs } = await read(adminExecRunsSchema, path, token);
  return runs;
}
