import type { Kysely, Selectable } from 'kysely';
import type { Role } from '../../../protocol/schemas.js';
import type { MemberRecord, RoomChange, RoomRecord } from '../records.js';
import { StoreConflictError, type RoomStore } from '../RoomStore.js';
import type { Database, MembersTable, RoomsTable } from './schema.js';
import type { SqlDatabase } from './SqlDatabase.js';
import { decodeText, encodeText } from './sqlText.js';
import { uniqueViolation } from './uniqueViolation.js';

/**
 * Rooms and members in SQL. The unique indexes on `rooms.join_code` and `members(room_id,
 * name_key)` decide clashes atomically, across instances too; deleting a room deletes its
 * members by foreign-key cascade.
 */
export class SqlRoomStore implements RoomStore {
  private readonly db: Kysely<Database>;
  private readonly release: () => Promise<void>;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.release = database.retain();
  }

  async createRoom(room: RoomRecord): Promise<void> {
    try {
      await this.db
        .insertInto('rooms')
        .values({
          id: room.id,
          join_code: room.joinCode,
          name: encodeText(room.name),
          created_at: room.createdAt,
          expires_at: room.expiresAt,
          persistent: room.persistent ? 1 : 0,
          empty_since: room.emptySince,
          integrator_id: room.integratorId ?? null,
          link_previews: flag(room.linkPreviews),
          named_card: flag(room.namedCard),
        })
        .execute();
    } catch (error) {
      const columns = uniqueViolation(error);
      if (columns?.includes('join_code')) throw new StoreConflictError('join_code');
      if (columns?.includes('id')) throw new StoreConflictError('room_id');
      throw error;
    }
  }

  async getRoom(roomId: string): Promise<RoomRecord | undefined> {
    const row = await this.db
      .selectFrom('rooms')
      .selectAll()
      .where('id', '=', roomId)
      .executeTakeFirst();
    return row && roomRecord(row);
  }

  async findRoomByJoinCode(joinCode: string): Promise<RoomRecord | undefined> {
    const row = await this.db
      .selectFrom('rooms')
      .selectAll()
      .where('join_code', '=', joinCode)
      .executeTakeFirst();
    return row && roomRecord(row);
  }

  async updateRoom(roomId: string, patch: Partial<Pick<RoomRecord, RoomChange>>): Promise<void> {
    const set: {
      name?: string;
      expires_at?: number | null;
      persistent?: number;
      empty_since?: number | null;
      link_previews?: number | null;
      named_card?: number | null;
    } = {};
    if (patch.name !== undefined) set.name = encodeText(patch.name);
    if (patch.expiresAt !== undefined) set.expires_at = patch.expiresAt;
    if (patch.persistent !== undefined) set.persistent = patch.persistent ? 1 : 0;
    if (patch.emptySince !== undefined) set.empty_since = patch.emptySince;
    if (patch.linkPreviews !== undefined) set.link_previews = flag(patch.linkPreviews);
    if (patch.namedCard !== undefined) set.named_card = flag(patch.namedCard);
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('rooms').set(set).where('id', '=', roomId).execute();
  }

  async deleteRoom(roomId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('rooms').where('id', '=', roomId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async listRooms(): Promise<RoomRecord[]> {
    const rows = await this.db.selectFrom('rooms').selectAll().orderBy('created_at').execute();
    return rows.map(roomRecord);
  }

  async countRooms(): Promise<number> {
    return this.count('rooms');
  }

  async addMember(member: MemberRecord): Promise<void> {
    try {
      await this.db
        .insertInto('members')
        .values({
          room_id: member.roomId,
          id: member.id,
          display_name: member.displayName,
          name_key: member.nameKey,
          role: member.role,
          joined_at: member.joinedAt,
          account_id: member.accountId ?? null,
          read_seq: member.readSeq ?? null,
          external_id: member.externalId ?? null,
          avatar_url: member.avatarUrl ?? null,
        })
        .execute();
    } catch (error) {
      const columns = uniqueViolation(error);
      if (columns?.includes('account_id')) throw new StoreConflictError('member_account');
      if (columns?.includes('external_id')) throw new StoreConflictError('member_external');
      if (columns?.includes('name_key')) throw new StoreConflictError('name_key');
      if (columns?.includes('id')) throw new StoreConflictError('member_id');
      throw error;
    }
  }

  async getMember(roomId: string, memberId: string): Promise<MemberRecord | undefined> {
    const row = await this.db
      .selectFrom('members')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('id', '=', memberId)
      .executeTakeFirst();
    return row && memberRecord(row);
  }

  async listMembers(roomId: string): Promise<MemberRecord[]> {
    // Members who joined in the same millisecond come in id order: any order, but always the
    // same one, so "the first member listed" (the owner) is one member for every caller.
    const rows = await this.db
      .selectFrom('members')
      .selectAll()
      .where('room_id', '=', roomId)
      .orderBy('joined_at')
      .orderBy('id')
      .execute();
    return rows.map(memberRecord);
  }

  async findMemberByAccount(roomId: string, accountId: string): Promise<MemberRecord | undefined> {
    return this.findMemberBy(roomId, 'account_id', accountId);
  }

  async findMemberByExternal(
    roomId: string,
    externalId: string,
  ): Promise<MemberRecord | undefined> {
    return this.findMemberBy(roomId, 'external_id', externalId);
  }

  /** The room's member whose `column` (unique within a room) is `value`. */
  private async findMemberBy(
    roomId: string,
    column: 'account_id' | 'external_id',
    value: string,
  ): Promise<MemberRecord | undefined> {
    const row = await this.db
      .selectFrom('members')
      .selectAll()
      .where('room_id', '=', roomId)
      .where(column, '=', value)
      .executeTakeFirst();
    return row && memberRecord(row);
  }

  async listAccountMembers(accountId: string): Promise<MemberRecord[]> {
    const rows = await this.db
      .selectFrom('members')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('joined_at')
      .orderBy('room_id')
      .execute();
    return rows.map(memberRecord);
  }

  async updateMember(
    roomId: string,
    memberId: string,
    patch: Partial<Pick<MemberRecord, 'role' | 'readSeq' | 'avatarUrl'>>,
  ): Promise<void> {
    const set: { role?: string; read_seq?: number; avatar_url?: string } = {};
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.readSeq !== undefined) set.read_seq = patch.readSeq;
    if (patch.avatarUrl !== undefined) set.avatar_url = patch.avatarUrl;
    if (Object.keys(set).length === 0) return;
    await this.db
      .updateTable('members')
      .set(set)
      .where('room_id', '=', roomId)
      .where('id', '=', memberId)
      .execute();
  }

  async claimMember(roomId: string, memberId: string, accountId: string): Promise<boolean> {
    try {
      const result = await this.db
        .updateTable('members')
        .set({ account_id: accountId })
        .where('room_id', '=', roomId)
        .where('id', '=', memberId)
        .where('account_id', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    } catch (error) {
      if (uniqueViolation(error)?.includes('account_id'))
        throw new StoreConflictError('member_account');
      throw error;
    }
  }

  async removeMember(roomId: string, memberId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('members')
      .where('room_id', '=', roomId)
      .where('id', '=', memberId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async countMembers(): Promise<number> {
    return this.count('members');
  }

  async close(): Promise<void> {
    await this.release();
  }

  private async count(table: 'rooms' | 'members'): Promise<number> {
    const row = await this.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}

function roomRecord(row: Selectable<RoomsTable>): RoomRecord {
  return {
    id: row.id,
    joinCode: row.join_code,
    name: decodeText(row.name),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    persistent: row.persistent === 1,
    emptySince: row.empty_since,
    ...(row.integrator_id !== null && { integratorId: row.integrator_id }),
    ...(row.link_previews !== null && { linkPreviews: row.link_previews === 1 }),
    ...(row.named_card !== null && { namedCard: row.named_card === 1 }),
  };
}

/** A setting as a column: null when never set. */
function flag(value: boolean | undefined): number | null {
  return value === undefined ? null : value ? 1 : 0;
}

function memberRecord(row: Selectable<MembersTable>): MemberRecord {
  const member: MemberRecord = {
    id: row.id,
    roomId: row.room_id,
    displayName: row.display_name,
    nameKey: row.name_key,
    role: row.role as Role,
    joinedAt: row.joined_at,
  };
  if (row.account_id !== null) member.accountId = row.account_id;
  if (row.read_seq !== null) member.readSeq = Number(row.read_seq);
  if (row.external_id !== null) member.externalId = row.external_id;
  if (row.avatar_url !== null) member.avatarUrl = row.avatar_url;
  return member;
}
