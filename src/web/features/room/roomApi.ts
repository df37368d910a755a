/** The room endpoints of API.md ("Rooms and members", "Messages") used by the web client. */
import type { Member, Message, Room, RoomState } from '../../../protocol/schemas.js';
import { api } from '../../lib/api.js';

export interface JoinResponse {
  token: string;
  member: Member;
  room: Room;
}

export function createRoom(): Promise<{ room: Room; url: string }> {
  return api('/api/rooms', { body: {} });
}

export function joinRoom(
  target: { roomId: string } | { joinCode: string },
  displayName: string,
): Promise<JoinResponse> {
  return api('/api/rooms/join', { body: { ...target, displayName } });
}

export function leaveRoom(roomId: string, token: string): Promise<void> {
  return api(`/api/rooms/${encodeURIComponent(roomId)}/leave`, { method: 'POST', token });
}

const HISTORY_PAGE = 50;

export function fetchEarlierMessages(
  roomId: string,
  token: string,
  before: number,
): Promise<{ messages: Message[]; hasMore: boolean }> {
  const query = new URLSearchParams({ before: String(before), limit: String(HISTORY_PAGE) });
  return api(`/api/rooms/${encodeURIComponent(roomId)}/messages?${query}`, { token });
}

/** The room as its member sees it (also a way to check that a stored session still works). */
export function fetchRoom(roomId: string, token: string): Promise<Omit<RoomState, 'member'>> {
  return api(`/api/rooms/${encodeURIComponent(roomId)}`, { token });
}

export function postMessage(
  roomId: string,
  token: string,
  body: string,
  clientMsgId: string,
): Promise<{ message: Message }> {
  return api(`/api/rooms/${encodeURIComponent(roomId)}/messages`, {
    token,
    body: { body, clientMsgId },
  });
}
