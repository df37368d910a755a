import { useEffect, useReducer, useRef, useState, type Dispatch } from 'react';
import { isRoomGone } from '../../lib/errorMessages.js';
import { clearMembership, type SavedMembership } from '../../lib/memberships.js';
import { createRoomSocket, type RoomSocket } from '../../lib/socket.js';
import {
  initialRoomState,
  roomReducer,
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
}

/**
 * Connects one room session over Socket.IO and keeps the room's state from its events. Calls
 * `onRejected` when the token is refused, after which this session is of no further use.
 */
export function useRoom(
  session: SavedMembership,
  onRejected: (reason: SessionRejection) => void,
): RoomConnection {
  const [state, dispatch] = useReducer(roomReducer, session.member, initialRoomState);
  const [socket, setSocket] = useState<RoomSocket | null>(null);

  // Read when (re)connecting, so the server replays what came after the newest message we hold.
  const lastSeq = useRef(0);
  useEffect(() => {
    lastSeq.current = state.messages.at(-1)?.seq ?? 0;
  }, [state.messages]);

  const rejected = useRef(onRejected);
  useEffect(() => {
    rejected.current = onRejected;
  }, [onRejected]);

  const { roomId, token } = session;
  useEffect(() => {
    const socket = createRoomSocket(token, () => lastSeq.current);
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
      if (socket.active) return;
      const { data } = error as Error & { data?: { code?: unknown } };
      const code = typeof data?.code === 'string' ? data.code : error.message;
      if (isRoomGone(code)) rejected.current('room_not_found');
      else if (error.message === 'unauthorized') rejected.current('unauthorized');
      else connectLater(REFUSED_RETRY_MS);
    });

    socket.on('room:state', (roomState) =>
      dispatch({ type: 'state', state: roomState, now: Date.now() }),
    );
    socket.on('member:joined', ({ member }) => dispatch({ type: 'memberJoined', member }));
    socket.on('member:left', ({ memberId }) => dispatch({ type: 'memberLeft', memberId }));
    socket.on('presence', ({ members }) => dispatch({ type: 'presence', members }));
    socket.on('message:new', ({ message }) => dispatch({ type: 'messages', messages: [message] }));
    socket.on('message:updated', ({ message }) => dispatch({ type: 'messageUpdated', message }));
    socket.on('file:added', ({ file }) => dispatch({ type: 'filesAdded', files: [file] }));
    socket.on('typing', ({ memberId, active }) =>
      dispatch({ type: 'typing', memberId, active, now: Date.now() }),
    );
    socket.on('room:updated', ({ room }) => dispatch({ type: 'roomUpdated', room }));
    socket.on('room:expiring', ({ secondsLeft }) =>
      dispatch({ type: 'expiring', secondsLeft, now: Date.now() }),
    );
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
      setSocket(null);
    };
  }, [roomId, token]);

  // Typing indicators lapse when not repeated; wake up when the next one does.
  useEffect(() => {
    const until = Object.values(state.typing);
    if (until.length === 0) return;
    const wait = Math.max(0, Math.min(...until) - Date.now());
    const timer = setTimeout(() => dispatch({ type: 'typingLapsed', now: Date.now() }), wait + 50);
    return () => clearTimeout(timer);
  }, [state.typing]);

  return { state, dispatch, socket };
}
