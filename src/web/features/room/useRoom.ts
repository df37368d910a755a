import { useCallback, useEffect, useReducer, useRef, useState, type Dispatch } from 'react';
import { isRoomGone } from '../../lib/errorMessages.js';
import { clearMembership, rememberRemoval, type SavedMembership } from '../../lib/memberships.js';
import { createRoomSocket, type RoomSocket } from '../../lib/socket.js';
import { loadOutbox } from '../chat/outboxStorage.js';
import { fetchReadinessChecks, roomExists } from './roomApi.js';
import { goneReason } from './roomGone.js';
import {
  ENDED_HERE,
  initialRoomState,
  roomReducer,
  type OutboxEntry,
  type RoomAction,
  type RoomViewState,
} from './roomReducer.js';

/** Why the server will not take this session any more; the page then asks for a name again. */
export type SessionRejection = 'unauthorized' | 'room_not_found';

/** After the server itself disconnects us without closing the room (e.g. a kick), try again. */
const SERVER_DISCONNECT_RETRY_MS = 2_000;
/** A refusal other than the ones above (rate limit, overload): try again a little later. */
const REFUSED_RETRY_MS = 5_000;

export interface RoomConnection {
  state: RoomViewState;
  dispatch: Dispatch<RoomAction>;
  /** Null until the connection is set up (and after the view unmounts). */
  socket: RoomSocket | null;
  /**
   * For other connections of the room (the code's) refused by the server: handled like the
   * room's own refusal, so the page keeps what it holds when the room is gone.
   */
  rejected: (reason: SessionRejection) => void;
  /** Tries to connect again now (after "Try again", or when the browser is back online). */
  reconnectNow: () => void;
}

function browserOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}

/** How a room embedded in another site's page differs (features/embed). */
export interface RoomSessionRenewal {
  /**
   * The token was refused (`unauthorized`: it expired, or the server restarted and no longer
   * knows it): instead of ending, the page gets a new token for the same member and passes it in
   * as a new `session`; the view and its outbox stay.
   */
  renew: () => void;
  /**
   * What an earlier session of this page left unsent, when the renewed one is another member
   * (the server lost the room and made it again): it goes out in the new session.
   */
  carriedOutbox?: readonly OutboxEntry[];
}

/**
 * Connects one room session over Socket.IO and keeps the room's state from its events. When the
 * server refuses the session, a page that holds nothing yet calls `onRejected` (the name is asked
 * again); a page that holds the conversation keeps it, read-only, and says why: the room ended,
 * is gone from the server (a restart of a server that kept it in memory), or this member's
 * session ended while the room lives on. With `renewal`, a refused token is renewed instead, and
 * nothing of the session is written to this browser's storage.
 */
export function useRoom(
  session: SavedMembership,
  onRejected: (reason: SessionRejection) => void,
  renewal?: RoomSessionRenewal,
): RoomConnection {
  const [state, dispatch] = useReducer(roomReducer, session, (restored) =>
    initialRoomState(
      restored.member,
      renewal?.carriedOutbox ?? loadOutbox(restored.roomId, restored.member.id),
      browserOffline(),
    ),
  );
  const [socket, setSocket] = useState<RoomSocket | null>(null);
  const latest = useRef(state);
  useEffect(() => {
    latest.current = state;
  }, [state]);

  // Read when (re)connecting, so the server replays what came after the newest message we hold.
  const lastSeq = useRef(0);
  useEffect(() => {
    lastSeq.current = state.messages.at(-1)?.seq ?? 0;
  }, [state.messages]);

  const rejected = useRef(onRejected);
  useEffect(() => {
    rejected.current = onRejected;
  }, [onRejected]);
  const renew = useRef(renewal?.renew);
  useEffect(() => {
    renew.current = renewal?.renew;
  }, [renewal?.renew]);

  const { roomId, token } = session;
  const myId = session.member.id;
  // Set once the refusal is being handled, so the socket's and the code's do not both act.
  const ending = useRef(false);
  const refused = useCallback(
    async (reason: SessionRejection, retryLater: () => void) => {
      if (ending.current) return;
      const held = latest.current;
      if (held.closed !== null) return;
      // Embedded, a new ticket brings the member back, into the room made again if need be.
      if (renew.current) {
        renew.current();
        return;
      }
      if (held.room === null && held.pending.length === 0) {
        rejected.current(reason);
        return;
      }
      ending.current = true;
      // A refused token says nothing of the room: a restarted server no longer knows its
      // signing key (memory mode), or the member was removed. Ask about the room itself.
      const exists = reason === 'room_not_found' ? 'gone' : await roomExists(roomId);
      if (exists === 'unknown') {
        ending.current = false;
        retryLater();
        return;
      }
      if (exists === 'live') {
        dispatch({ type: 'closed', reason: ENDED_HERE.sessionEnded });
        return;
      }
      const checks = await fetchReadinessChecks();
      const now = latest.current;
      clearMembership(roomId);
      dispatch({
        type: 'closed',
        reason: goneReason({
          room: now.room,
          now: Date.now(),
          serverRestarting: now.serverRestarting,
          checks,
        }),
      });
    },
    [roomId],
  );

  const socketRef = useRef<RoomSocket | null>(null);
  const reconnectNow = useCallback(() => {
    const current = socketRef.current;
    if (!current || current.connected || latest.current.closed !== null) return;
    // Restarts the attempts at once, instead of waiting out Socket.IO's backoff.
    current.disconnect();
    current.connect();
  }, []);

  useEffect(() => {
    const update = () => {
      dispatch({ type: 'network', online: !browserOffline() });
      if (!browserOffline()) reconnectNow();
    };
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, [reconnectNow]);

  useEffect(() => {
    const socket = createRoomSocket(token, () => lastSeq.current);
    socketRef.current = socket;
    let closed = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connectLater = (ms: number) => {
      clearTimeout(retry);
      retry = setTimeout(() => socket.connect(), ms);
    };

    socket.on('connect', () => dispatch({ type: 'connected' }));
    socket.on('disconnect', (reason) => {
      dispatch({ type: 'disconnected' });
      if (reason === 'io server disconnect' && !closed) connectLater(SERVER_DISCONNECT_RETRY_MS);
    });
    socket.on('connect_error', (error) => {
      // While `active`, Socket.IO retries by itself (network trouble); otherwise the server's
      // middleware refused us: the message is `unauthorized`, and `data.code` may say why.
      if (socket.active) {
        dispatch({ type: 'connectFailed' });
        return;
      }
      const { data } = error as Error & { data?: { code?: unknown } };
      const code = typeof data?.code === 'string' ? data.code : error.message;
      const later = () => connectLater(REFUSED_RETRY_MS);
      if (isRoomGone(code)) void refused('room_not_found', later);
      else if (error.message === 'unauthorized') void refused('unauthorized', later);
      else later();
    });

    socket.on('room:state', (roomState) =>
      dispatch({ type: 'state', state: roomState, now: Date.now() }),
    );
    socket.on('member:joined', ({ member }) => dispatch({ type: 'memberJoined', member }));
    socket.on('member:left', ({ memberId, reason }) => {
      // Removed by an administrator: the room goes on without us, and a rejoin may be refused.
      if (reason === 'kicked' && memberId === myId) {
        closed = true;
        if (!renew.current) rememberRemoval(roomId, token);
        clearMembership(roomId);
        dispatch({ type: 'closed', reason: 'kicked' });
        return;
      }
      dispatch({ type: 'memberLeft', memberId });
    });
    socket.on('presence', ({ members }) => dispatch({ type: 'presence', members }));
    socket.on('message:new', ({ message }) => dispatch({ type: 'messages', messages: [message] }));
    socket.on('message:updated', ({ message }) => dispatch({ type: 'messageUpdated', message }));
    socket.on('file:added', ({ file }) => dispatch({ type: 'filesAdded', files: [file] }));
    socket.on('typing', ({ memberId, active }) =>
      dispatch({ type: 'typing', memberId, active, now: Date.now() }),
    );
    socket.on('room:updated', ({ room }) => dispatch({ type: 'roomUpdated', room }));
    socket.on('call:state', ({ call }) => dispatch({ type: 'call', call }));
    socket.on('room:expiring', ({ secondsLeft }) =>
      dispatch({ type: 'expiring', secondsLeft, now: Date.now() }),
    );
    // The account session this token was issued to ended (signed out here or elsewhere).
    socket.on('session:ended', ({ reason }) => {
      closed = true;
      clearMembership(roomId);
      dispatch({ type: 'closed', reason });
    });
    socket.on('room:closing', ({ secondsLeft, reason }) =>
      dispatch({ type: 'closing', secondsLeft, reason, now: Date.now() }),
    );
    socket.on('room:closed', ({ reason }) => {
      closed = true;
      clearMembership(roomId);
      dispatch({ type: 'closed', reason });
    });

    setSocket(socket);
    socket.connect();
    return () => {
      clearTimeout(retry);
      socket.removeAllListeners();
      socket.disconnect();
      socketRef.current = null;
      setSocket(null);
    };
  }, [roomId, token, myId, refused]);

  // Typing indicators lapse when not repeated; wake up when the next one does.
  useEffect(() => {
    const until = Object.values(state.typing);
    if (until.length === 0) return;
    const wait = Math.max(0, Math.min(...until) - Date.now());
    const timer = setTimeout(() => dispatch({ type: 'typingLapsed', now: Date.now() }), wait + 50);
    return () => clearTimeout(timer);
  }, [state.typing]);

  const rejectedElsewhere = useCallback(
    (reason: SessionRejection) => void refused(reason, () => {}),
    [refused],
  );
  return { state, dispatch, socket, rejected: rejectedElsewhere, reconnectNow };
}
