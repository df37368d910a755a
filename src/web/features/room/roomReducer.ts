/**
 * The state of one room as this client sees it, driven by the server's Socket.IO events
 * (API.md, "Realtime") and by the person's own sends. Pure, so it is tested without a browser.
 */
import type {
  Call,
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

/** A message as typed, before it is in the outbox. */
export type OutboxEntry = Pick<PendingMessage, 'clientMsgId' | 'body' | 'createdAt'>;

/** How long a `typing {active:true}` counts without being repeated. */
export const TYPING_TTL_MS = 5_000;

export interface RoomViewState {
  connection: ConnectionStatus;
  /** The browser says it has no network (`navigator.onLine`, `offline`/`online` events). */
  offline: boolean;
  /** The last attempt to connect failed before reaching the server (not a refusal). */
  unreachable: boolean;
  /** The server said it is shutting down (`room:closing` `server_shutdown`); cleared by the next `room:state`. */
  serverRestarting: boolean;
  room: Room | null;
  me: Member;
  members: readonly MemberPresence[];
  /** Ascending seq, one entry per seq. */
  messages: readonly Message[];
  /** Everything shared in the room, oldest first, one entry per id. */
  files: readonly FileInfo[];
  /** The outbox: typed here, not yet confirmed, oldest first; shown after the confirmed messages. */
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
  /**
   * The last `room:closing` countdown (an operator's delete). Dropped by `room:updated`, which is
   * what a cancelled delete sends; a countdown still running repeats every second, so a room
   * change of another kind hides it for at most that long.
   */
  closing: { deadline: number; reason: string } | null;
  /**
   * The room has ended, or this session in it has (a `room:closed` reason, or one of
   * `ENDED_HERE`'s): the page keeps what it holds, read-only.
   */
  closed: { reason: string } | null;
  /** The room's call (`room:state`, then every `call:state`), or null when there is none. */
  call: Call;
}

/**
 * Reasons the client finds itself when the server no longer knows the room or the session
 * (no `room:closed` came): see Banners.tsx for what each says.
 */
export const ENDED_HERE = {
  /** The room lived in the server's memory and the server restarted. */
  restarted: 'restarted',
  /** The room lived in the server's memory and is gone, the cause unseen. */
  goneFromMemory: 'gone_from_memory',
  /** The room is gone and we cannot tell why. */
  gone: 'gone',
  /** The room is there, but this member's session is not (removed, or left elsewhere). */
  sessionEnded: 'session_ended',
} as const;

export type RoomAction =
  | { type: 'connected' }
  | { type: 'disconnected' }
  | { type: 'connectFailed' }
  | { type: 'network'; online: boolean }
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
  | { type: 'call'; call: Call }
  | { type: 'expiring'; secondsLeft: number; now: number }
  | { type: 'closing'; secondsLeft: number; reason: string; now: number }
  | { type: 'closed'; reason: string }
  | { type: 'sendQueued'; message: OutboxEntry }
  | { type: 'sendAttempted'; clientMsgId: string; attempt: number }
  | { type: 'sendFailed'; clientMsgId: string; attempt: number; error: string }
  | { type: 'sendRetried'; clientMsgId: string }
  | { type: 'sendDropped'; clientMsgId: string };

/** `outbox`: messages typed earlier and kept in this browser (restored after a reload). */
export function initialRoomState(
  me: Member,
  outbox: readonly OutboxEntry[] = [],
  offline = false,
): RoomViewState {
  return {
    connection: 'connecting',
    offline,
    unreachable: false,
    serverRestarting: false,
    room: null,
    me,
    members: [],
    messages: [],
    files: [],
    pending: outbox.map((entry) => ({ ...entry, status: 'queued', attempt: 0 })),
    historyExhausted: false,
    typing: {},
    expiring: null,
    closing: null,
    closed: null,
    call: null,
  };
}

const guessedReasons: ReadonlySet<string> = new Set(Object.values(ENDED_HERE));

function guessed(reason: string): boolean {
  return guessedReasons.has(reason);
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

/**
 * The outbox message to send now: the oldest queued one, while connected and with no send awaiting
 * its answer, so messages reach the room in the order they were typed.
 */
export function nextToSend(state: RoomViewState): PendingMessage | undefined {
  if (state.connection !== 'connected' || state.closed !== null) return undefined;
  if (state.pending.some((message) => message.status === 'sending')) return undefined;
  return state.pending.find((message) => message.status === 'queued');
}

/** Whether the members' online flags can be believed: only while connected to a live room. */
export function presenceKnown(state: RoomViewState): boolean {
  return state.connection === 'connected' && state.closed === null;
}

/** The one banner about the connection or the room's end that the room shows, if any. */
export type RoomNotice =
  | { kind: 'offline'; opened: boolean }
  | { kind: 'unreachable' }
  | { kind: 'reconnecting'; serverRestarting: boolean }
  | { kind: 'closing'; deadline: number; reason: string };

/**
 * What the banner says now: being offline first (it explains everything else), then the lost
 * connection (a server restart said so), then a countdown to the room's end. A room that has
 * ended has its own banner instead; a first connection still under way shows no banner.
 */
export function roomNotice(state: RoomViewState): RoomNotice | null {
  if (state.closed !== null) return null;
  const opened = state.connection !== 'connecting';
  if (state.connection !== 'connected' && state.offline) return { kind: 'offline', opened };
  if (state.connection === 'reconnecting') {
    return { kind: 'reconnecting', serverRestarting: state.serverRestarting };
  }
  if (state.connection === 'connecting') return state.unreachable ? { kind: 'unreachable' } : null;
  return state.closing ? { kind: 'closing', ...state.closing } : null;
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
      return { ...state, connection: 'connected', unreachable: false, offline: false };
    case 'disconnected': {
      // A send that got no answer before the drop goes back to the outbox; sent again, its
      // clientMsgId makes it the same message if the server had it after all.
      const pending = state.pending.some((message) => message.status === 'sending')
        ? state.pending.map((message) =>
            message.status === 'sending' ? { ...message, status: 'queued' as const } : message,
          )
        : state.pending;
      const connection = state.connection === 'connecting' ? 'connecting' : 'reconnecting';
      return { ...state, connection, pending };
    }
    case 'connectFailed':
      return state.unreachable ? state : { ...state, unreachable: true };
    case 'network':
      return state.offline === !action.online ? state : { ...state, offline: !action.online };
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
        serverRestarting: false,
        call: action.state.call,
      };
    case 'call':
      return { ...state, call: action.call };
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
      return {
        ...state,
        room: action.room,
        expiring: stillExpiring(state.expiring, action.room),
        closing: null,
      };
    case 'expiring':
      return {
        ...state,
        expiring: {
          deadline: action.now + action.secondsLeft * 1000,
          secondsLeft: action.secondsLeft,
        },
      };
    case 'closing':
      // A shutdown is not a countdown: the room may well be there after the restart.
      if (action.reason === 'server_shutdown') return { ...state, serverRestarting: true };
      return {
        ...state,
        closing: { deadline: action.now + action.secondsLeft * 1000, reason: action.reason },
      };
    case 'closed': {
      // The server's own reason wins over one this page guessed (the code's connection may be
      // refused a moment before `room:closed` arrives); otherwise the first reason stays.
      if (state.closed !== null && !(guessed(state.closed.reason) && !guessed(action.reason))) {
        return state;
      }
      // Nothing more goes out; what was not confirmed stays in view as not sent.
      const pending = state.pending.map((message) =>
        message.status === 'sending' ? { ...message, status: 'queued' as const } : message,
      );
      return { ...state, closed: { reason: action.reason }, closing: null, typing: {}, pending };
    }
    case 'sendQueued':
      return {
        ...state,
        pending: [...state.pending, { ...action.message, status: 'queued', attempt: 0 }],
      };
    case 'sendAttempted':
      return updatePending(state, action.clientMsgId, (message) => ({
        clientMsgId: message.clientMsgId,
        body: message.body,
        createdAt: message.createdAt,
        status: 'sending',
        attempt: action.attempt,
      }));
    case 'sendFailed':
      return updatePending(state, action.clientMsgId, (message) =>
        message.status === 'sending' && message.attempt === action.attempt
          ? { ...message, status: 'failed', error: action.error }
          : message,
      );
    case 'sendRetried':
      return updatePending(state, action.clientMsgId, (message) =>
        message.status === 'failed'
          ? {
              clientMsgId: message.clientMsgId,
              body: message.body,
              createdAt: message.createdAt,
              status: 'queued',
              attempt: message.attempt,
            }
          : message,
      );
    case 'sendDropped':
      return updatePending(state, action.clientMsgId, () => null);
  }
}
