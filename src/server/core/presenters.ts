/** Presenters: store records → the public shapes of API.md (rooms, members, messages). */
import type {
  Member,
  MemberPresence,
  Message,
  Room,
  RoomSettings,
} from '../../protocol/schemas.js';
import type { MemberRecord, MessageRecord, RoomRecord } from '../storage/records.js';

/** A time in ms since the epoch as API.md writes times. */
export const iso = (ms: number) => new Date(ms).toISOString();

export function roomView(room: RoomRecord): Room {
  return {
    id: room.id,
    joinCode: room.joinCode,
    name: room.name,
    createdAt: iso(room.createdAt),
    expiresAt: room.expiresAt === null ? null : iso(room.expiresAt),
    persistent: room.persistent,
  };
}

/** The owner's settings of a room, with their defaults. */
export function roomSettingsView(room: RoomRecord): RoomSettings {
  return { linkPreviews: room.linkPreviews ?? true, namedCard: room.namedCard ?? false };
}

/** What a member view is made from: a stored member, or a message's snapshot of its sender. */
type MemberFields = Pick<MemberRecord, 'id' | 'displayName' | 'role'> &
  Partial<Pick<MemberRecord, 'roomId' | 'avatarUrl'>>;

export function memberView(member: MemberFields): Member {
  const view: Member = { id: member.id, displayName: member.displayName, role: member.role };
  const avatar = avatarPath(member);
  if (avatar !== undefined) view.avatar = avatar;
  return view;
}

/**
 * Where a member's picture is served by this server (the image proxy fetches it), when an
 * integrator's ticket gave one: the third party's URL itself never reaches a client.
 */
function avatarPath(member: MemberFields): string | undefined {
  if (member.avatarUrl === undefined || member.roomId === undefined) return undefined;
  return `/api/rooms/${member.roomId}/members/${member.id}/avatar`;
}

/**
 * A member with its `online` flag, as `presence` and `room:state` list them. Written out, not as
 * `{ ...memberView(m), online }`: V8 gives a spread copy a backing store of its own, nearly three
 * times the size, and these entries are many — every join sends the room's whole list, and
 * Socket.IO's connection-state recovery keeps each for two minutes.
 */
export function memberPresenceView(member: MemberFields, online: boolean): MemberPresence {
  const avatar = avatarPath(member);
  return avatar === undefined
    ? { id: member.id, displayName: member.displayName, role: member.role, online }
    : { id: member.id, displayName: member.displayName, role: member.role, avatar, online };
}

export function messageView(message: MessageRecord): Message {
  const view: Message = {
    id: message.id,
    roomId: message.roomId,
    seq: message.seq,
    type: message.type,
    body: message.body,
    sender: message.sender && memberView(message.sender),
    createdAt: iso(message.createdAt),
  };
  if (message.clientMsgId !== undefined) view.clientMsgId = message.clientMsgId;
  if (message.fileId !== undefined) view.fileId = message.fileId;
  if (message.preview !== undefined) view.preview = message.preview;
  return view;
}
