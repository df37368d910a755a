/**
 * What the frame tells its parent about the room as it changes: each message from someone else
 * (with how many are unread), each file someone else shares, and the unread count whenever it
 * changes. Pure: `EmbedBridge` feeds it the room's state after each change.
 *
 * Unread: a message from someone else is unread when it arrives while the member is not looking
 * at the frame, that is while the page is hidden or the frame does not have the focus (a person
 * reading the host page is not reading the chat). The count goes back to 0 as soon as the member
 * looks: the frame gets the focus (a click or a tab into it, or the `focus` command) with the
 * page shown. System lines and the member's own messages never count. What the room held when
 * the frame joined counts as seen.
 */
import type { EmbedEvent } from '../../../protocol/embed.js';
import type { FileInfo, Member, Message } from '../../../protocol/schemas.js';

export interface RoomEventsState {
  /** Messages up to this seq have been seen. */
  seenSeq: number;
  /** Messages up to this seq have been reported with a `message` event. */
  reportedSeq: number;
  /** Files already reported, or held when the frame joined. */
  reportedFiles: ReadonlySet<string>;
  /** The unread count last reported. */
  unread: number;
}

export interface RoomSnapshot {
  messages: readonly Message[];
  files: readonly FileInfo[];
  members: readonly Member[];
  me: string;
}

/** The state when the frame joins: everything the room holds is seen and reported. */
export function startRoomEvents({
  messages,
  files,
}: Pick<RoomSnapshot, 'messages' | 'files'>): RoomEventsState {
  const newest = messages.at(-1)?.seq ?? 0;
  return {
    seenSeq: newest,
    reportedSeq: newest,
    reportedFiles: new Set(files.map((file) => file.id)),
    unread: 0,
  };
}

const fromOthers = (message: Message, me: string) =>
  message.type !== 'system' && message.sender !== null && message.sender.id !== me;

/** The events to post after the room or the member's attention changed, and the next state. */
export function roomEvents(
  state: RoomEventsState,
  room: RoomSnapshot,
  looking: boolean,
): { state: RoomEventsState; events: EmbedEvent[] } {
  const { messages, files, members, me } = room;
  const newest = messages.at(-1)?.seq ?? 0;
  const seenSeq = looking ? Math.max(state.seenSeq, newest) : state.seenSeq;
  const events: EmbedEvent[] = [];

  let unread = 0;
  for (const message of messages) {
    if (!fromOthers(message, me)) continue;
    const isUnread = message.seq > seenSeq;
    if (isUnread) unread++;
    if (message.seq > state.reportedSeq) {
      events.push({
        name: 'message',
        seq: message.seq,
        from: message.sender?.displayName ?? 'Someone',
        unread: isUnread ? unread : 0,
      });
    }
  }

  const reportedFiles = new Set(state.reportedFiles);
  for (const file of files) {
    if (reportedFiles.has(file.id)) continue;
    reportedFiles.add(file.id);
    if (file.uploaderId === me) continue;
    events.push({
      name: 'file',
      fileId: file.id,
      fileName: file.name,
      mime: file.mime,
      from: members.find((member) => member.id === file.uploaderId)?.displayName ?? 'Someone',
    });
  }

  if (unread !== state.unread) events.push({ name: 'unread', count: unread });
  return {
    state: {
      seenSeq,
      reportedSeq: Math.max(state.reportedSeq, newest),
      reportedFiles:
        reportedFiles.size === state.reportedFiles.size ? state.reportedFiles : reportedFiles,
      unread,
    },
    events,
  };
}
