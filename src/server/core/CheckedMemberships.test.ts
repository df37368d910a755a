/**
 * The session check cache on its own (decision 001): what it keeps, and that a revocation wins
 * over a read that started before it. End to end, the same is tested through real clients in
 * rooms.test.ts (one instance) and test/cluster.test.ts (two).
 */
import { describe, expect, it } from 'vitest';
import type { MemberRecord, RoomRecord } from '../storage/records.js';
import type { Membership } from './Membership.js';
import { CheckedMemberships } from './CheckedMemberships.js';

const room: RoomRecord = {
  id: 'room',
  joinCode: 'BCDFGH',
  name: 'Room',
  createdAt: 0,
  expiresAt: null,
  persistent: true,
  emptySince: null,
};

const member = (id: string): MemberRecord => ({
  id,
  roomId: room.id,
  displayName: id,
  nameKey: id,
  role: 'member',
  joinedAt: 0,
});

const sessionOf = (id: string): Membership => ({ room, member: member(id) });

/** A read that finishes when the test says so. */
function pendingRead(session: Membership) {
  let finish: () => void = () => {};
  const done = new Promise<Membership>((resolve) => (finish = () => resolve(session)));
  return { read: () => done, finish };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('CheckedMemberships', () => {
  it('keeps a checked session for its bound, per member', async () => {
    const cache = new CheckedMemberships(50);
    await cache.check(room.id, 'ada', async () => sessionOf('ada'));
    expect(cache.get(room.id, 'ada')?.member.id).toBe('ada');
    expect(cache.get(room.id, 'grace')).toBeUndefined();
    await sleep(60);
    expect(cache.get(room.id, 'ada')).toBeUndefined();
  });

  it('keeps nothing of a read that failed', async () => {
    const cache = new CheckedMemberships();
    await expect(
      cache.check(room.id, 'ada', () => Promise.reject(new Error('gone'))),
    ).rejects.toThrow('gone');
    expect(cache.get(room.id, 'ada')).toBeUndefined();
  });

  it("drops a room's sessions, and only that room's, when told", async () => {
    const cache = new CheckedMemberships();
    await cache.check(room.id, 'ada', async () => sessionOf('ada'));
    await cache.check('other', 'grace', async () => sessionOf('grace'));
    cache.forget(room.id);
    expect(cache.get(room.id, 'ada')).toBeUndefined();
    expect(cache.get('other', 'grace')).toBeDefined();
  });

  it('does not keep a read that began before a revocation and ended after it', async () => {
    const cache = new CheckedMemberships();
    const stale = pendingRead(sessionOf('ada'));
    const checking = cache.check(room.id, 'ada', stale.read);
    cache.forget(room.id);
    stale.finish();
    // The caller that asked before the revocation gets its answer; nobody after it does.
    expect((await checking).member.id).toBe('ada');
    expect(cache.get(room.id, 'ada')).toBeUndefined();
  });

  it('counts a read from its start: a slow read is kept for less', async () => {
    const cache = new CheckedMemberships(50);
    const slow = pendingRead(sessionOf('ada'));
    const checking = cache.check(room.id, 'ada', slow.read);
    await sleep(60);
    slow.finish();
    await checking;
    expect(cache.get(room.id, 'ada')).toBeUndefined();
  });

  it('resolves a revocation once the other instances have dropped the room', async () => {
    const cache = new CheckedMemberships(10_000);
    const told: string[] = [];
    cache.relayTo(async (roomId) => {
      await sleep(20);
      told.push(roomId);
    });
    await cache.check(room.id, 'ada', async () => sessionOf('ada'));
    await cache.revoke(room.id);
    expect(told).toEqual([room.id]);
    expect(cache.get(room.id, 'ada')).toBeUndefined();
  });

  it('waits out the bound when another instance does not answer or the relay fails', async () => {
    const cache = new CheckedMemberships(100);
    const stopSilent = cache.relayTo(() => new Promise<void>(() => {}));
    let started = performance.now();
    await cache.revoke(room.id);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    stopSilent();

    cache.relayTo(() => Promise.reject(new Error('redis away')));
    started = performance.now();
    await cache.revoke(room.id);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });
});
