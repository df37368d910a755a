import { describe, expect, it } from 'vitest';
import { clientMsgIdSchema } from '../../../protocol/chat.js';
import { loadOutbox, outboxKey, saveOutbox } from './outboxStorage.js';

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

describe('the stored outbox', () => {
  const one = { clientMsgId: 'c1', body: 'first', createdAt: '2026-01-01T10:00:00.000Z' };
  const two = { clientMsgId: 'c2', body: 'second\nline', createdAt: '2026-01-01T10:01:00.000Z' };

  it('comes back in order for the same room and member only', () => {
    const storage = memoryStorage();
    saveOutbox('room', 'ada', [one, two], storage);
    expect(loadOutbox('room', 'ada', storage)).toEqual([one, two]);
    expect(loadOutbox('room', 'grace', storage)).toEqual([]);
    expect(loadOutbox('other', 'ada', storage)).toEqual([]);
  });

  it('keeps the text, id and time, not the sending state', () => {
    const storage = memoryStorage();
    saveOutbox(
      'room',
      'ada',
      [{ ...one, status: 'failed', attempt: 2, error: 'x' } as typeof one],
      storage,
    );
    expect(JSON.parse(storage.items.get(outboxKey('room', 'ada'))!)).toEqual([one]);
  });

  it('is removed when empty', () => {
    const storage = memoryStorage();
    saveOutbox('room', 'ada', [one], storage);
    saveOutbox('room', 'ada', [], storage);
    expect(storage.items.size).toBe(0);
  });

  it('reads anything unexpected as empty', () => {
    const storage = memoryStorage();
    for (const raw of [
      'not json',
      '{"a":1}',
      '[{"clientMsgId":"bad id!","body":"x","createdAt":""}]',
      '[{"clientMsgId":"c1","body":""}]',
    ]) {
      storage.items.set(outboxKey('room', 'ada'), raw);
      expect(loadOutbox('room', 'ada', storage)).toEqual([]);
    }
  });

  it('takes the clientMsgIds the server takes, and no other', () => {
    const storage = memoryStorage();
    for (const id of ['c1', 'a'.repeat(64), 'a'.repeat(65), 'x:y.z_-', 'bad id!', '', 'é']) {
      storage.items.set(outboxKey('room', 'ada'), JSON.stringify([{ ...one, clientMsgId: id }]));
      const kept = loadOutbox('room', 'ada', storage).length === 1;
      expect(kept, id).toBe(clientMsgIdSchema.safeParse(id).success);
    }
  });

  it('survives a storage that refuses', () => {
    const refusing = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    expect(loadOutbox('room', 'ada', refusing)).toEqual([]);
    expect(() => saveOutbox('room', 'ada', [one], refusing)).not.toThrow();
  });
});
