/**
 * The behaviour every storage driver promises, written once. A driver's test file calls
 * `describeStoreContract('sqlite', factory)`; when this suite passes, the driver is correct.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomJoinCode } from '../core/ids.js';
import { closeStores, type Stores } from './Stores.js';
import { EXEC_RUNS_PER_ROOM } from './ExecRunStore.js';
import type {
  AccountRecord,
  AccountSessionRecord,
  ExecRunRecord,
  FileRecord,
  MemberRecord,
  MessageDraft,
  RoomRecord,
} from './records.js';
import { StoreConflictError } from './RoomStore.js';

export type { Stores };

let counter = 0;
const unique = (prefix: string) =>
  `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`.padEnd(22, '0');

export function roomRecord(overrides: Partial<RoomRecord> = {}): RoomRecord {
  return {
    id: unique('room'),
    joinCode: randomJoinCode(),
    name: 'Test room',
    createdAt: 1_700_000_000_000,
    expiresAt: 1_700_003_600_000,
    persistent: false,
    emptySince: null,
    ...overrides,
  };
}

export function memberRecord(roomId: string, overrides: Partial<MemberRecord> = {}): MemberRecord {
  const displayName = overrides.displayName ?? unique('m');
  return {
    id: unique('member'),
    roomId,
    displayName,
    nameKey: displayName.toLowerCase(),
    role: 'member',
    joinedAt: 1_700_000_000_000 + counter,
    ...overrides,
  };
}

function draft(roomId: string, overrides: Partial<MessageDraft> = {}): MessageDraft {
  return {
    id: unique('msg'),
    roomId,
    type: 'text',
    body: 'hello',
    sender: { id: 'member-a', displayName: 'Ada', role: 'owner' },
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function describeStoreContract(driver: string, open: () => Promise<Stores>): void {
  describe(`storage contract: ${driver}`, () => {
    let stores: Stores;
    beforeEach(async () => {
      stores = await open();
    });
    afterEach(async () => {
      await closeStores(stores);
    });

    describe('RoomStore', () => {
      it('stores a room and finds it by id and by join code', async () => {
        const room = roomRecord({ name: 'Ünïcode ✓' });
        await stores.rooms.createRoom(room);
        expect(await stores.rooms.getRoom(room.id)).toEqual(room);
        expect(await stores.rooms.findRoomByJoinCode(room.joinCode)).toEqual(room);
        expect(await stores.rooms.getRoom(unique('missing'))).toBeUndefined();
        expect(await stores.rooms.findRoomByJoinCode('ZZZZZZ')).toBeUndefined();
      });

      it('keeps join codes unique among stored rooms, and frees a code when its room goes', async () => {
        const first = roomRecord();
        await stores.rooms.createRoom(first);
        const clash = roomRecord({ joinCode: first.joinCode });
        await expect(stores.rooms.createRoom(clash)).rejects.toEqual(
          new StoreConflictError('join_code'),
        );
        expect(await stores.rooms.deleteRoom(first.id)).toBe(true);
        await stores.rooms.createRoom(clash);
        expect((await stores.rooms.findRoomByJoinCode(first.joinCode))?.id).toBe(clash.id);
      });

      it('updates the fields a room may change and nothing else', async () => {
        const room = roomRecord();
        await stores.rooms.createRoom(room);
        await stores.rooms.updateRoom(room.id, { emptySince: 1_700_000_100_000, expiresAt: null });
        expect(await stores.rooms.getRoom(room.id)).toEqual({
          ...room,
          emptySince: 1_700_000_100_000,
          expiresAt: null,
        });
      });

      it('returns copies, so a caller cannot change stored state by accident', async () => {
        const room = roomRecord();
        await stores.rooms.createRoom(room);
        const read = (await stores.rooms.getRoom(room.id)) as RoomRecord;
        read.name = 'changed';
        expect((await stores.rooms.getRoom(room.id))?.name).toBe(room.name);
      });

      it('lists and counts rooms and members', async () => {
        const before = await stores.rooms.countRooms();
        const membersBefore = await stores.rooms.countMembers();
        const a = roomRecord();
        const b = roomRecord();
        await stores.rooms.createRoom(a);
        await stores.rooms.createRoom(b);
        await stores.rooms.addMember(memberRecord(a.id));
        await stores.rooms.addMember(memberRecord(b.id));
        await stores.rooms.addMember(memberRecord(b.id));
        expect(await stores.rooms.countRooms()).toBe(before + 2);
        expect(await stores.rooms.countMembers()).toBe(membersBefore + 3);
        const ids = (await stores.rooms.listRooms()).map((room) => room.id);
        expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
      });

      it('keeps members in join order and name keys unique within a room only', async () => {
        const a = roomRecord();
        const b = roomRecord();
        await stores.rooms.createRoom(a);
        await stores.rooms.createRoom(b);
        const ada = memberRecord(a.id, {
          displayName: 'Ada',
          nameKey: 'ada',
          role: 'owner',
          joinedAt: 1,
        });
        const grace = memberRecord(a.id, { displayName: 'Grace', nameKey: 'grace', joinedAt: 2 });
        await stores.rooms.addMember(ada);
        await stores.rooms.addMember(grace);
        await expect(
          stores.rooms.addMember(memberRecord(a.id, { displayName: 'ADA', nameKey: 'ada' })),
        ).rejects.toEqual(new StoreConflictError('name_key'));
        await stores.rooms.addMember(memberRecord(b.id, { displayName: 'Ada', nameKey: 'ada' }));
        expect(await stores.rooms.listMembers(a.id)).toEqual([ada, grace]);
        expect(await stores.rooms.getMember(a.id, grace.id)).toEqual(grace);
        expect(await stores.rooms.getMember(b.id, grace.id)).toBeUndefined();
      });

      it('frees a name when its member leaves, and updates roles', async () => {
        const room = roomRecord();
        await stores.rooms.createRoom(room);
        const ada = memberRecord(room.id, { nameKey: 'ada' });
        await stores.rooms.addMember(ada);
        expect(await stores.rooms.removeMember(room.id, ada.id)).toBe(true);
        expect(await stores.rooms.removeMember(room.id, ada.id)).toBe(false);
        const again = memberRecord(room.id, { nameKey: 'ada' });
        await stores.rooms.addMember(again);
        await stores.rooms.updateMember(room.id, again.id, { role: 'owner' });
        expect((await stores.rooms.getMember(room.id, again.id))?.role).toBe('owner');
      });

      it('keeps the account a member is, one member per account and room', async () => {
        const a = roomRecord();
        const b = roomRecord({ persistent: true, expiresAt: null });
        await stores.rooms.createRoom(a);
        await stores.rooms.createRoom(b);
        const accountId = unique('account');
        const inA = memberRecord(a.id, { accountId, joinedAt: 10 });
        const inB = memberRecord(b.id, { accountId, joinedAt: 20 });
        const guest = memberRecord(a.id);
        const otherGuest = memberRecord(a.id);
        for (const member of [inB, inA, guest, otherGuest]) await stores.rooms.addMember(member);
        expect(await stores.rooms.getMember(a.id, inA.id)).toEqual(inA);
        expect(await stores.rooms.getMember(a.id, guest.id)).not.toHaveProperty('accountId');
        expect(await stores.rooms.findMemberByAccount(a.id, accountId)).toEqual(inA);
        expect(await stores.rooms.findMemberByAccount(a.id, unique('account'))).toBeUndefined();
        expect(await stores.rooms.listAccountMembers(accountId)).toEqual([inA, inB]);
        expect(await stores.rooms.listAccountMembers(unique('account'))).toEqual([]);
        await expect(stores.rooms.addMember(memberRecord(a.id, { accountId }))).rejects.toEqual(
          new StoreConflictError('member_account'),
        );
        await stores.rooms.removeMember(a.id, inA.id);
        expect(await stores.rooms.findMemberByAccount(a.id, accountId)).toBeUndefined();
        expect(await stores.rooms.listAccountMembers(accountId)).toEqual([inB]);
        await stores.rooms.deleteRoom(b.id);
        expect(await stores.rooms.listAccountMembers(accountId)).toEqual([]);
      });

      it('gives a guest member to an account once, and never a second member of one account', async () => {
        const room = roomRecord();
        await stores.rooms.createRoom(room);
        const accountId = unique('account');
        const guest = memberRecord(room.id);
        const other = memberRecord(room.id);
        await stores.rooms.addMember(guest);
        await stores.rooms.addMember(other);
        expect(await stores.rooms.claimMember(room.id, guest.id, accountId)).toBe(true);
        expect(await stores.rooms.getMember(room.id, guest.id)).toEqual({ ...guest, accountId });
        expect(await stores.rooms.findMemberByAccount(room.id, accountId)).toEqual({
          ...guest,
          accountId,
        });
        // Claimed already, by this account or another: nothing changes.
        expect(await stores.rooms.claimMember(room.id, guest.id, accountId)).toBe(false);
        expect(await stores.rooms.claimMember(room.id, guest.id, unique('account'))).toBe(false);
        expect(await stores.rooms.claimMember(room.id, unique('missing'), accountId)).toBe(false);
        await expect(stores.rooms.claimMember(room.id, other.id, accountId)).rejects.toEqual(
          new StoreConflictError('member_account'),
        );
        expect(await stores.rooms.getMember(room.id, other.id)).not.toHaveProperty('accountId');
      });

      it('finds a member by the external id a ticket gave it, unique within a room', async () => {
        const room = { ...roomRecord(), integratorId: 'shop' };
        const other = roomRecord();
        await stores.rooms.createRoom(room);
        await stores.rooms.createRoom(other);
        expect(await stores.rooms.getRoom(room.id)).toEqual(room);
        expect(await stores.rooms.getRoom(other.id)).not.toHaveProperty('integratorId');
        const externalId = unique('shop:user');
        const ticketed = {
          ...memberRecord(room.id),
          externalId,
          avatarUrl: 'https://cdn.example/a.png',
        };
        const elsewhere = { ...memberRecord(other.id), externalId };
        await stores.rooms.addMember(ticketed);
        await stores.rooms.addMember(elsewhere);
        expect(await stores.rooms.findMemberByExternal(room.id, externalId)).toEqual(ticketed);
        expect(await stores.rooms.findMemberByExternal(other.id, externalId)).toEqual(elsewhere);
        expect(await stores.rooms.findMemberByExternal(room.id, unique('x'))).toBeUndefined();
        await expect(
          stores.rooms.addMember({ ...memberRecord(room.id), externalId }),
        ).rejects.toEqual(new StoreConflictError('member_external'));
        await stores.rooms.updateMember(room.id, ticketed.id, {
          avatarUrl: 'https://cdn.example/b.png',
        });
        expect(await stores.rooms.getMember(room.id, ticketed.id)).toEqual({
          ...ticketed,
          avatarUrl: 'https://cdn.example/b.png',
        });
      });

      it('deletes a room with its members', async () => {
        const room = roomRecord();
        await stores.rooms.createRoom(room);
        const member = memberRecord(room.id);
        await stores.rooms.addMember(member);
        expect(await stores.rooms.deleteRoom(room.id)).toBe(true);
        expect(await stores.rooms.deleteRoom(room.id)).toBe(false);
        expect(await stores.rooms.getRoom(room.id)).toBeUndefined();
        expect(await stores.rooms.getMember(room.id, member.id)).toBeUndefined();
        expect(await stores.rooms.listMembers(room.id)).toEqual([]);
      });
    });

    describe('MessageStore', () => {
      it('numbers messages 1, 2, 3… per room and returns them as stored', async () => {
        const roomA = unique('room');
        const roomB = unique('room');
        const first = await stores.messages.append(
          draft(roomA, { body: '<script>alert(1)</script>' }),
        );
        const second = await stores.messages.append(
          draft(roomA, { type: 'system', sender: null, body: 'Ada joined' }),
        );
        const other = await stores.messages.append(draft(roomB));
        expect([first.message.seq, second.message.seq, other.message.seq]).toEqual([1, 2, 1]);
        expect(first.created).toBe(true);
        expect(first.message.body).toBe('<script>alert(1)</script>');
        expect(await stores.messages.getMessage(roomA, second.message.id)).toEqual(second.message);
      });

      it('keeps any text as it was sent, NUL and noncharacters included', async () => {
        const roomId = unique('room');
        const bodies = ['a\u0000b', '\uffff0', '\uffff\u0000\uffff\uffff', '👩‍💻 \t\r\n'];
        for (const body of bodies) await stores.messages.append(draft(roomId, { body }));
        const stored = await stores.messages.listAfter(roomId, 0, 10);
        expect(stored.messages.map((m) => m.body)).toEqual(bodies);
        const room = roomRecord({ name: 'x\u0000\uffff0y' });
        await stores.rooms.createRoom(room);
        expect((await stores.rooms.getRoom(room.id))?.name).toBe(room.name);
      });

      it('gives concurrent appends distinct, gapless seqs', async () => {
        const roomId = unique('room');
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            stores.messages.append(draft(roomId, { body: `m${i}` })),
          ),
        );
        const seqs = results.map((result) => result.message.seq).sort((x, y) => x - y);
        expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      });

      it('stores a clientMsgId once per sender and returns the first message again', async () => {
        const roomId = unique('room');
        const first = await stores.messages.append(
          draft(roomId, { clientMsgId: 'c-1', body: 'once' }),
        );
        const again = await stores.messages.append(
          draft(roomId, { clientMsgId: 'c-1', body: 'twice' }),
        );
        expect(again).toEqual({ message: first.message, created: false });
        const otherSender = await stores.messages.append(
          draft(roomId, {
            clientMsgId: 'c-1',
            sender: { id: 'member-b', displayName: 'Grace', role: 'member' },
          }),
        );
        expect(otherSender.created).toBe(true);
        expect(otherSender.message.seq).toBe(2);
      });

      it('pages backwards with before/limit and forwards with after', async () => {
        const roomId = unique('room');
        for (let i = 1; i <= 7; i++) await stores.messages.append(draft(roomId, { body: `m${i}` }));
        const newest = await stores.messages.listBefore(roomId, undefined, 3);
        expect(newest.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
        expect(newest.hasMore).toBe(true);
        const older = await stores.messages.listBefore(roomId, 5, 3);
        expect(older.messages.map((m) => m.seq)).toEqual([2, 3, 4]);
        const oldest = await stores.messages.listBefore(roomId, 2, 3);
        expect(oldest).toMatchObject({ hasMore: false });
        expect(oldest.messages.map((m) => m.seq)).toEqual([1]);
        const after = await stores.messages.listAfter(roomId, 4, 2);
        expect(after.messages.map((m) => m.seq)).toEqual([5, 6]);
        expect(after.hasMore).toBe(true);
        expect((await stores.messages.listAfter(roomId, 7, 10)).messages).toEqual([]);
        expect(await stores.messages.listBefore(unique('empty'), undefined, 10)).toEqual({
          messages: [],
          hasMore: false,
        });
      });

      it("deletes a room's log", async () => {
        const roomId = unique('room');
        await stores.messages.append(draft(roomId));
        await stores.messages.deleteRoom(roomId);
        expect((await stores.messages.listBefore(roomId, undefined, 10)).messages).toEqual([]);
      });

      it('attaches a link card to a message, keeps it, and takes it off again', async () => {
        const roomId = unique('room');
        await stores.messages.append(draft(roomId, { body: 'first' }));
        const { message } = await stores.messages.append(draft(roomId, { body: 'see ☞ link' }));
        const preview = {
          url: 'https://example.com/a?b=c',
          title: 'Ünïcode “title”',
          description: null,
          siteName: 'Example',
          image: '/api/images?url=https%3A%2F%2Fexample.com%2Fi.png&sig=abc',
          icon: null,
        };
        const attached = await stores.messages.setPreview(roomId, message.seq, preview);
        expect(attached).toEqual({ ...message, preview });
        expect((await stores.messages.getMessage(roomId, message.id))?.preview).toEqual(preview);
        const page = await stores.messages.listAfter(roomId, 0, 10);
        expect(page.messages.map((m) => m.preview)).toEqual([undefined, preview]);
        expect(await stores.messages.setPreview(roomId, 99, preview)).toBeUndefined();
        expect(await stores.messages.setPreview(unique('room'), 1, preview)).toBeUndefined();
        const removed = await stores.messages.setPreview(roomId, message.seq, null);
        expect(removed).toEqual(message);
        expect((await stores.messages.getMessage(roomId, message.id))?.preview).toBeUndefined();
      });
    });

    describe('WebImageStore', () => {
      it('finds the bytes a URL gave, and the newest when it gave others later', async () => {
        const url = unique('url');
        expect(await stores.webImages.get(url)).toBeUndefined();
        await stores.webImages.put(url, 'a'.repeat(64), 1_700_000_000_000);
        expect(await stores.webImages.get(url)).toBe('a'.repeat(64));
        await stores.webImages.put(url, 'b'.repeat(64), 1_700_000_000_001);
        expect(await stores.webImages.get(url)).toBe('b'.repeat(64));
        expect(await stores.webImages.get(unique('url'))).toBeUndefined();
      });
    });

    describe('FileStore', () => {
      const file = (roomId: string, overrides: Partial<FileRecord> = {}): FileRecord => ({
        id: unique('file'),
        roomId,
        name: 'photo.jpg',
        mime: 'image/jpeg',
        size: 1234,
        width: 640,
        height: 480,
        createdAt: 1_700_000_000_000 + counter,
        uploaderId: 'member-a',
        sha256: 'ab'.repeat(32),
        blobKey: `${roomId}/${'ab'.repeat(32)}`,
        ...overrides,
      });

      it('stores files per room, oldest first, with every field', async () => {
        const roomId = unique('room');
        const first = file(roomId, { createdAt: 1 });
        const second = file(roomId, { createdAt: 2, name: 'notes.pdf', mime: 'application/pdf' });
        delete second.width;
        delete second.height;
        await stores.files.addFile(first);
        await stores.files.addFile(second);
        await stores.files.addFile(file(unique('other')));
        expect(await stores.files.listFiles(roomId)).toEqual([first, second]);
        expect(await stores.files.getFile(roomId, second.id)).toEqual(second);
        expect(await stores.files.getFile(unique('other'), second.id)).toBeUndefined();
      });

      it("deletes a room's files", async () => {
        const roomId = unique('room');
        const kept = unique('room');
        await stores.files.addFile(file(roomId));
        await stores.files.addFile(file(kept));
        await stores.files.deleteRoom(roomId);
        expect(await stores.files.listFiles(roomId)).toEqual([]);
        expect(await stores.files.listFiles(kept)).toHaveLength(1);
      });
    });

    describe('BlobStore', () => {
      // Keys are `<roomId>/<sha256 of the bytes>`, as FileService makes them.
      const keyOf = (roomId: string, bytes: Buffer) =>
        `${roomId}/${createHash('sha256').update(bytes).digest('hex')}`;

      it('round-trips bytes exactly, including an empty-looking binary', async () => {
        const bytes = Buffer.from([0, 255, 1, 254, 0, 0, 10, 13]);
        const key = keyOf(unique('room'), bytes);
        await stores.blobs.put(key, bytes);
        expect(await stores.blobs.has(key)).toBe(true);
        expect(Buffer.compare((await stores.blobs.get(key)) as Buffer, bytes)).toBe(0);
        const missing = keyOf(unique('room'), bytes);
        expect(await stores.blobs.get(missing)).toBeUndefined();
        expect(await stores.blobs.has(missing)).toBe(false);
      });

      it("keeps its own copy: changing the caller's buffer changes nothing stored", async () => {
        const bytes = Buffer.from('original');
        const key = keyOf(unique('room'), bytes);
        await stores.blobs.put(key, bytes);
        bytes.write('CHANGED!');
        expect(((await stores.blobs.get(key)) as Buffer).toString()).toBe('original');
      });

      it('deletes by prefix and nothing else', async () => {
        const roomA = unique('room');
        const roomB = unique('room');
        const [one, two] = [Buffer.from('1'), Buffer.from('2')];
        await stores.blobs.put(keyOf(roomA, one), one);
        await stores.blobs.put(keyOf(roomA, two), two);
        await stores.blobs.put(keyOf(roomB, Buffer.from('3')), Buffer.from('3'));
        await stores.blobs.deletePrefix(`${roomA}/`);
        await stores.blobs.deletePrefix(`${unique('missing')}/`);
        expect(await stores.blobs.has(keyOf(roomA, one))).toBe(false);
        expect(await stores.blobs.has(keyOf(roomA, two))).toBe(false);
        expect(await stores.blobs.has(keyOf(roomB, Buffer.from('3')))).toBe(true);
      });

      it('keeps bytes another room shares when one room goes', async () => {
        const roomA = unique('room');
        const roomB = unique('room');
        const bytes = Buffer.from('the same photo, shared in two rooms');
        await stores.blobs.put(keyOf(roomA, bytes), bytes);
        await stores.blobs.put(keyOf(roomB, bytes), bytes);
        await stores.blobs.deletePrefix(`${roomA}/`);
        expect(await stores.blobs.has(keyOf(roomA, bytes))).toBe(false);
        expect(Buffer.compare((await stores.blobs.get(keyOf(roomB, bytes))) as Buffer, bytes)).toBe(
          0,
        );
        // Put again after the other room's delete: the bytes are stored anew, not lost.
        await stores.blobs.put(keyOf(roomA, bytes), bytes);
        await stores.blobs.deletePrefix(`${roomB}/`);
        expect(Buffer.compare((await stores.blobs.get(keyOf(roomA, bytes))) as Buffer, bytes)).toBe(
          0,
        );
      });
    });

    describe('DocStore', () => {
      const bytes = (...values: number[]) => new Uint8Array(values);
      const plain = (list: Uint8Array[]) => list.map((update) => [...update]);

      it('loads nothing for a room with nothing stored', async () => {
        expect(await stores.docs.load(unique('room'))).toMatchObject({ updates: [] });
        expect((await stores.docs.load(unique('room'))).snapshot).toBeUndefined();
      });

      it('round-trips updates byte for byte, in the order they were appended', async () => {
        const roomId = unique('room');
        const updates = [bytes(0, 255, 1), bytes(), bytes(7, 0, 0, 13, 10), bytes(42)];
        for (const update of updates) await stores.docs.appendUpdate(roomId, update);
        const loaded = await stores.docs.load(roomId);
        expect(loaded.snapshot).toBeUndefined();
        expect(plain(loaded.updates)).toEqual(plain(updates));
      });

      it("keeps its own copy: changing the caller's bytes changes nothing stored", async () => {
        const roomId = unique('room');
        const update = bytes(1, 2, 3);
        const snapshotRoom = unique('room');
        const snapshot = bytes(4, 5, 6);
        await stores.docs.appendUpdate(roomId, update);
        await stores.docs.replace(snapshotRoom, snapshot);
        update.fill(9);
        snapshot.fill(9);
        expect(plain((await stores.docs.load(roomId)).updates)).toEqual([[1, 2, 3]]);
        expect([...((await stores.docs.load(snapshotRoom)).snapshot as Uint8Array)]).toEqual([
          4, 5, 6,
        ]);
      });

      it('replace drops the old snapshot and every update; later appends follow the new snapshot', async () => {
        const roomId = unique('room');
        await stores.docs.appendUpdate(roomId, bytes(1));
        await stores.docs.appendUpdate(roomId, bytes(2));
        await stores.docs.replace(roomId, bytes(1, 2));
        let loaded = await stores.docs.load(roomId);
        expect([...(loaded.snapshot as Uint8Array)]).toEqual([1, 2]);
        expect(loaded.updates).toEqual([]);
        await stores.docs.appendUpdate(roomId, bytes(3));
        await stores.docs.replace(roomId, bytes(1, 2, 3));
        await stores.docs.appendUpdate(roomId, bytes(4));
        loaded = await stores.docs.load(roomId);
        expect([...(loaded.snapshot as Uint8Array)]).toEqual([1, 2, 3]);
        expect(plain(loaded.updates)).toEqual([[4]]);
      });

      it("replace with a load's cursor keeps the updates appended after that load", async () => {
        const roomId = unique('room');
        await stores.docs.appendUpdate(roomId, bytes(1));
        await stores.docs.appendUpdate(roomId, bytes(2));
        const loaded = await stores.docs.load(roomId);
        // Another instance appends while this one folds what it loaded into a snapshot.
        await stores.docs.appendUpdate(roomId, bytes(3));
        await stores.docs.replace(roomId, bytes(1, 2), loaded.cursor);
        let after = await stores.docs.load(roomId);
        expect([...(after.snapshot as Uint8Array)]).toEqual([1, 2]);
        expect(plain(after.updates)).toEqual([[3]]);
        // And again from there: cursors keep counting.
        await stores.docs.appendUpdate(roomId, bytes(4));
        const second = await stores.docs.load(roomId);
        await stores.docs.appendUpdate(roomId, bytes(5));
        await stores.docs.replace(roomId, bytes(1, 2, 3, 4), second.cursor);
        after = await stores.docs.load(roomId);
        expect([...(after.snapshot as Uint8Array)]).toEqual([1, 2, 3, 4]);
        expect(plain(after.updates)).toEqual([[5]]);
        // A room with nothing stored has a cursor too, and replace with it keeps nothing old.
        const fresh = unique('room');
        const empty = await stores.docs.load(fresh);
        await stores.docs.replace(fresh, bytes(9), empty.cursor);
        expect(plain((await stores.docs.load(fresh)).updates)).toEqual([]);
      });

      it("deletes a room's document and nothing else", async () => {
        const roomId = unique('room');
        const kept = unique('room');
        await stores.docs.replace(roomId, bytes(1));
        await stores.docs.appendUpdate(roomId, bytes(2));
        await stores.docs.appendUpdate(kept, bytes(3));
        await stores.docs.deleteRoom(roomId);
        await stores.docs.deleteRoom(unique('missing'));
        expect(await stores.docs.load(roomId)).toMatchObject({ updates: [] });
        expect((await stores.docs.load(roomId)).snapshot).toBeUndefined();
        expect(plain((await stores.docs.load(kept)).updates)).toEqual([[3]]);
      });

      it('keeps rooms apart', async () => {
        const roomA = unique('room');
        const roomB = unique('room');
        await stores.docs.appendUpdate(roomA, bytes(1));
        await stores.docs.appendUpdate(roomB, bytes(2));
        await stores.docs.replace(roomA, bytes(10));
        await stores.docs.appendUpdate(roomB, bytes(3));
        const loadedA = await stores.docs.load(roomA);
        expect([...(loadedA.snapshot as Uint8Array)]).toEqual([10]);
        expect(loadedA.updates).toEqual([]);
        const loadedB = await stores.docs.load(roomB);
        expect(loadedB.snapshot).toBeUndefined();
        expect(plain(loadedB.updates)).toEqual([[2], [3]]);
      });
    });

    describe('ExecRunStore', () => {
      let clock = 1_700_000_000_000;
      const runRecord = (
        roomId: string,
        overrides: Partial<ExecRunRecord> = {},
      ): ExecRunRecord => ({
        roomId,
        memberId: unique('member'),
        language: 'python',
        durationMs: 42,
        exitCode: 0,
        timedOut: false,
        truncated: false,
        createdAt: clock++,
        ...overrides,
      });

      it("round-trips every field and lists a room's runs newest first", async () => {
        const roomId = unique('room');
        const first = runRecord(roomId, { language: 'javascript', exitCode: 3 });
        const second = runRecord(roomId, {
          exitCode: 137,
          timedOut: true,
          truncated: true,
          durationMs: 5001,
        });
        await stores.execRuns.append(first);
        await stores.execRuns.append(second);
        expect(await stores.execRuns.recent({ roomId, limit: 10 })).toEqual([second, first]);
        expect(await stores.execRuns.recent({ roomId, limit: 1 })).toEqual([second]);
        expect(await stores.execRuns.recent({ roomId: unique('room'), limit: 10 })).toEqual([]);
      });

      it('lists the newest runs across rooms', async () => {
        const [roomA, roomB] = [unique('room'), unique('room')];
        const runs = [runRecord(roomA), runRecord(roomB), runRecord(roomA)];
        for (const run of runs) await stores.execRuns.append(run);
        const newest = await stores.execRuns.recent({ limit: 3 });
        expect(newest).toEqual([runs[2], runs[1], runs[0]]);
      });

      it(`keeps a room's newest ${EXEC_RUNS_PER_ROOM} runs`, { timeout: 60_000 }, async () => {
        const roomId = unique('room');
        const other = unique('room');
        await stores.execRuns.append(runRecord(other));
        for (let i = 0; i < EXEC_RUNS_PER_ROOM + 5; i++)
          await stores.execRuns.append(runRecord(roomId, { durationMs: i }));
        const kept = await stores.execRuns.recent({ roomId, limit: EXEC_RUNS_PER_ROOM + 10 });
        expect(kept).toHaveLength(EXEC_RUNS_PER_ROOM);
        expect(kept[0]!.durationMs).toBe(EXEC_RUNS_PER_ROOM + 4);
        expect(kept.at(-1)!.durationMs).toBe(5);
        expect(await stores.execRuns.recent({ roomId: other, limit: 10 })).toHaveLength(1);
      });

      it("deletes a room's runs and nothing else", async () => {
        const [roomId, kept] = [unique('room'), unique('room')];
        await stores.execRuns.append(runRecord(roomId));
        const keptRun = runRecord(kept);
        await stores.execRuns.append(keptRun);
        await stores.execRuns.deleteRoom(roomId);
        await stores.execRuns.deleteRoom(unique('missing'));
        expect(await stores.execRuns.recent({ roomId, limit: 10 })).toEqual([]);
        expect(await stores.execRuns.recent({ roomId: kept, limit: 10 })).toEqual([keptRun]);
      });
    });

    describe('AuditStore', () => {
      it('lists the newest entries first, as they were appended', async () => {
        const tag = unique('audit');
        const entries = Array.from({ length: 5 }, (_, i) => ({
          at: 1_700_000_000_000 + i,
          actor: i % 2 ? 'admin token' : 'Ada Lovelace ✓',
          action: i % 2 ? 'member.kick' : 'room.delete',
          target: `room:${tag}-${i}`,
        }));
        for (const entry of entries) await stores.audit.append(entry);
        const newest = await stores.audit.recent(3);
        expect(newest).toEqual(entries.slice(2).reverse());
        newest[0]!.actor = 'changed';
        expect((await stores.audit.recent(1))[0]).toEqual(entries[4]);
      });
    });

    describe('a room made persistent', () => {
      it('keeps its members, messages (ids and seq), files, bytes, document and runs', async () => {
        const room = roomRecord();
        await stores.rooms.createRoom(room);
        const owner = memberRecord(room.id, { role: 'owner' });
        await stores.rooms.addMember(owner);
        const guest = memberRecord(room.id);
        await stores.rooms.addMember(guest);
        const messages = [];
        for (let i = 0; i < 3; i++) {
          const sent = await stores.messages.append(
            draft(room.id, { body: `m${i}`, clientMsgId: `c${i}` }),
          );
          messages.push(sent.message);
        }
        // A link card goes with its message.
        const preview = { url: 'https://example.com/', title: 'Example' };
        messages[1] = (await stores.messages.setPreview(room.id, 2, {
          ...preview,
          description: null,
          siteName: null,
          image: null,
          icon: null,
        }))!;
        const bytes = Buffer.from('the bytes of a photo');
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        const file: FileRecord = {
          id: unique('file'),
          roomId: room.id,
          name: 'photo.jpg',
          mime: 'image/jpeg',
          size: bytes.length,
          createdAt: 1_700_000_000_000,
          uploaderId: owner.id,
          sha256,
          blobKey: `${room.id}/${sha256}`,
        };
        await stores.blobs.put(file.blobKey, bytes);
        await stores.files.addFile(file);
        await stores.docs.appendUpdate(room.id, new Uint8Array([1, 2, 3]));
        const run: ExecRunRecord = {
          roomId: room.id,
          memberId: owner.id,
          language: 'python',
          durationMs: 12,
          exitCode: 0,
          timedOut: false,
          truncated: false,
          createdAt: 1_700_000_000_000,
        };
        await stores.execRuns.append(run);

        // Writes that come while the room changes are kept, in order.
        const [, late] = await Promise.all([
          stores.rooms.updateRoom(room.id, { persistent: true, expiresAt: null }),
          stores.messages.append(draft(room.id, { body: 'during' })),
        ]);

        expect(await stores.rooms.getRoom(room.id)).toEqual({
          ...room,
          persistent: true,
          expiresAt: null,
        });
        expect(await stores.rooms.findRoomByJoinCode(room.joinCode)).toMatchObject({
          id: room.id,
        });
        expect(await stores.rooms.listMembers(room.id)).toEqual([owner, guest]);
        const log = await stores.messages.listAfter(room.id, 0, 10);
        expect(log.messages).toEqual([...messages, late.message]);
        expect(late.message.seq).toBe(4);
        const again = await stores.messages.append(
          draft(room.id, { body: 'again', clientMsgId: 'c1', sender: messages[1].sender }),
        );
        expect(again).toEqual({ message: messages[1], created: false });
        const next = await stores.messages.append(draft(room.id, { body: 'after' }));
        expect(next.message.seq).toBe(5);
        expect(await stores.files.listFiles(room.id)).toEqual([file]);
        expect(await stores.blobs.get(file.blobKey)).toEqual(bytes);
        const doc = await stores.docs.load(room.id);
        const held = [...(doc.snapshot ? [doc.snapshot] : []), ...doc.updates];
        expect(held.map((update) => [...update])).toEqual([[1, 2, 3]]);
        expect(await stores.execRuns.recent({ roomId: room.id, limit: 10 })).toEqual([run]);
      });
    });

    describe('AccountStore', () => {
      const account = (overrides: Partial<AccountRecord> = {}): AccountRecord => {
        const username = overrides.username ?? unique('user');
        return {
          id: unique('account'),
          username,
          nameKey: username.toLowerCase(),
          passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
          role: 'user',
          createdAt: 1_700_000_000_000,
          ...overrides,
        };
      };
      let clock = 1_700_000_000_000;
      const session = (
        accountId: string,
        overrides: Partial<AccountSessionRecord> = {},
      ): AccountSessionRecord => {
        const at = clock++;
        return {
          id: unique('session'),
          accountId,
          tokenHash: createHash('sha256').update(unique('token')).digest('hex'),
          userAgent: 'Firefox ✓',
          createdAt: at,
          lastSeenAt: at,
          revokedAt: null,
          ...overrides,
        };
      };

      it('stores an account and finds it by id and by name key', async () => {
        const ada = account({ username: 'Ädä Lovelace', nameKey: 'ädä lovelace', role: 'viewer' });
        await stores.accounts.createAccount(ada);
        expect(await stores.accounts.getAccount(ada.id)).toEqual(ada);
        expect(await stores.accounts.findAccountByNameKey('ädä lovelace')).toEqual(ada);
        expect(await stores.accounts.getAccount(unique('missing'))).toBeUndefined();
        expect(await stores.accounts.findAccountByNameKey(unique('missing'))).toBeUndefined();
      });

      it('gives and takes admin roles, and lists the accounts that have one', async () => {
        const before = (await stores.accounts.listAdmins()).map((a) => a.id);
        const [ops, view, user] = [
          account({ createdAt: 1_700_000_000_001 }),
          account({ createdAt: 1_700_000_000_002 }),
          account(),
        ];
        for (const a of [ops, view, user]) await stores.accounts.createAccount(a);
        await stores.accounts.updateRole(ops.id, 'operator');
        await stores.accounts.updateRole(view.id, 'viewer');
        expect((await stores.accounts.getAccount(ops.id))?.role).toBe('operator');
        const admins = (await stores.accounts.listAdmins()).filter((a) => !before.includes(a.id));
        expect(admins.map((a) => [a.id, a.role])).toEqual([
          [ops.id, 'operator'],
          [view.id, 'viewer'],
        ]);
        await stores.accounts.updateRole(ops.id, 'user');
        expect((await stores.accounts.listAdmins()).map((a) => a.id)).not.toContain(ops.id);
      });

      it('refuses a second account with the same name key, even under another spelling', async () => {
        const first = account({ username: 'Grace', nameKey: unique('grace') });
        await stores.accounts.createAccount(first);
        const clash = account({ username: 'GRACE', nameKey: first.nameKey });
        await expect(stores.accounts.createAccount(clash)).rejects.toEqual(
          new StoreConflictError('name_key'),
        );
        expect(await stores.accounts.getAccount(clash.id)).toBeUndefined();
        expect(await stores.accounts.findAccountByNameKey(first.nameKey)).toEqual(first);
      });

      it('lets exactly one of two concurrent registrations of a name win', async () => {
        const nameKey = unique('race');
        const results = await Promise.allSettled([
          stores.accounts.createAccount(account({ nameKey })),
          stores.accounts.createAccount(account({ nameKey })),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      });

      it('replaces a password hash and nothing else', async () => {
        const ada = account();
        const other = account();
        await stores.accounts.createAccount(ada);
        await stores.accounts.createAccount(other);
        await stores.accounts.updatePasswordHash(ada.id, '$argon2id$new');
        expect(await stores.accounts.getAccount(ada.id)).toEqual({
          ...ada,
          passwordHash: '$argon2id$new',
        });
        expect(await stores.accounts.getAccount(other.id)).toEqual(other);
      });

      it("finds a session by its token's hash and lists an account's live sessions, oldest first", async () => {
        const ada = account();
        const other = account();
        await stores.accounts.createAccount(ada);
        await stores.accounts.createAccount(other);
        const first = session(ada.id);
        const second = session(ada.id, { userAgent: '' });
        const foreign = session(other.id);
        for (const s of [second, first, foreign]) await stores.accounts.createSession(s);
        expect(await stores.accounts.findSessionByTokenHash(first.tokenHash)).toEqual(first);
        expect(await stores.accounts.findSessionByTokenHash('0'.repeat(64))).toBeUndefined();
        expect(await stores.accounts.getSession(first.id)).toEqual(first);
        expect(await stores.accounts.getSession(unique('missing'))).toBeUndefined();
        expect(await stores.accounts.listSessions(ada.id)).toEqual([first, second]);
        expect(await stores.accounts.listSessions(unique('missing'))).toEqual([]);
      });

      it('refuses a second session with the same token hash', async () => {
        const ada = account();
        await stores.accounts.createAccount(ada);
        const first = session(ada.id);
        await stores.accounts.createSession(first);
        await expect(
          stores.accounts.createSession(session(ada.id, { tokenHash: first.tokenHash })),
        ).rejects.toBeInstanceOf(StoreConflictError);
      });

      it('touches a session', async () => {
        const ada = account();
        await stores.accounts.createAccount(ada);
        const s = session(ada.id);
        await stores.accounts.createSession(s);
        await stores.accounts.touchSession(s.id, s.lastSeenAt + 60_000);
        expect(await stores.accounts.findSessionByTokenHash(s.tokenHash)).toEqual({
          ...s,
          lastSeenAt: s.lastSeenAt + 60_000,
        });
      });

      it('revokes named sessions of the account only, and reports what it revoked', async () => {
        const ada = account();
        const other = account();
        await stores.accounts.createAccount(ada);
        await stores.accounts.createAccount(other);
        const [a1, a2] = [session(ada.id), session(ada.id)];
        const foreign = session(other.id);
        for (const s of [a1, a2, foreign]) await stores.accounts.createSession(s);
        expect(await stores.accounts.revokeSessions(ada.id, 5, { sessionIds: [a1.id] })).toEqual([
          a1.id,
        ]);
        // Again: nothing left to revoke. Another account's session is out of reach.
        expect(await stores.accounts.revokeSessions(ada.id, 6, { sessionIds: [a1.id] })).toEqual(
          [],
        );
        expect(
          await stores.accounts.revokeSessions(ada.id, 6, { sessionIds: [foreign.id] }),
        ).toEqual([]);
        expect(await stores.accounts.revokeSessions(ada.id, 6, { sessionIds: [] })).toEqual([]);
        expect(await stores.accounts.findSessionByTokenHash(a1.tokenHash)).toEqual({
          ...a1,
          revokedAt: 5,
        });
        expect(await stores.accounts.listSessions(ada.id)).toEqual([a2]);
        expect(await stores.accounts.listSessions(other.id)).toEqual([foreign]);
      });

      it('revokes every other session of the account, or all of them', async () => {
        const ada = account();
        const other = account();
        await stores.accounts.createAccount(ada);
        await stores.accounts.createAccount(other);
        const [a1, a2, a3] = [session(ada.id), session(ada.id), session(ada.id)];
        const foreign = session(other.id);
        for (const s of [a1, a2, a3, foreign]) await stores.accounts.createSession(s);
        const revoked = await stores.accounts.revokeSessions(ada.id, 7, { except: a2.id });
        expect(revoked.sort()).toEqual([a1.id, a3.id].sort());
        expect(await stores.accounts.listSessions(ada.id)).toEqual([a2]);
        expect(await stores.accounts.revokeSessions(ada.id, 8, { except: undefined })).toEqual([
          a2.id,
        ]);
        expect(await stores.accounts.listSessions(ada.id)).toEqual([]);
        expect(await stores.accounts.listSessions(other.id)).toEqual([foreign]);
      });
    });
  });
}
