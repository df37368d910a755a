import { describe, expect, it } from 'vitest';
import type { FileInfo, Member, Message } from '../../../protocol/schemas.js';
import { conversationFileName, conversationMarkdown } from './conversationExport.js';

const ada: Member = { id: 'ada', displayName: 'Ada', role: 'owner' };
const grace: Member = { id: 'grace', displayName: 'Grace', role: 'member' };

function message(seq: number, fields: Partial<Message>): Message {
  return {
    id: `m${seq}`,
    roomId: 'room',
    seq,
    type: 'text',
    body: '',
    sender: ada,
    createdAt: `2026-03-04T09:0${seq}:00.000Z`,
    ...fields,
  };
}

const photo: FileInfo = {
  id: 'f1',
  name: 'harbour.jpg',
  mime: 'image/jpeg',
  size: 1000,
  width: 10,
  height: 10,
  createdAt: '2026-03-04T09:03:00.000Z',
  uploaderId: 'grace',
  sha256: '0'.repeat(64),
};

const snapshot = {
  roomName: 'Standup',
  savedAt: new Date('2026-03-04T10:30:00.000Z'),
  ended: 'It has reached the end of its life.',
  messages: [
    message(1, { type: 'system', sender: null, body: 'Grace joined' }),
    message(2, { body: 'Morning!\nTwo lines.' }),
    message(3, { type: 'file', sender: grace, body: 'harbour.jpg', fileId: 'f1' }),
    message(4, { type: 'file', sender: grace, body: 'notes.txt', fileId: 'gone' }),
  ],
  files: new Map([[photo.id, photo]]),
  outbox: [
    {
      clientMsgId: 'c1',
      body: 'Typed offline',
      createdAt: '2026-03-04T09:05:00.000Z',
      status: 'queued' as const,
      attempt: 0,
    },
  ],
  me: 'Grace',
  draft: 'half a thou',
  timeZone: 'UTC',
};

describe('conversationMarkdown', () => {
  it('writes the room, the date, each message with author and time, files and system lines', () => {
    expect(conversationMarkdown(snapshot)).toBe(
      [
        '# Standup',
        '',
        'Saved from Roomkit on 2026-03-04 10:30 (times in UTC).',
        'The room has ended: It has reached the end of its life.',
        '',
        '## Messages',
        '',
        '* 2026-03-04 09:01 · Grace joined',
        '',
        '**Ada** · 2026-03-04 09:02',
        '',
        '    Morning!',
        '    Two lines.',
        '',
        '**Grace** · 2026-03-04 09:03',
        '',
        '    [file] harbour.jpg',
        '',
        '**Grace** · 2026-03-04 09:04',
        '',
        '    [file] notes.txt',
        '',
        '## Not sent',
        '',
        'Typed here, never received by the room:',
        '',
        '**Grace** · 2026-03-04 09:05 · not sent',
        '',
        '    Typed offline',
        '',
        '## Draft',
        '',
        'In the message box, not sent:',
        '',
        '    half a thou',
        '',
      ].join('\n'),
    );
  });

  it('leaves out the outbox and the draft when there are none', () => {
    const text = conversationMarkdown({ ...snapshot, outbox: [], draft: '  ', ended: null });
    expect(text).not.toContain('## Not sent');
    expect(text).not.toContain('## Draft');
    expect(text).not.toContain('has ended');
  });

  it('writes times in the zone asked for', () => {
    const text = conversationMarkdown({ ...snapshot, timeZone: 'Asia/Tokyo' });
    expect(text).toContain('**Ada** · 2026-03-04 18:02');
    expect(text).toContain('(times in Asia/Tokyo)');
  });
});

describe('conversationFileName', () => {
  it('names the file after the room and the day, safely', () => {
    const day = new Date('2026-03-04T10:30:00.000Z');
    expect(conversationFileName('Standup', day, 'UTC')).toBe('Standup-2026-03-04.md');
    expect(conversationFileName('../Ops: plan / B', day, 'UTC')).toBe('Ops-plan-B-2026-03-04.md');
    expect(conversationFileName('***', day, 'UTC')).toBe('conversation-2026-03-04.md');
  });
});
