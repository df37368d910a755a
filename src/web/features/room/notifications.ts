import type { Message } from '../../../protocol/schemas.js';

/** What a notification says about messages that arrived while the tab was hidden. */
export interface NewMessagesAlert {
  title: string;
  body: string;
}

/** A notification shows a line or two; longer messages are cut here, with an ellipsis. */
export const ALERT_BODY_CHARS = 140;

/**
 * Whether a message is worth telling someone who is in another tab: what other people wrote or
 * shared. Never one's own messages (sent from another device, too) and never system lines.
 */
export function alertsFor(message: Message, me: string): boolean {
  return message.type !== 'system' && message.sender !== null && message.sender.id !== me;
}

function cut(text: string): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length <= ALERT_BODY_CHARS
    ? chars.join('')
    : `${chars.slice(0, ALERT_BODY_CHARS - 1).join('')}…`;
}

/**
 * The one notification for the messages after `afterSeq` (`messages` in ascending `seq`), or
 * null when none of them alerts. Several at once (a burst, or what a reconnect caught up on) make
 * one notification that counts them, not one each.
 */
export function newMessagesAlert(
  messages: readonly Message[],
  afterSeq: number,
  me: string,
  roomName: string,
): NewMessagesAlert | null {
  const fresh: Message[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i]!.seq > afterSeq; i--) {
    if (alertsFor(messages[i]!, me)) fresh.push(messages[i]!);
  }
  const [only] = fresh;
  if (!only) return null;
  if (fresh.length > 1) return { title: roomName, body: `${fresh.length} new messages` };
  const sender = only.sender?.displayName ?? 'Someone';
  const body = only.type === 'file' ? `Shared ${only.body || 'a file'}` : only.body;
  return { title: `${sender} in ${roomName}`, body: cut(body) };
}
