import { describe, expect, it } from 'vitest';
import { rememberLeftRoom, takeLeftRoom, type NoticeStorage } from './leftRoom.js';

function memoryStorage(): NoticeStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

describe('the "You left" notice', () => {
  it('hands the room name over once', () => {
    const storage = memoryStorage();
    rememberLeftRoom('Standup', storage);
    expect(takeLeftRoom(storage)).toBe('Standup');
    expect(takeLeftRoom(storage)).toBeNull();
  });

  it('says nothing when no room was left', () => {
    expect(takeLeftRoom(memoryStorage())).toBeNull();
  });

  it('says nothing when storage refuses', () => {
    const refusing: NoticeStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {},
    };
    expect(() => rememberLeftRoom('Standup', refusing)).not.toThrow();
    expect(takeLeftRoom(refusing)).toBeNull();
  });
});
