/**
 * "Save conversation": what a room's page holds, as a Markdown text a person keeps after the room
 * has ended. Pure, so it is tested without a browser; the page only downloads what it returns.
 */
import type { FileInfo, Message } from '../../../protocol/schemas.js';
import type { PendingMessage } from '../chat/messages.js';

export interface ConversationSnapshot {
  roomName: string;
  /** When the text is made. */
  savedAt: Date;
  /** A sentence saying why the room ended, if it has. */
  ended: string | null;
  /** The confirmed messages, ascending seq. */
  messages: readonly Message[];
  /** The room's files by id; a file message shows its file's name. */
  files: ReadonlyMap<string, FileInfo>;
  /** The outbox: typed here and never confirmed. */
  outbox: readonly PendingMessage[];
  /** The display name of the person saving (the author of the outbox and the draft). */
  me: string;
  /** What is in the message box. */
  draft: string;
  /** IANA time zone for the times written (the browser's when absent). */
  timeZone?: string;
}

function stamp(iso: string | Date, timeZone: string | undefined): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return String(iso);
  const parts = new Intl.DateTimeFormat('en-CA', {
    ...(timeZone ? { timeZone } : {}),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((candidate) => candidate.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

function zoneName(timeZone: string | undefined): string {
  return timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Every line of a body, indented as a block under its author line. */
function block(body: string): string {
  return body
    .split(/\r?\n/)
    .map((line) => (line.length > 0 ? `    ${line}` : ''))
    .join('\n');
}

function fileLine(message: Message, files: ReadonlyMap<string, FileInfo>): string {
  const file = message.fileId === undefined ? undefined : files.get(message.fileId);
  // Links to a room's files stop working with the room, so a file is written as its name.
  return `    [file] ${file?.name ?? message.body}`;
}

function messageEntry(
  message: Message,
  files: ReadonlyMap<string, FileInfo>,
  zone: string | undefined,
): string {
  const when = stamp(message.createdAt, zone);
  if (message.type === 'system') return `* ${when} · ${message.body}`;
  const author = message.sender?.displayName ?? 'Someone';
  const body = message.type === 'file' ? fileLine(message, files) : block(message.body);
  return `**${author}** · ${when}\n\n${body}`;
}

/** The conversation as Markdown: a heading, when it was saved, then each message in order. */
export function conversationMarkdown(snapshot: ConversationSnapshot): string {
  const zone = snapshot.timeZone;
  const sections: string[] = [
    `# ${snapshot.roomName}`,
    `Saved from Roomkit on ${stamp(snapshot.savedAt, zone)} (times in ${zoneName(zone)}).` +
      (snapshot.ended ? `\nThe room has ended: ${snapshot.ended}` : ''),
    '## Messages',
  ];
  if (snapshot.messages.length === 0) sections.push('No messages.');
  for (const message of snapshot.messages) {
    sections.push(messageEntry(message, snapshot.files, zone));
  }
  if (snapshot.outbox.length > 0) {
    sections.push('## Not sent', 'Typed here, never received by the room:');
    for (const message of snapshot.outbox) {
      sections.push(
        `**${snapshot.me}** · ${stamp(message.createdAt, zone)} · not sent\n\n${block(message.body)}`,
      );
    }
  }
  if (snapshot.draft.trim().length > 0) {
    sections.push('## Draft', 'In the message box, not sent:', block(snapshot.draft));
  }
  return `${sections.join('\n\n')}\n`;
}

/** A file name for the saved text: the room's name (made safe) and the day. */
export function conversationFileName(roomName: string, savedAt: Date, timeZone?: string): string {
  const safe = roomName
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  const day = stamp(savedAt, timeZone).slice(0, 10);
  return `${safe || 'conversation'}-${day}.md`;
}
