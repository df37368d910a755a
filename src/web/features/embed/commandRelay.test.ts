import { describe, expect, it } from 'vitest';
import type { EmbedCommand } from '../../../protocol/embed.js';
import { createCommandRelay } from './commandRelay.js';

describe('the parent’s commands', () => {
  it('wait for the room, then arrive in order', () => {
    const relay = createCommandRelay();
    relay.push({ command: 'send', body: 'first' });
    relay.push({ command: 'focus' });
    const seen: EmbedCommand[] = [];
    relay.attach((command) => seen.push(command));
    relay.push({ command: 'send', body: 'second' });
    expect(seen).toEqual([
      { command: 'send', body: 'first' },
      { command: 'focus' },
      { command: 'send', body: 'second' },
    ]);
  });

  it('wait again once the room is gone, for the next one', () => {
    const relay = createCommandRelay();
    const first: EmbedCommand[] = [];
    const detach = relay.attach((command) => first.push(command));
    detach();
    relay.push({ command: 'leave' });
    const second: EmbedCommand[] = [];
    relay.attach((command) => second.push(command));
    expect(first).toEqual([]);
    expect(second).toEqual([{ command: 'leave' }]);
  });
});
