import { describe, expect, it } from 'vitest';
import type { Message } from '../../../protocol/schemas.js';
import { ALERT_BODY_CHARS, alertsFor, newMessagesAlert } from './notifications.js';

const ada = { id: 'm-ada', displayName: 'Ada', role: 'owner' as const };
const grace = { id: 'm-grace', displayName: 'Grace', role: 'member' as const };

function message(seq: number, fields: Partial<Message> = {}): Message {
  return {
    id: `msg-${seq}`,
    roomId: 'room-1',
    seq,
    type: 'text',
    body: `message ${seq}`,
    sender: grace,
    createdAt: '2026-12-07T10:00:00.000Z',
    ...fields,
  };
}

describe('which messages alert', () => {
  it("alerts for other people's text and files", () => {
    expect(alertsFor(message(1), ada.id)).toBe(true);
    expect(alertsFor(message(2, { type: 'file', body: 'photo.jpg' }), ada.id)).toBe(true);
  });

  it('never for one’s own messages', () => {
    expect(alertsFor(message(1, { sender: ada }), ada.id)).toBe(false);
  });

  it('never for system lines', () => {
    expect(
      alertsFor(message(1, { type: 'system', sender: null, body: 'Grace joined' }), ada.id),
    ).toBe(false);
  });
});

describe('the notification for what arrived', () => {
  it('names the sender and the room, with the message', () => {
    const messages = [message(1), message(2, { body: 'Lunch at noon?' })];
    expect(newMessagesAlert(messages, 1, ada.id, 'Standup')).toEqual({
      title: 'Grace in Standup',
      body: 'Lunch at noon?',
    });
  });

  it('says nothing about messages seen already, own ones or system lines', () => {
    const messages = [
      message(1),
      message(2, { sender: ada }),
      message(3, { type: 'system', sender: null, body: 'Grace ran Python' }),
    ];
    expect(newMessagesAlert(messages, 1, ada.id, 'Standup')).toBeNull();
    expect(newMessagesAlert(messages, 3, ada.id, 'Standup')).toBeNull();
  });

  it('counts several messages in one notification', () => {
    const messages = [message(1), message(2), message(3, { sender: ada }), message(4)];
    expect(newMessagesAlert(messages, 1, ada.id, 'Standup')).toEqual({
      title: 'Standup',
      body: '2 new messages',
    });
  });

  it('says what was shared for a file', () => {
    const messages = [message(5, { type: 'file', body: 'plan.pdf', fileId: 'f-1' })];
    expect(newMessagesAlert(messages, 4, ada.id, 'Standup')?.body).toBe('Shared plan.pdf');
  });

  it('cuts a long message to one line, counting characters, not UTF-16 units', () => {
    const long = `${'😀'.repeat(ALERT_BODY_CHARS)}\n\nmore`;
    const body = newMessagesAlert([message(1, { body: long })], 0, ada.id, 'Standup')?.body ?? '';
    expect([...body]).toHaveLength(ALERT_BODY_CHARS);
    expect(body.endsWith('…')).toBe(true);
    expect(body).not.toContain('\n');
  });
});
