import type { MemberRecord, RoomChange, RoomRecord } from '../records.js';
import { StoreConflictError, type RoomStore } from '../RoomStore.js';
import type { RoomRouter } from './RoomRouter.js';

/**
 * Rooms and members on the side their room lives (RoomRouter). Join codes stay unique across
 * both sides: a new room is stored, then the other side is asked for its code, and on a clash
 * the new room is taken back — two rooms racing for one code on different sides both see each
 * other and both retry, so a code never ends up on two live rooms.
 */
export class RoutedRoomStore implements RoomStore {
  constructor(private readonly router: RoomRouter) {}

  async createRoom(room: RoomRecord): Promise<void> {
    const own = this.router.place(room.id, room.persistent).rooms;
    const other = (room.persistent ? this.router.memory : this.router.durable).rooms;
    try {
      await own.createRoom(room);
    } catch (error) {
      this.router.forget(room.id);
      throw error;
    }
    if (await other.findRoomByJoinCode(room.joinCode)) {
      await own.deleteRoom(room.id);
      this.router.forget(room.id);
      throw new StoreConflictError('join_code');
    }
  }

  async getRoom(roomId: string): Promise<RoomRecord | undefined> {
    return this.router.run(roomId, (stores) => stores.rooms.getRoom(roomId));
  }

  async findRoomByJoinCode(joinCode: string): Promise<RoomRecord | undefined> {
    return (
      (await this.router.memory.rooms.findRoomByJoinCode(joinCode)) ??
      (await this.router.durable.rooms.findRoomByJoinCode(joinCode))
    );
  }

  async updateRoom(roomId: string, patch: Partial<Pick<RoomRecord, RoomChange>>): Promise<void> {
    // A room made persistent moves to the database first, with everything it holds.
    if (patch.persistent === true) await this.router.moveToDurable(roomId);
    await this.router.run(roomId, (stores) => stores.rooms.updateRoom(roomId, patch));
  }

  async deleteRoom(roomId: string): Promise<boolean> {
    const deleted = await this.router.run(roomId, (stores) => stores.rooms.deleteRoom(roomId));
    this.router.forget(roomId);
    return deleted;
  }

  async listRooms(): Promise<RoomRecord[]> {
    return [
      ...(await this.router.memory.rooms.listRooms()),
      ...(await this.router.durable.rooms.listRooms()),
    ];
  }

  async countRooms(): Promise<number> {
    return (
      (await this.router.memory.rooms.countRooms()) + (await this.router.durable.rooms.countRooms())
    );
  }

  async addMember(member: MemberRecord): Promise<void> {
    await this.router.run(member.roomId, (stores) => stores.rooms.addMember(member));
  }

  async getMember(roomId: string, memberId: string): Promise<MemberRecord | undefined> {
    return this.router.run(roomId, (stores) => stores.rooms.getMember(roomId, memberId));
  }

  async listMembers(roomId: string): Promise<MemberRecord[]> {
    return this.router.run(roomId, (stores) => stores.rooms.listMembers(roomId));
  }

  async findMemberByAccount(roomId: string, accountId: string): Promise<MemberRecord | undefined> {
    return this.router.run(roomId, (stores) => stores.rooms.findMemberByAccount(roomId, accountId));
  }

  async findMemberByExternal(
    roomId: string,
    externalId: string,
  ): Promise<MemberRecord | undefined> {
    return this.router.run(roomId, (stores) =>
      stores.rooms.findMemberByExternal(roomId, externalId),
    );
  }

  /** From both sides: an account may be in ephemeral and persistent rooms alike. */
  async listAccountMembers(accountId: string): Promise<MemberRecord[]> {
    const [memory, durable] = await Promise.all([
      this.router.memory.rooms.listAccountMembers(accountId),
      this.router.durable.rooms.listAccountMembers(accountId),
    ]);
    return [...memory, ...durable].sort((a, b) => a.joinedAt - b.joinedAt);
  }

  async updateMember(
    roomId: string,
    memberId: string,
    patch: Partial<Pick<MemberRecord, 'role' | 'readSeq' | 'avatarUrl'>>,
  ): Promise<void> {
    await this.router.run(roomId, (stores) => stores.rooms.updateMember(roomId, memberId, patch));
  }

  async claimMember(roomId: string, memberId: string, accountId: string): Promise<boolean> {
    return this.router.run(roomId, (stores) =>
      stores.rooms.claimMember(roomId, memberId, accountId),
    );
  }

  async removeMember(roomId: string, memberId: string): Promise<boolean> {
    return this.router.run(roomId, (stores) => stores.rooms.removeMember(roomId, memberId));
  }

  async countMembers(): Promise<number> {
    return (
      (await this.router.memory.rooms.countMembers()) +
      (await this.router.durable.rooms.countMembers())
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.router.memory.rooms.close(), this.router.durable.rooms.close()]);
  }
}
