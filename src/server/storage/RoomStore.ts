import type { MemberRecord, RoomChange, RoomRecord } from './records.js';

/** Thrown by a store when a uniqueness rule would break; the service maps it to a user error. */
export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
  constructor(
    readonly constraint:
      | 'join_code'
      | 'name_key'
      | 'room_id'
      | 'member_id'
      | 'member_account'
      | 'member_external'
      | 'session_id',
  ) {
    super(`conflict on ${constraint}`);
  }
}

/**
 * Rooms and their members. Every driver (memory, SQLite, Postgres) passes storeContract.ts.
 *
 * Join codes are unique among stored rooms, and member name keys, account ids and external ids
 * unique within a room; a driver enforces them atomically (a unique index, or single-threaded checks) and reports a clash as
 * StoreConflictError, so two concurrent joins can never end up with the same name.
 */
export interface RoomStore {
  createRoom(room: RoomRecord): Promise<void>;
  getRoom(roomId: string): Promise<RoomRecord | undefined>;
  /** `joinCode` is upper case. */
  findRoomByJoinCode(joinCode: string): Promise<RoomRecord | undefined>;
  /**
   * Changes some of a room's fields. Making a room persistent keeps everything it holds (where
   * a database keeps only persistent rooms, its data moves there: storage/routed/).
   */
  updateRoom(roomId: string, patch: Partial<Pick<RoomRecord, RoomChange>>): Promise<void>;
  /** Deletes the room and its members; false when there was no such room. */
  deleteRoom(roomId: string): Promise<boolean>;
  listRooms(): Promise<RoomRecord[]>;
  countRooms(): Promise<number>;

  addMember(member: MemberRecord): Promise<void>;
  getMember(roomId: string, memberId: string): Promise<MemberRecord | undefined>;
  /** Members in the order they joined. */
  listMembers(roomId: string): Promise<MemberRecord[]>;
  /** The room's member that is this account, if it joined. */
  findMemberByAccount(roomId: string, accountId: string): Promise<MemberRecord | undefined>;
  /** The room's member that an integrator's ticket named (`MemberRecord.externalId`). */
  findMemberByExternal(roomId: string, externalId: string): Promise<MemberRecord | undefined>;
  /** Every membership of an account, across rooms, in the order it joined them. */
  listAccountMembers(accountId: string): Promise<MemberRecord[]>;
  updateMember(
    roomId: string,
    memberId: string,
    patch: Partial<Pick<MemberRecord, 'role' | 'readSeq' | 'avatarUrl'>>,
  ): Promise<void>;
  /**
   * Makes a guest member the account's: sets its `accountId` if it has none. False when the
   * member is not there or is an account's already; StoreConflictError('member_account') when
   * the account has another member in the room.
   */
  claimMember(roomId: string, memberId: string, accountId: string): Promise<boolean>;
  removeMember(roomId: string, memberId: string): Promise<boolean>;
  countMembers(): Promise<number>;

  close(): Promise<void>;
}
