import { describe, expect, it } from 'vitest';
import type { AdminRoom } from '../../../protocol/admin.js';
import {
  closingInSeconds,
  DEFAULT_ROOM_SORT,
  nextSort,
  searchRooms,
  sortRooms,
  type RoomColumn,
} from './roomsTable.js';

function room(id: string, overrides: Partial<AdminRoom> = {}): AdminRoom {
  return {
    id,
    joinCode: `CODE${id.toUpperCase()}`,
    name: `Room ${id}`,
    createdAt: '2026-12-07T06:00:00.000Z',
    expiresAt: '2026-12-07T07:00:00.000Z',
    persistent: false,
    members: { total: 0, online: 0 },
    connections: { socket: 0, sse: 0, collab: 0 },
    files: 0,
    bytes: 0,
    messages: 0,
    execRunning: 0,
    callParticipants: 0,
    callTopology: null,
    integrator: null,
    closingAt: null,
    ...overrides,
  };
}

const ids = (rooms: AdminRoom[]) => rooms.map((r) => r.id);

describe('sorting the rooms', () => {
  const standup = room('a', {
    name: 'Standup',
    joinCode: 'K4M9QT',
    members: { total: 5, online: 1 },
    connections: { socket: 1, sse: 0, collab: 2 },
    bytes: 2048,
    messages: 40,
    files: 3,
    createdAt: '2026-12-07T05:00:00.000Z',
    expiresAt: null,
  });
  const retro = room('b', {
    name: 'retro 10',
    joinCode: 'AC3DEF',
    members: { total: 2, online: 2 },
    connections: { socket: 2, sse: 0, collab: 0 },
    bytes: 10,
    messages: 400,
    files: 1,
    createdAt: '2026-12-07T06:00:00.000Z',
    expiresAt: '2026-12-07T08:00:00.000Z',
  });
  const retro2 = room('c', {
    name: 'Retro 9',
    joinCode: 'XY7WTE',
    members: { total: 3, online: 1 },
    bytes: 5_000_000,
    createdAt: '2026-12-07T04:00:00.000Z',
    expiresAt: '2026-12-07T07:00:00.000Z',
  });
  const rooms = [standup, retro, retro2];

  it('orders by each column, either way', () => {
    const ascending: Record<RoomColumn, string[]> = {
      // Case-blind, and numbers inside names in number order.
      name: ['c', 'b', 'a'],
      code: ['b', 'a', 'c'],
      // Online first, then everyone who joined.
      members: ['c', 'a', 'b'],
      connections: ['c', 'b', 'a'],
      files: ['c', 'b', 'a'],
      bytes: ['b', 'a', 'c'],
      messages: ['c', 'a', 'b'],
      created: ['c', 'a', 'b'],
      // A kept room lasts longest.
      expires: ['c', 'b', 'a'],
    };
    for (const [column, order] of Object.entries(ascending) as [RoomColumn, string[]][]) {
      expect(ids(sortRooms(rooms, { column, direction: 'ascending' })), column).toEqual(order);
      expect(ids(sortRooms(rooms, { column, direction: 'descending' })), column).toEqual(
        [...order].reverse(),
      );
    }
  });

  it('breaks ties by name, so rows keep their places between refreshes', () => {
    const tied = [room('z', { name: 'Zebra' }), room('y', { name: 'Apple' })];
    expect(ids(sortRooms(tied, { column: 'files', direction: 'descending' }))).toEqual(['y', 'z']);
    expect(ids(sortRooms(tied, { column: 'files', direction: 'ascending' }))).toEqual(['y', 'z']);
  });

  it('does not reorder the list it was given', () => {
    sortRooms(rooms, DEFAULT_ROOM_SORT);
    expect(ids(rooms)).toEqual(['a', 'b', 'c']);
  });

  it('turns the order of the same column around; a new column starts where it makes sense', () => {
    expect(nextSort(DEFAULT_ROOM_SORT, 'created')).toEqual({
      column: 'created',
      direction: 'ascending',
    });
    expect(nextSort(DEFAULT_ROOM_SORT, 'name')).toEqual({
      column: 'name',
      direction: 'ascending',
    });
    expect(nextSort(DEFAULT_ROOM_SORT, 'bytes')).toEqual({
      column: 'bytes',
      direction: 'descending',
    });
  });
});

describe('searching the rooms', () => {
  const rooms = [
    room('a', { name: 'Café crème', joinCode: 'K4M9QT' }),
    room('b', { name: 'Standup', joinCode: 'AC3DEF' }),
    room('c', { name: 'Order 1234', joinCode: 'QW7RTY', integrator: 'Shop-EU' }),
  ];

  it('keeps every room for an empty search', () => {
    expect(ids(searchRooms(rooms, '  '))).toEqual(['a', 'b', 'c']);
  });

  it('finds a room by part of its name, whatever the case and accents', () => {
    expect(ids(searchRooms(rooms, 'CAFE'))).toEqual(['a']);
    expect(ids(searchRooms(rooms, 'stand'))).toEqual(['b']);
  });

  it('finds a room by its code, typed in any case, with or without spaces and dashes', () => {
    expect(ids(searchRooms(rooms, 'k4m'))).toEqual(['a']);
    expect(ids(searchRooms(rooms, 'ac3-def'))).toEqual(['b']);
    expect(ids(searchRooms(rooms, 'AC3 DEF'))).toEqual(['b']);
  });

  it('finds an embedded room by its integrator', () => {
    expect(ids(searchRooms(rooms, 'shop-eu'))).toEqual(['c']);
  });

  it('finds nothing for what no room holds', () => {
    expect(searchRooms(rooms, 'retro')).toEqual([]);
  });
});

describe('a delete countdown', () => {
  it('counts whole seconds left, rounding up, never below zero', () => {
    const now = Date.parse('2026-12-07T06:00:00.000Z');
    expect(closingInSeconds(null, now)).toBeNull();
    expect(closingInSeconds('2026-12-07T06:00:29.200Z', now)).toBe(30);
    expect(closingInSeconds('2026-12-07T05:59:59.000Z', now)).toBe(0);
  });
});
