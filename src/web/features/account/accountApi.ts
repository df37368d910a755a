/** The account endpoints of API.md ("Accounts") used by the web client; the cookie does the rest. */
import type { Account, AccountRoom, AccountSession } from '../../../protocol/accounts.js';
import type { Member, Room } from '../../../protocol/schemas.js';
import { api } from '../../lib/api.js';

export interface Credentials {
  username: string;
  password: string;
}

export function register(credentials: Credentials): Promise<{ account: Account }> {
  return api('/api/auth/register', { body: credentials });
}

export function login(credentials: Credentials): Promise<{ account: Account }> {
  return api('/api/auth/login', { body: credentials });
}

export function logout(): Promise<void> {
  return api('/api/auth/logout', { method: 'POST' });
}

export function fetchMe(signal?: AbortSignal): Promise<{ account: Account }> {
  return api('/api/auth/me', signal ? { signal } : {});
}

export function fetchMyRooms(): Promise<{ rooms: AccountRoom[] }> {
  return api('/api/me/rooms');
}

export function fetchSessions(): Promise<{ sessions: AccountSession[] }> {
  return api('/api/auth/sessions');
}

export function revokeSession(sessionId: string): Promise<void> {
  return api(`/api/auth/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE' });
}

export function revokeOtherSessions(): Promise<void> {
  return api('/api/auth/sessions/revoke-others', { method: 'POST' });
}

export function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  return api('/api/auth/password', { body: { currentPassword, newPassword } });
}

/** Makes the guest member that `token` belongs to the signed-in account's. */
export function claimMembership(
  roomId: string,
  token: string,
): Promise<{ member: Member; room: Room }> {
  return api('/api/auth/claim', { token, body: { roomId } });
}
