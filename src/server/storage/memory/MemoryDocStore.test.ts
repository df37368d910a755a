import { describe, expect, it } from 'vitest';
import { MemoryAccountant } from '../../core/MemoryAccountant.js';
import { MemoryDocStore } from './MemoryDocStore.js';

describe('MemoryDocStore and the memory budget', () => {
  it('counts the stored bytes of each room under doc:<roomId>, and lets them go with the room', async () => {
    const accountant = new MemoryAccountant(1024 * 1024);
    const docs = new MemoryDocStore(accountant);
    await docs.appendUpdate('room-a', new Uint8Array(100));
    await docs.appendUpdate('room-a', new Uint8Array(50));
    await docs.appendUpdate('room-b', new Uint8Array(10));
    expect(accountant.usedBytes).toBe(160);
    // Compaction: the snapshot replaces the log, and its size replaces the log's.
    await docs.replace('room-a', new Uint8Array(120));
    expect(accountant.usedBytes).toBe(130);
    await docs.deleteRoom('room-a');
    expect(accountant.usedBytes).toBe(10);
    await docs.close();
    expect(accountant.usedBytes).toBe(0);
  });
});
