import type { MemberRecord, RoomChange, RoomRecord } from '../records.js';
import { StoreConflictError, type RoomStore } from '../RoomStore.js';

interface Entry {
  room: RoomRecord;
  members: Map<string, MemberRecord>;
}

/** The default store: everything in RAM, nothing ever written to disk. */
export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, Entry>();
  private readonly byJoinCode = new Map<string, string>();

  async createRoom(room: RoomRecord): Promise<void> {
    if (this.rooms.has(room.id)) throw new StoreConflictError('room_id');
    if (this.byJoinCode.has(room.joinCode)) throw new StoreConflictError('join_code');
    this.rooms.set(room.id, { room: { ...room }, members: new Map() });
    this.byJoinCode.set(room.joinCode, room.id);
  }

  async getRoom(roomId: string): Promise<RoomRecord | undefined> {
    const entry = this.rooms.get(roomId);
    return entry && { ...entry.room };
  }

  async findRoomByJoinCode(joinCode: string): Promise<RoomRecord | undefined> {
    const roomId = this.byJoinCode.get(joinCode);
    return roomId === undefined ? undefined : this.getRoom(roomId);
  }

  async updateRoom(roomId: string, patch: Partial<Pick<RoomRecord, RoomChange>>) {
    const entry = this.rooms.get(roomId);
    if (entry) entry.room = { ...entry.room, ...patch };
  }

  async deleteRoom(roomId: string): Promise<boolean> {
    const entry = this.rooms.get(roomId);
    if (!entry) return false;
    this.rooms.delete(roomId);
    this.byJoinCode.delete(entry.room.joinCode);
    return true;
  }

  async listRooms(): Promise<RoomRecord[]> {
    return [...this.rooms.values()].map((entry) => ({ ...entry.room }));
  }

  async countRooms(): Promise<number> {
    return this.rooms.size;
  }

  async addMember(member: MemberRecord): Promise<void> {
    const entry = this.rooms.get(member.roomId);
    if (!entry) throw new Error(`no room ${member.roomId}`);
    if (entry.members.has(member.id)) throw new StoreConflictError('member_id');
    for (const other of entry.members.values()) {
      if (member.accountId !== undefined && other.accountId === member.accountId)
        throw new StoreConflictError('member_account');
      if (member.externalId !== undefined && other.externalId === member.externalId)
        throw new StoreConflictError('member_external');
      if (other.nameKey === member.nameKey) throw new StoreConflictError('name_key');
    }
    entry.members.set(member.id, { ...member });
  }

  async getMember(roomId: string, memberId: string): Promise<MemberRecord | undefined> {
    const member = this.rooms.get(roomId)?.members.get(memberId);
    return member && { ...member };
  }

  async listMembers(roomId: string): Promise<MemberRecord[]> {
    const members = this.rooms.get(roomId)?.members.values() ?? [];
    return [...members].map((member) => ({ ...member }));
  }

  async findMemberByAccount(roomId: string, accountId: string): Promise<MemberRecord | undefined> {
    return this.findMember(roomId, (m) => m.accountId === accountId);
  }

  async findMemberByExternal(
    roomId: string,
    externalId: string,
  ): Promise<MemberRecord | undefined> {
    return this.findMember(roomId, (m) => m.externalId === externalId);
  }

  private findMember(
    roomId: string,
    matches: (member: MemberRecord) => boolean,
  ): Promise<MemberRecord | undefined> {
    const members = this.rooms.get(roomId)?.members.values() ?? [];
    const member = [...members].find(matches);
    return Promise.resolve(member && { ...member });
  }

  async listAccountMembers(accountId: string): Promise<MemberRecord[]> {
    const found: MemberRecord[] = [];
    for (const entry of this.rooms.values())
      for (const member of entry.members.values())
        if (member.accountId === accountId) found.push({ ...member });
    return found.sort((a, b) => a.joinedAt - b.joinedAt);
  }

  async updateMember(
    roomId: string,
    memberId: string,
    patch: Partial<Pick<MemberRecord, 'role' | 'readSeq' | 'avatarUrl'>>,
  ) {
    const members = this.rooms.get(roomId)?.members;
    const member = members?.get(memberId);
    if (members && member) members.set(memberId, { ...member, ...patch });
  }

  async claimMember(roomId: string, memberId: string, accountId: string): Promise<boolean> {
    const members = this.rooms.get(roomId)?.members;
    const member = members?.get(memberId);
    if (!members || !member || member.accountId !== undefined) return false;
    for (const other of members.values())
      if (other.accountId === accountId) throw new StoreConflictError('member_account');
    members.set(memberId, { ...member, accountId });
    return true;
  }

  async removeMember(roomId: string, memberId: string): Promise<boolean> {
    return this.rooms.get(roomId)?.members.delete(memberId) ?? false;
  }

  async countMembers(): Promise<number> {
    let count = 0;
    for (const entry of this.rooms.values()) count += entry.members.size;
    return count;
  }

  async close(): Promise<void> {
    this.rooms.clear();
    this.byJoinCode.clear();
  }
}
