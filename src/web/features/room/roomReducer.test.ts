import { describe, expect, it } from 'vitest';
import type { FileInfo, Member, Message, RoomState } from '../../../protocol/schemas.js';
import {
  canLoadEarlier,
  initialRoomState,
  nextToSend,
  presenceKnown,
  roomNotice,
  roomReducer,
  TYPING_TTL_MS,
  type RoomAction,
  type RoomViewState,
} from './roomReducer.js';

const ada: Member = { id: 'ada', displayName: 'Ada', role: 'owner' };
const grace: Member = { id: 'grace', displayName: 'Grace', role: 'member' };

function message(seq: number, sender: Member | null = grace, clientMsgId?: string): Message {
  return {
    id: `msg-${seq}`,
    roomId: 'room',
    seq,
    type: sender ? 'text' : 'system',
    body: `body ${seq}`,
    sender,
    createdAt: new Date(seq * 1000).toISOString(),
    ...(clientMsgId ? { clientMsgId } : {}),
  };
}

function photo(id: string, second: number): FileInfo {
  return {
    id,
    name: `${id}.jpg`,
    mime: 'image/jpeg',
    size: 1000,
    width: 1200,
    height: 800,
    createdAt: new Date(second * 1000).toISOString(),
    uploaderId: 'ada',
    sha256: '0'.repeat(64),
  };
}

function snapshot(messages: Message[], files: FileInfo[] = []): RoomState {
  return {
    room: {
      id: 'room',
      joinCode: 'ACD346',
      name: 'Room',
      createdAt: new Date(0).toISOString(),
      expiresAt: null,
      persistent: false,
    },
    member: ada,
    members: [
      { ...ada, online: true },
      { ...grace, online: false },
    ],
    messages,
    files,
    exec: { lastRun: null, running: [] },
    call: null,
  };
}

const run = (actions: RoomAction[], state: RoomViewState = initialRoomState(ada)) =>
  actions.reduce(roomReducer, state);

describe('roomReducer', () => {
  it('shows "reconnecting" only after a first successful connection', () => {
    expect(run([{ type: 'disconnected' }]).connection).toBe('connecting');
    expect(run([{ type: 'connected' }, { type: 'disconnected' }]).connection).toBe('reconnecting');
    expect(
      run([{ type: 'connected' }, { type: 'disconnected' }, { type: 'connected' }]).connection,
    ).toBe('connected');
  });

  it('merges the snapshot of a reconnect with what it already holds', () => {
    const state = run([
      { type: 'state', state: snapshot([message(1), message(2)]), now: 0 },
      { type: 'messages', messages: [message(3)] },
      { type: 'state', state: snapshot([message(2), message(3), message(4)]), now: 0 },
    ]);
    expect(state.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('reconciles an optimistic send with the confirmed message by clientMsgId', () => {
    const state = run([
      { type: 'state', state: snapshot([]), now: 0 },
      { type: 'sendQueued', message: { clientMsgId: 'c1', body: 'hi', createdAt: '' } },
    ]);
    expect(state.pending).toHaveLength(1);
    const confirmed = run([{ type: 'messages', messages: [message(1, ada, 'c1')] }], state);
    expect(confirmed.pending).toHaveLength(0);
    expect(confirmed.messages.map((m) => m.clientMsgId)).toEqual(['c1']);
  });

  it('keeps a failed send with its error until retried or dropped', () => {
    const started = run([
      { type: 'sendQueued', message: { clientMsgId: 'c1', body: 'hi', createdAt: '' } },
      { type: 'sendAttempted', clientMsgId: 'c1', attempt: 1 },
      { type: 'sendFailed', clientMsgId: 'c1', attempt: 1, error: 'Too many messages' },
    ]);
    expect(started.pending[0]).toMatchObject({ status: 'failed', error: 'Too many messages' });
    expect(run([{ type: 'sendRetried', clientMsgId: 'c1' }], started).pending[0]?.status).toBe(
      'queued',
    );
    expect(run([{ type: 'sendDropped', clientMsgId: 'c1' }], started).pending).toHaveLength(0);
  });

  it('tells the banner one thing at a time', () => {
    expect(roomNotice(initialRoomState(ada))).toBeNull();
    expect(roomNotice(initialRoomState(ada, [], true))).toEqual({ kind: 'offline', opened: false });
    expect(roomNotice(run([{ type: 'connectFailed' }]))).toEqual({ kind: 'unreachable' });
    const open = run([{ type: 'connected' }]);
    expect(roomNotice(open)).toBeNull();
    const dropped = run([{ type: 'disconnected' }], open);
    expect(roomNotice(dropped)).toEqual({ kind: 'reconnecting', serverRestarting: false });
    // Offline explains the lost connection; a countdown is not shown over it.
    const offline = run(
      [
        { type: 'closing', secondsLeft: 30, reason: 'deleted', now: 0 },
        { type: 'network', online: false },
      ],
      dropped,
    );
    expect(roomNotice(offline)).toEqual({ kind: 'offline', opened: true });
    expect(roomNotice(run([{ type: 'closed', reason: 'deleted' }], offline))).toBeNull();
    expect(
      roomNotice(run([{ type: 'closing', secondsLeft: 30, reason: 'deleted', now: 0 }], open)),
    ).toEqual({ kind: 'closing', deadline: 30_000, reason: 'deleted' });
  });

  it('says a shutdown is a restart under way, not a countdown, until the room is back', () => {
    const shutdown = run([
      { type: 'connected' },
      { type: 'closing', secondsLeft: 0, reason: 'server_shutdown', now: 0 },
      { type: 'disconnected' },
    ]);
    expect(shutdown.closing).toBeNull();
    expect(roomNotice(shutdown)).toEqual({ kind: 'reconnecting', serverRestarting: true });
    const back = run(
      [{ type: 'connected' }, { type: 'state', state: snapshot([]), now: 1 }],
      shutdown,
    );
    expect(back.serverRestarting).toBe(false);
    expect(roomNotice(back)).toBeNull();
  });

  it('shows presence only while connected to a live room', () => {
    const open = run([{ type: 'connected' }]);
    expect(presenceKnown(initialRoomState(ada))).toBe(false);
    expect(presenceKnown(open)).toBe(true);
    expect(presenceKnown(run([{ type: 'disconnected' }], open))).toBe(false);
    expect(presenceKnown(run([{ type: 'closed', reason: 'expired' }], open))).toBe(false);
  });

  it('restores a stored outbox as queued, to be sent once connected', () => {
    const restored = initialRoomState(ada, [
      { clientMsgId: 'c1', body: 'one', createdAt: '' },
      { clientMsgId: 'c2', body: 'two', createdAt: '' },
    ]);
    expect(restored.pending.map((m) => [m.clientMsgId, m.status])).toEqual([
      ['c1', 'queued'],
      ['c2', 'queued'],
    ]);
    expect(nextToSend(restored)).toBeUndefined();
    expect(nextToSend(run([{ type: 'connected' }], restored))?.clientMsgId).toBe('c1');
  });
});

describe('the outbox', () => {
  const typed = (id: string): RoomAction => ({
    type: 'sendQueued',
    message: { clientMsgId: id, body: `body ${id}`, createdAt: '' },
  });
  const open = run([{ type: 'connected' }, { type: 'state', state: snapshot([]), now: 0 }]);

  it('holds what is typed while disconnected, then sends it in order, one at a time', () => {
    const offline = run([{ type: 'disconnected' }, typed('c1'), typed('c2'), typed('c3')], open);
    expect(offline.pending.map((m) => m.status)).toEqual(['queued', 'queued', 'queued']);
    expect(nextToSend(offline)).toBeUndefined();

    let state = run([{ type: 'connected' }], offline);
    const sentInOrder: string[] = [];
    for (let seq = 1; seq <= 3; seq++) {
      const next = nextToSend(state);
      expect(next).toBeDefined();
      sentInOrder.push(next!.clientMsgId);
      state = run([{ type: 'sendAttempted', clientMsgId: next!.clientMsgId, attempt: 1 }], state);
      // Nothing more goes out while one send awaits its answer.
      expect(nextToSend(state)).toBeUndefined();
      state = run([{ type: 'messages', messages: [message(seq, ada, next!.clientMsgId)] }], state);
    }
    expect(sentInOrder).toEqual(['c1', 'c2', 'c3']);
    expect(state.pending).toHaveLength(0);
    expect(state.messages.map((m) => m.clientMsgId)).toEqual(['c1', 'c2', 'c3']);
  });

  it('puts a send cut off by a drop back in the outbox, and ignores that attempt’s late failure', () => {
    const inFlight = run(
      [typed('c1'), { type: 'sendAttempted', clientMsgId: 'c1', attempt: 1 }],
      open,
    );
    const dropped = run([{ type: 'disconnected' }], inFlight);
    expect(dropped.pending[0]).toMatchObject({ status: 'queued', attempt: 1 });
    const lateTimeout = run(
      [{ type: 'sendFailed', clientMsgId: 'c1', attempt: 1, error: 'No answer' }],
      dropped,
    );
    expect(lateTimeout.pending[0]?.status).toBe('queued');
    // Sent again after the reconnect: the same clientMsgId, a new attempt.
    const again = run(
      [{ type: 'connected' }, { type: 'sendAttempted', clientMsgId: 'c1', attempt: 2 }],
      lateTimeout,
    );
    expect(
      run([{ type: 'sendFailed', clientMsgId: 'c1', attempt: 1, error: 'late' }], again).pending[0]
        ?.status,
    ).toBe('sending');
    // The server had the first attempt after all: its answer settles it once.
    const settled = run([{ type: 'messages', messages: [message(1, ada, 'c1')] }], again);
    expect(settled.pending).toHaveLength(0);
    expect(settled.messages).toHaveLength(1);
  });

  it('does not hold later messages behind a failed one', () => {
    const state = run(
      [
        typed('c1'),
        { type: 'sendAttempted', clientMsgId: 'c1', attempt: 1 },
        { type: 'sendFailed', clientMsgId: 'c1', attempt: 1, error: 'Too fast' },
        typed('c2'),
      ],
      open,
    );
    expect(nextToSend(state)?.clientMsgId).toBe('c2');
  });

  it('keeps unsent messages in view, unsent, when the room ends, and sends nothing more', () => {
    const state = run(
      [
        typed('c1'),
        { type: 'sendAttempted', clientMsgId: 'c1', attempt: 1 },
        typed('c2'),
        { type: 'closed', reason: 'expired' },
      ],
      open,
    );
    expect(state.pending.map((m) => [m.clientMsgId, m.status])).toEqual([
      ['c1', 'queued'],
      ['c2', 'queued'],
    ]);
    expect(nextToSend(state)).toBeUndefined();
    // The server's reason replaces one the page guessed, and nothing replaces the server's.
    const guessedFirst = run([{ type: 'closed', reason: 'gone' }], open);
    expect(run([{ type: 'closed', reason: 'expired' }], guessedFirst).closed).toEqual({
      reason: 'expired',
    });
    const told = run([{ type: 'closed', reason: 'deleted' }], open);
    expect(run([{ type: 'closed', reason: 'gone' }], told).closed).toEqual({ reason: 'deleted' });
    // The page keeps what it held.
    const held = run(
      [
        { type: 'messages', messages: [message(1)] },
        { type: 'closed', reason: 'x' },
      ],
      open,
    );
    expect(held.messages).toHaveLength(1);
    expect(held.closed).toEqual({ reason: 'x' });
  });
});

describe('roomReducer, continued', () => {
  it('lets typing indicators lapse, and clears one when that member’s message arrives', () => {
    const typing = run([{ type: 'typing', memberId: 'grace', active: true, now: 1_000 }]);
    expect(Object.keys(typing.typing)).toEqual(['grace']);
    expect(run([{ type: 'typingLapsed', now: 1_000 + TYPING_TTL_MS - 1 }], typing).typing).toEqual({
      grace: 1_000 + TYPING_TTL_MS,
    });
    expect(run([{ type: 'typingLapsed', now: 1_000 + TYPING_TTL_MS }], typing).typing).toEqual({});
    expect(run([{ type: 'messages', messages: [message(1)] }], typing).typing).toEqual({});
  });

  it('ignores its own typing echo', () => {
    expect(run([{ type: 'typing', memberId: 'ada', active: true, now: 0 }]).typing).toEqual({});
  });

  it('adds joined members as offline until presence says otherwise, and removes leavers', () => {
    const state = run([
      { type: 'state', state: snapshot([]), now: 0 },
      { type: 'memberJoined', member: { id: 'alan', displayName: 'Alan', role: 'member' } },
    ]);
    expect(state.members.find((m) => m.id === 'alan')?.online).toBe(false);
    expect(run([{ type: 'memberLeft', memberId: 'alan' }], state).members).toHaveLength(2);
  });

  it('offers earlier messages until the oldest is seq 1 or the server says there are none', () => {
    expect(canLoadEarlier(run([{ type: 'state', state: snapshot([message(1)]), now: 0 }]))).toBe(
      false,
    );
    const later = run([{ type: 'state', state: snapshot([message(51), message(52)]), now: 0 }]);
    expect(canLoadEarlier(later)).toBe(true);
    const exhausted = run([{ type: 'history', messages: [message(40)], hasMore: false }], later);
    expect(exhausted.messages.map((m) => m.seq)).toEqual([40, 51, 52]);
    expect(canLoadEarlier(exhausted)).toBe(false);
  });

  it('turns a closing countdown into a deadline', () => {
    const state = run([{ type: 'closing', secondsLeft: 30, reason: 'deleted', now: 5_000 }]);
    expect(state.closing).toEqual({ deadline: 35_000, reason: 'deleted' });
  });

  it('forgets a countdown that ran out once a new snapshot arrives (server restarted)', () => {
    const closing = run([{ type: 'closing', secondsLeft: 0, reason: 'server_shutdown', now: 0 }]);
    expect(run([{ type: 'state', state: snapshot([]), now: 1 }], closing).closing).toBeNull();
    const later = run([{ type: 'closing', secondsLeft: 60, reason: 'deleted', now: 0 }]);
    expect(run([{ type: 'state', state: snapshot([]), now: 1 }], later).closing).not.toBeNull();
  });

  it('drops a delete countdown when the room is updated (the delete was cancelled)', () => {
    const room = snapshot([]).room;
    const closing = run([{ type: 'closing', secondsLeft: 30, reason: 'deleted', now: 0 }]);
    const cancelled = run([{ type: 'roomUpdated', room }], closing);
    expect(cancelled.closing).toBeNull();
    expect(roomNotice({ ...cancelled, connection: 'connected' })).toBeNull();
    // A countdown still under way comes back with its next second.
    const again = run(
      [{ type: 'closing', secondsLeft: 29, reason: 'deleted', now: 1_000 }],
      cancelled,
    );
    expect(again.closing).toEqual({ deadline: 30_000, reason: 'deleted' });
  });

  it('keeps an expiry warning until the room’s end moves later', () => {
    const room = snapshot([]).room;
    const endingAt = (ms: number) => ({ ...room, expiresAt: new Date(ms).toISOString() });
    const warned = run([
      { type: 'roomUpdated', room: endingAt(300_000) },
      { type: 'expiring', secondsLeft: 300, now: 0 },
    ]);
    expect(warned.expiring).toEqual({ deadline: 300_000, secondsLeft: 300 });
    expect(warned.room?.expiresAt).toBe(endingAt(300_000).expiresAt);
    expect(run([{ type: 'roomUpdated', room: endingAt(300_000) }], warned).expiring).not.toBeNull();
    const extended = run([{ type: 'roomUpdated', room: endingAt(3_900_000) }], warned);
    expect(extended.expiring).toBeNull();
    expect(extended.room?.expiresAt).toBe(endingAt(3_900_000).expiresAt);
  });

  it('keeps one copy of each file, from the snapshot, file:added and the upload response', () => {
    const state = run([
      { type: 'state', state: snapshot([], [photo('a', 1)]), now: 0 },
      { type: 'filesAdded', files: [photo('b', 2)] },
      { type: 'filesAdded', files: [photo('b', 2)] },
      { type: 'state', state: snapshot([], [photo('a', 1), photo('b', 2)]), now: 0 },
    ]);
    expect(state.files.map((file) => file.id)).toEqual(['a', 'b']);
  });
});

describe('the call', () => {
  const call = {
    participants: [
      {
        memberId: 'grace',
        audio: true,
        video: false,
        screen: false,
        since: new Date(0).toISOString(),
      },
    ],
    topology: 'mesh' as const,
    startedAt: new Date(0).toISOString(),
  };

  it('comes with the room state and changes with each call:state, until it ends', () => {
    let state = roomReducer(initialRoomState(ada), {
      type: 'state',
      state: { ...snapshot([]), call },
      now: 0,
    });
    expect(state.call?.participants.map((participant) => participant.memberId)).toEqual(['grace']);
    state = roomReducer(state, { type: 'call', call: null });
    expect(state.call).toBeNull();
  });
});
