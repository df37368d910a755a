import { describe, expect, it } from 'vitest';
import type { Message } from '../../../protocol/schemas.js';
import { mergeMessages, settlePending, updateMessage, type PendingMessage } from './messages.js';

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
