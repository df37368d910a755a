/**
 * Routed stores with a database: persistent rooms' data in SQLite (and the filesystem blob
 * store), ephemeral rooms' in RAM — checked by looking into each side directly.
 */
import { memoryStores, type MemoryStores } from '../memory/memoryStores.js';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAccountant } from '../../core/MemoryAccountant.js';
import { FsBlobStore } from '../fs/FsBlobStore.js';
import { openSqlDatabase } from '../sql/SqlDatabase.js';
import { sqlStores } from '../sql/sqlStores.js';
import { describeStoreContract, memberRecord, roomRecord } from '../storeContract.js';
import { closeStores, type Stores } from '../Stores.js';
import type { MessageDraft } from '../records.js';
import { StoreConflictError } from '../RoomStore.js';
import { routedStores } from './routedStores.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomkit-routed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const accountant = new MemoryAccountant(64 * 1024 * 1024);
const memory = (): MemoryStores => memoryStores(accountant);
const durable = async (name: string): Promise<Stores> => ({
  ...sqlStores(await openSqlDatabase(`sqlite:${join(dir, name, 'roomkit.db')}`)),
  blobs: new FsBlobStore(join(dir, name, 'blobs')),
});

let contractRuns = 0;
describeStoreContract('routed (memory + sqlite)', async () =>
  routedStores(memory(), await durable(`contract-${contractRuns++}`)),
);

const draft = (roomId: string, body: string): MessageDraft => ({
  id: `${roomId}-${body}`,
  roomId,
  type: 'text',
  body,
  sender: null,
  createdAt: 1,
});

describe('routing by persistence', () => {
  it("sends a persistent room's data to the database and an ephemeral room's to RAM", async () => {
    const ram = memory();
    const disk = await durable('sides');
    const stores = routedStores(ram, disk);
    const kept = roomRecord({ persistent: true, expiresAt: null });
    const fleeting = roomRecord();
    await stores.rooms.createRoom(kept);
    await stores.rooms.createRoom(fleeting);
    const bytes = Buffer.from('file');
    const hash = createHash('sha256').update(bytes).digest('hex');
    for (const room of [kept, fleeting]) {
      await stores.rooms.addMember(memberRecord(room.id));
      await stores.messages.append(draft(room.id, 'hello'));
      await stores.blobs.put(`${room.id}/${hash}`, bytes);
      await stores.docs.appendUpdate(room.id, new Uint8Array([1]));
    }
    expect(stores.blobs.heldInMemory(`${kept.id}/${hash}`)).toBe(false);
    expect(stores.blobs.heldInMemory(`${fleeting.id}/${hash}`)).toBe(true);

    const on = async (side: Stores, roomId: string) => ({
      room: (await side.rooms.getRoom(roomId)) !== undefined,
      members: (await side.rooms.listMembers(roomId)).length,
      messages: (await side.messages.listAfter(roomId, 0, 10)).messages.length,
      blob: await side.blobs.has(`${roomId}/${hash}`),
      doc: (await side.docs.load(roomId)).updates.length,
    });
    const everything = { room: true, members: 1, messages: 1, blob: true, doc: 1 };
    const none = { room: false, members: 0, messages: 0, blob: false, doc: 0 };
    expect(await on(disk, kept.id)).toEqual(everything);
    expect(await on(ram, kept.id)).toEqual(none);
    expect(await on(ram, fleeting.id)).toEqual(everything);
    expect(await on(disk, fleeting.id)).toEqual(none);
    expect(await stores.rooms.countRooms()).toBe(2);
    expect(await stores.rooms.countMembers()).toBe(2);
    await closeStores(stores);
  });

  it('finds a persistent room again after a restart', async () => {
    const first = routedStores(memory(), await durable('restart'));
    const room = roomRecord({ persistent: true, expiresAt: null });
    await first.rooms.createRoom(room);
    await first.messages.append(draft(room.id, 'one'));
    await closeStores(first);

    const second = routedStores(memory(), await durable('restart'));
    expect(await second.rooms.getRoom(room.id)).toEqual(room);
    expect(await second.rooms.findRoomByJoinCode(room.joinCode)).toEqual(room);
    expect((await second.messages.append(draft(room.id, 'two'))).message.seq).toBe(2);
    await closeStores(second);
  });

  it('keeps join codes unique across both sides', async () => {
    const stores = routedStores(memory(), await durable('codes'));
    const kept = roomRecord({ persistent: true });
    await stores.rooms.createRoom(kept);
    const clash = roomRecord({ joinCode: kept.joinCode });
    await expect(stores.rooms.createRoom(clash)).rejects.toEqual(
      new StoreConflictError('join_code'),
    );
    expect(await stores.rooms.getRoom(clash.id)).toBeUndefined();
    const fleeting = roomRecord();
    await stores.rooms.createRoom(fleeting);
    await expect(
      stores.rooms.createRoom(roomRecord({ joinCode: fleeting.joinCode, persistent: true })),
    ).rejects.toEqual(new StoreConflictError('join_code'));
    expect(await stores.rooms.countRooms()).toBe(2);
    await closeStores(stores);
  });

  it("deletes a room's data from both sides", async () => {
    const ram = memory();
    const disk = await durable('delete');
    const stores = routedStores(ram, disk);
    const room = roomRecord({ persistent: true });
    await stores.rooms.createRoom(room);
    await stores.messages.append(draft(room.id, 'hello'));
    await stores.docs.appendUpdate(room.id, new Uint8Array([1]));
    expect(await stores.rooms.deleteRoom(room.id)).toBe(true);
    await stores.messages.deleteRoom(room.id);
    await stores.docs.deleteRoom(room.id);
    expect((await disk.messages.listAfter(room.id, 0, 10)).messages).toEqual([]);
    expect(await disk.docs.load(room.id)).toMatchObject({ updates: [] });
    expect((await disk.docs.load(room.id)).snapshot).toBeUndefined();
    // A write racing the end lands in RAM, never in the database.
    await stores.messages.append(draft(room.id, 'late'));
    expect((await disk.messages.listAfter(room.id, 0, 10)).messages).toEqual([]);
    await closeStores(stores);
  });
});

describe('keeping an ephemeral room', () => {
  it('moves everything it holds to the database and frees the RAM it held', async () => {
    const ram = memory();
    const disk = await durable('keep');
    const stores = routedStores(ram, disk);
    const room = roomRecord();
    await stores.rooms.createRoom(room);
    await stores.rooms.addMember(memberRecord(room.id));
    const bytes = Buffer.alloc(64 * 1024, 7);
    const key = `${room.id}/${createHash('sha256').update(bytes).digest('hex')}`;
    await stores.blobs.put(key, bytes);
    const heldBefore = accountant.usedBytes;
    expect(stores.blobs.heldInMemory(key)).toBe(true);

    // Writes of every kind race the move: some under way when it starts, some coming after.
    const write = (i: number) =>
      i % 2 === 0
        ? stores.messages.append(draft(room.id, `m${i}`)).then(() => undefined)
        : stores.docs.appendUpdate(room.id, new Uint8Array([i]));
    const before = Array.from({ length: 20 }, (_, i) => write(i));
    const keep = stores.rooms.updateRoom(room.id, { persistent: true, expiresAt: null });
    const after = Array.from({ length: 20 }, (_, i) => write(20 + i));
    await Promise.all([...before, keep, ...after]);
    await stores.messages.append(draft(room.id, 'after'));

    const log = (await disk.messages.listAfter(room.id, 0, 100)).messages;
    expect(log.map((m) => m.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(log.at(-1)?.body).toBe('after');
    expect((await disk.docs.load(room.id)).updates).toHaveLength(20);
    expect(await disk.blobs.get(key)).toEqual(bytes);
    expect(await disk.rooms.getRoom(room.id)).toMatchObject({ persistent: true, expiresAt: null });
    expect(await disk.rooms.listMembers(room.id)).toHaveLength(1);
    expect(stores.blobs.heldInMemory(key)).toBe(false);
    expect(accountant.usedBytes).toBe(heldBefore - bytes.length);
    expect(await ram.rooms.getRoom(room.id)).toBeUndefined();
    expect((await ram.messages.listAfter(room.id, 0, 10)).messages).toEqual([]);
    expect(await ram.blobs.has(key)).toBe(false);
    expect((await ram.docs.load(room.id)).updates).toEqual([]);

    // After a restart the room is found in the database, whole.
    await closeStores(stores);
    const again = routedStores(memory(), await durable('keep'));
    expect(await again.rooms.getRoom(room.id)).toMatchObject({ persistent: true });
    expect((await again.messages.append(draft(room.id, 'restarted'))).message.seq).toBe(22);
    await closeStores(again);
  });

  it('leaves the room whole in RAM, and nothing in the database, when the move fails', async () => {
    const ram = memory();
    const disk = await durable('keep-fails');
    const stores = routedStores(ram, disk);
    const room = roomRecord();
    await stores.rooms.createRoom(room);
    await stores.messages.append(draft(room.id, 'one'));
    await stores.messages.append(draft(room.id, 'two'));
    // A stray message of the room already in the database: the copies could not keep their seq.
    await disk.messages.append(draft(room.id, 'stray'));

    await expect(
      stores.rooms.updateRoom(room.id, { persistent: true, expiresAt: null }),
    ).rejects.toThrow(/seq/);

    expect(await stores.rooms.getRoom(room.id)).toEqual(room);
    expect((await ram.messages.listAfter(room.id, 0, 10)).messages).toHaveLength(2);
    expect(await disk.rooms.getRoom(room.id)).toBeUndefined();
    expect((await disk.messages.listAfter(room.id, 0, 10)).messages).toEqual([]);
    // The room goes on in RAM.
    expect((await stores.messages.append(draft(room.id, 'three'))).message.seq).toBe(3);
    expect((await ram.messages.listAfter(room.id, 0, 10)).messages).toHaveLength(3);
    await closeStores(stores);
  });
});
