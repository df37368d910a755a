import { describe, expect, it } from 'vitest';
import { acceptParentMessage, readTicketAnswer } from './parentMessages.js';

const parent = { name: 'the parent window' };
const sibling = { name: 'another frame' };
const origin = 'https://shop.example';
const expected = { parent, origin };
const ticket = { protocol: 'roomkit-embed', type: 'ticket', ticket: 'eyJh', sig: 'ab12' };

describe('messages from the parent page', () => {
  it('are accepted from the parent at the URL’s origin', () => {
    expect(acceptParentMessage({ source: parent, origin, data: ticket }, expected)).toEqual(ticket);
  });

  it('are ignored from another origin, even from the parent', () => {
    expect(
      acceptParentMessage(
        { source: parent, origin: 'https://evil.example', data: ticket },
        expected,
      ),
    ).toBeNull();
  });

  it('are ignored from a sibling frame of the same origin', () => {
    expect(acceptParentMessage({ source: sibling, origin, data: ticket }, expected)).toBeNull();
  });

  it('are ignored when the frame has no parent (opened on its own)', () => {
    expect(
      acceptParentMessage({ source: null, origin, data: ticket }, { parent: null, origin }),
    ).toBeNull();
  });

  it.each([
    ['another protocol', { ...ticket, protocol: 'other' }],
    ['an unknown type', { ...ticket, type: 'steal' }],
    ['an extra field', { ...ticket, token: 'x' }],
    [
      'an empty message',
      { protocol: 'roomkit-embed', type: 'command', command: { command: 'send', body: '' } },
    ],
    [
      'an unknown command',
      { protocol: 'roomkit-embed', type: 'command', command: { command: 'eval' } },
    ],
    [
      'a bad accent',
      {
        protocol: 'roomkit-embed',
        type: 'command',
        command: { command: 'theme', theme: { accent: 'red;}' } },
      },
    ],
    ['a string', 'hello'],
  ])('are ignored when they hold %s', (_, data) => {
    expect(acceptParentMessage({ source: parent, origin, data }, expected)).toBeNull();
  });

  it('carry the commands', () => {
    const data = {
      protocol: 'roomkit-embed',
      type: 'command',
      command: { command: 'theme', theme: { mode: 'dark', accent: '#0a7cff' } },
    };
    expect(acceptParentMessage({ source: parent, origin, data }, expected)).toEqual(data);
  });
});

describe('the answer on a ticket-request port', () => {
  it('is a pair or a refusal', () => {
    expect(readTicketAnswer({ ticket: 'eyJh', sig: 'ab' })).toEqual({ ticket: 'eyJh', sig: 'ab' });
    expect(readTicketAnswer({ error: 'signed out' })).toEqual({ error: 'signed out' });
    expect(readTicketAnswer({ ticket: 'eyJh' })).toBeNull();
    expect(readTicketAnswer(null)).toBeNull();
  });
});
