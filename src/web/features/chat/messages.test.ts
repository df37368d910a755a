import { describe, expect, it } from 'vitest';
import type { Message } from '../../../protocol/schemas.js';
import {
  listEntries,
  mergeMessages,
  settlePending,
  updateMessage,
  type PendingMessage,
} from './messages.js';
import { unreadAfter } from './useUnreadCount.js';

const ada = { id: 'm-ada', displayName: 'Ada', role: 'owner' as const };

function message(seq: number, extra: Partial<Message> = {}): Message {
  return {
    id: `msg-${seq}`,
    roomId: 'room',
    seq,
    type: 'text',
    body: `body ${seq}`,
    sender: ada,
    createdAt: new Date(seq * 1000).toISOString(),
    ...extra,
  };
}

const seqs = (messages: readonly Message[]) => messages.map((m) => m.seq);

describe('mergeMessages', () => {
  it('appends a newer message', () => {
    expect(seqs(mergeMessages([message(1), message(2)], [message(3)]))).toEqual([1, 2, 3]);
  });

  it('keeps one copy of a message that arrives twice (ack, message:new, replay)', () => {
    const once = mergeMessages([message(1)], [message(2)]);
    expect(seqs(mergeMessages(once, [message(2)]))).toEqual([1, 2]);
    expect(seqs(mergeMessages(once, [message(1), message(2), message(3)]))).toEqual([1, 2, 3]);
  });

  it('orders older history and out-of-order arrivals by seq', () => {
    const merged = mergeMessages([message(5), message(6)], [message(3), message(4), message(7)]);
    expect(seqs(merged)).toEqual([3, 4, 5, 6, 7]);
  });

  it('returns the same list when nothing arrives', () => {
    const list = [message(1)];
    expect(mergeMessages(list, [])).toBe(list);
  });
});

describe('updateMessage', () => {
  it('replaces the message with the same id', () => {
    const updated = updateMessage([message(1), message(2)], message(2, { body: 'edited' }));
    expect(updated.map((m) => m.body)).toEqual(['body 1', 'edited']);
  });
});

describe('settlePending', () => {
  const pending = (clientMsgId: string): PendingMessage => ({
    clientMsgId,
    body: 'hi',
    createdAt: new Date(0).toISOString(),
    status: 'sending',
    attempt: 1,
  });

  it('drops the optimistic copy once the server confirms its clientMsgId', () => {
    const settled = settlePending([pending('a'), pending('b')], [message(1, { clientMsgId: 'a' })]);
    expect(settled.map((p) => p.clientMsgId)).toEqual(['b']);
  });

  it('leaves the list untouched for messages of others', () => {
    const list = [pending('a')];
    expect(settlePending(list, [message(1)])).toBe(list);
  });
});

describe('listEntries', () => {
  const system = (seq: number) => message(seq, { type: 'system', sender: null });
  const shape = (messages: Message[]) =>
    listEntries(messages).map((entry) =>
      entry.kind === 'message' ? entry.message.seq : entry.messages.map((m) => m.seq),
    );

  it('folds a run of more than two system lines into one entry, in order', () => {
    expect(
      shape([message(1), system(2), system(3), system(4), message(5), system(6), system(7)]),
    ).toEqual([1, [2, 3, 4], 5, 6, 7]);
  });

  it('keeps each message with the one before it, for grouping by sender', () => {
    const entries = listEntries([message(1), message(2)]);
    expect(entries[1]).toMatchObject({ kind: 'message', previous: { seq: 1 } });
    expect(entries[0]).toMatchObject({ kind: 'message', previous: undefined });
  });

  it('leaves a list without long system runs as it is', () => {
    expect(shape([system(1), message(2), system(3), system(4)])).toEqual([1, 2, 3, 4]);
    expect(shape([])).toEqual([]);
  });
});

describe('unreadAfter', () => {
  it('counts messages from others after the last seen seq, not system lines or one’s own', () => {
    const grace = { id: 'm-grace', displayName: 'Grace', role: 'member' as const };
    const list = [
      message(1, { sender: grace }),
      message(2, { sender: grace }),
      message(3, { type: 'system', sender: null }),
      message(4),
      message(5, { sender: grace }),
    ];
    expect(unreadAfter(list, 1, ada.id)).toBe(2);
    expect(unreadAfter(list, 5, ada.id)).toBe(0);
    expect(unreadAfter(list, 0, grace.id)).toBe(1);
  });
});
