/**
 * The rooms this tab has just created, so the name prompt that follows can show the room's name
 * and code (a room is read by its members only, and its creator is not one yet). A reload
 * forgets them; the prompt then asks without them.
 */
import type { Room } from '../../../protocol/schemas.js';

const created = new Map<string, Room>();

export function rememberCreatedRoom(room: Room): void {
  created.set(room.id, room);
}

export function createdRoom(roomId: string): Room | undefined {
  return created.get(roomId);
}
