import { describe, expect, it } from 'vitest';
import type { Member, Message } from '../../../protocol/schemas.js';
import { roomEvents, startRoomEvents, type RoomSnapshot } from './roomEvents.js';

const me: Member = { id: 'me', displayName: 'Me', role: 'member' };
const ana: Member = { id: 'ana', displayName: 'Ana', role: 'owner' };

function message(seq: number, sender: Member | null, type: Message['type'] = 'text'): Message {
  return {
    id: `msg-${seq}`,
    roomId: 'room',
    seq,
    type,
    body: `message ${seq}`,
    sender,
    createdAt: new Date(seq * 1000).toISOString(),
  };
}

const snapshot = (messages: Message[], extra: Partial<RoomSnapshot> = {}): RoomSnapshot => ({
  messages,
  files: [],
  members: [me, ana],
  me: me.id,
  ...extra,
});

describe('the frame’s message events and unread count', () => {
  it('count what was held at joining as seen and reported', () => {
    const start = startRoomEvents({ messages: [message(1, ana), message(2, ana)], files: [] });
    const { events } = roomEvents(start, snapshot([message(1, ana), message(2, ana)]), false);
    expect(events).toEqual([]);
  });

  it('count others’ messages while the member is not looking, one event each', () => {
    let state = startRoomEvents({ messages: [], files: [] });
    let step = roomEvents(state, snapshot([message(1, ana)]), false);
    expect(step.events).toEqual([
      { name: 'message', seq: 1, from: 'Ana', unread: 1 },
      { name: 'unread', count: 1 },
    ]);
    state = step.state;
    step = roomEvents(state, snapshot([message(1, ana), message(2, me), message(3, ana)]), false);
    expect(step.events).toEqual([
      { name: 'message', seq: 3, from: 'Ana', unread: 2 },
      { name: 'unread', count: 2 },
    ]);
  });

  it('leave out the member’s own messages and system lines', () => {
    const start = startRoomEvents({ messages: [], files: [] });
    const { events } = roomEvents(
      start,
      snapshot([message(1, me), message(2, null, 'system')]),
      false,
    );
    expect(events).toEqual([]);
  });

  it('go back to 0 when the member looks, and report that once', () => {
    let state = roomEvents(
      startRoomEvents({ messages: [], files: [] }),
      snapshot([message(1, ana)]),
      false,
    ).state;
    const looked = roomEvents(state, snapshot([message(1, ana)]), true);
    expect(looked.events).toEqual([{ name: 'unread', count: 0 }]);
    state = looked.state;
    expect(roomEvents(state, snapshot([message(1, ana)]), true).events).toEqual([]);
  });

  it('report a message that arrives while looking with nothing unread', () => {
    const start = startRoomEvents({ messages: [], files: [] });
    expect(roomEvents(start, snapshot([message(1, ana)]), true).events).toEqual([
      { name: 'message', seq: 1, from: 'Ana', unread: 0 },
    ]);
  });

  it('do not report earlier history loaded later', () => {
    const start = startRoomEvents({ messages: [message(5, ana)], files: [] });
    const { events } = roomEvents(
      start,
      snapshot([message(3, ana), message(4, ana), message(5, ana)]),
      false,
    );
    expect(events).toEqual([]);
  });

  it('report files others share, once', () => {
    const file = {
      id: 'f1',
      name: 'plan.pdf',
      mime: 'application/pdf',
      size: 10,
      createdAt: new Date(0).toISOString(),
      uploaderId: 'ana',
      sha256: '0'.repeat(64),
    };
    const start = startRoomEvents({ messages: [], files: [] });
    const first = roomEvents(start, snapshot([], { files: [file] }), true);
    expect(first.events).toEqual([
      { name: 'file', fileId: 'f1', fileName: 'plan.pdf', mime: 'application/pdf', from: 'Ana' },
    ]);
    expect(roomEvents(first.state, snapshot([], { files: [file] }), true).events).toEqual([]);
    const mine = { ...file, id: 'f2', uploaderId: 'me' };
    expect(roomEvents(first.state, snapshot([], { files: [file, mine] }), true).events).toEqual([]);
  });
});
