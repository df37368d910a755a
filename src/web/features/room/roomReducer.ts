/**
 * The state of one room as this client sees it, driven by the server's Socket.IO events
 * (API.md, "Realtime") and by the person's own sends. Pure, so it is tested without a browser.
 */
import type {
  FileInfo,
  Member,
  MemberPresence,
  Message,
  Room,
  RoomState,
} from '../../../protocol/schemas.js';
import {
  mergeMessages,
  settlePending,
  updateMessage,
  type PendingMessage,
} from '../chat/messages.js';
import { mergeFiles } from '../files/files.js';

/** `connecting` until the first connection, `reconnecting` whenever it drops after that. */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting';

/** How long a `typing {active:true}` counts without being repeated. */
export const TYPING_TTL_MS = 5_000;

export interface RoomViewState {
  connection: ConnectionStatus;
  room: Room | null;
  me: Member;
  members: readonly MemberPresence[];
  /** Ascending seq, one entry per seq. */
  messages: readonly Message[];
  /** Everything shared in the room, oldest first, one entry per id. */
  files: readonly FileInfo[];
  /** Sent from here, not yet confirmed; shown after the confirmed messages. */
  pending: readonly PendingMessage[];
  /** The server said there is nothing before the oldest message we hold. */
  historyExhausted: boolean;
  /** memberId → time (ms) the indicator lapses. */
  typing: Readonly<Record<string, number>>;
  /**
   * The last `room:expiring` warning: when the room then ended (ms), and how many seconds were
   * left as it came. Dropped when the room's end moves later.
   */
  expiring: { deadline: number; secondsLeft: number } | null;
  closing: { deadline: number; reason: string } | null;
  closed: { reason: string } | null;
}

export type RoomAction =
  | { type: 'connected' }
  | { type: 'disconnected' }
  | { type: 'state'; state: RoomState; now: number }
  | { type: 'memberJoined'; member: Member }
  | { type: 'memberLeft'; memberId: string }
  | { type: 'presence'; members: MemberPresence[] }
  | { type: 'messages'; messages: Message[] }
  | { type: 'messageUpdated'; message: Message }
  | { type: 'filesAdded'; files: FileInfo[] }
  | { type: 'history'; messages: Message[]; hasMore: boolean }
  | { type: 'typing'; memberId: string; active: boolean; now: number }
  | { type: 'typingLapsed'; now: number }
  | { type: 'roomUpdated'; room: Room }
  | { type: 'expiring'; secondsLeft: number; now: number }
  | { type: 'closing'; secondsLeft: number; reason: string; now: number }
  | { type: 'closed'; reason: string }
  | { type: 'sendStarted'; message: PendingMessage }
  | { type: 'sendFailed'; clientMsgId: string; error: string }
  | { type: 'sendRetried'; clientMsgId: string }
  | { type: 'sendDropped'; clientMsgId: string };

export function initialRoomState(me: Member): RoomViewState {
  return {
    connection: 'connecting',
    room: null,
    me,
    members: [],
    messages: [],
    files: [],
    pending: [],
    historyExhausted: false,
    typing: {},
    expiring: null,
    closing: null,
    closed: null,
  };
}

/** The warning still stands for a room ending at `expiresAt` (it has not moved later). */
function stillExpiring(expiring: RoomViewState['expiring'], room: Room): RoomViewState['expiring'] {
  if (expiring === null || room.expiresAt === null) return null;
  return Date.parse(room.expiresAt) <= expiring.deadline + 1_000 ? expiring : null;
}

/** True when messages older than the oldest one held may exist (seqs start at 1). */
export function canLoadEarlier(state: RoomViewState): boolean {
  const first = state.messages[0];
  return !state.historyExhausted && first !== undefined && first.seq > 1;
}

function withoutTyping(
  typing: Readonly<Record<string, number>>,
  memberIds: Iterable<string>,
): Readonly<Record<string, number>> {
  let next: Record<string, number> | null = null;
  for (const id of memberIds) {
    if (id in typing) {
      next ??= { ...typing };
      delete next[id];
    }
  }
  return next ?? typing;
}

function receive(state: RoomViewState, messages: readonly Message[]): RoomViewState {
  const senders = messages.flatMap((message) => (message.sender ? [message.sender.id] : []));
  return {
    ...state,
    messages: mergeMessages(state.messages, messages),
    pending: settlePending(state.pending, messages),
    // Someone whose message just arrived has stopped typing it.
    typing: withoutTyping(state.typing, senders),
  };
}

function updatePending(
  state: RoomViewState,
  clientMsgId: string,
  update: (message: PendingMessage) => PendingMessage | null,
): RoomViewState {
  const pending = state.pending.flatMap((message) => {
    if (message.clientMsgId !== clientMsgId) return [message];
    const next = update(message);
    return next ? [next] : [];
  });
  return { ...state, pending };
}

export function roomReducer(state: RoomViewState, action: RoomAction): RoomViewState {
  switch (action.type) {
    case 'connected':
      return { ...state, connection: 'connected' };
    case 'disconnected':
      return state.connection === 'connecting' ? state : { ...state, connection: 'reconnecting' };
    case 'state':
      return {
        ...receive(state, action.state.messages),
        room: action.state.room,
        expiring: stillExpiring(state.expiring, action.state.room),
        me: action.state.member,
        members: action.state.members,
        files: mergeFiles(state.files, action.state.files ?? []),
        // A countdown that ran out while we were away (a server restart) no longer applies.
        closing: state.closing && state.closing.deadline > action.now ? state.closing : null,
      };
    case 'memberJoined': {
      const known = state.members.some((member) => member.id === action.member.id);
      const members = known
        ? state.members.map((member) =>
            member.id === action.member.id ? { ...member, ...action.member } : member,
          )
        : [...state.members, { ...action.member, online: false }];
      return { ...state, members };
    }
    case 'memberLeft':
      return {
        ...state,
        members: state.members.filter((member) => member.id !== action.memberId),
        typing: withoutTyping(state.typing, [action.memberId]),
      };
    case 'presence':
      return { ...state, members: action.members };
    case 'messages':
      return receive(state, action.messages);
    case 'messageUpdated':
      return { ...state, messages: updateMessage(state.messages, action.message) };
    case 'filesAdded':
      return { ...state, files: mergeFiles(state.files, action.files) };
    case 'history':
      return {
        ...state,
        messages: mergeMessages(state.messages, action.messages),
        historyExhausted: !action.hasMore,
      };
    case 'typing': {
      if (action.memberId === state.me.id) return state;
      if (!action.active) {
        return { ...state, typing: withoutTyping(state.typing, [action.memberId]) };
      }
      return {
        ...state,
        typing: { ...state.typing, [action.memberId]: action.now + TYPING_TTL_MS },
      };
    }
    case 'typingLapsed': {
      const lapsed = Object.entries(state.typing)
        .filter(([, until]) => until <= action.now)
        .map(([memberId]) => memberId);
      return { ...state, typing: withoutTyping(state.typing, lapsed) };
    }
    case 'roomUpdated':
      return { ...state, room: action.room, expiring: stillExpiring(state.expiring, action.room) };
    case 'expiring':
      return {
        ...state,
        expiring: {
          deadline: action.now + action.secondsLeft * 1000,
          secondsLeft: action.secondsLeft,
        },
      };
    case 'closing':
      return {
        ...state,
        closing: { deadline: action.now + action.secondsLeft * 1000, reason: action.reason },
      };
    case 'closed':
      return { ...state, closed: { reason: action.reason }, closing: null, typing: {} };
    case 'sendStarted':
      return { ...state, pending: [...state.pending, action.message] };
    case 'sendFailed':
      return updatePending(state, action.clientMsgId, (message) => ({
        ...message,
        status: 'failed',
        error: action.error,
      }));
    case 'sendRetried':
      return updatePending(state, action.clientMsgId, (message) => ({
        clientMsgId: message.clientMsgId,
        body: message.body,
        createdAt: message.createdAt,
        status: 'sending',
      }));
    case 'sendDropped':
      return updatePending(state, action.clientMsgId, () => null);
  }
}
