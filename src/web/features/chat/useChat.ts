import { useCallback, useEffect, useRef, useState, type Dispatch } from 'react';
import type { RoomSocket } from '../../lib/socket.js';
import { describeError } from '../../lib/errorMessages.js';
import { randomId } from '../../lib/id.js';
import type { SavedMembership } from '../../lib/memberships.js';
import { nextToSend, type RoomAction, type RoomViewState } from '../room/roomReducer.js';
import { fetchEarlierMessages } from '../room/roomApi.js';
import type { PendingMessage } from './messages.js';
import { saveOutbox } from './outboxStorage.js';

/** How long to wait for the server to acknowledge a send before offering a retry. */
const SEND_TIMEOUT_MS = 10_000;
/** `typing {active:true}` is repeated at most this often while the person keeps typing… */
const TYPING_REPEAT_MS = 2_000;
/** …and `typing {active:false}` is sent after this long without a keystroke. */
const TYPING_IDLE_MS = 3_000;

/**
 * Sends one outbox message; its answer settles it (or marks this attempt failed). Only called
 * while connected: what is typed while the connection is down waits in the outbox instead of
 * Socket.IO's buffer, which a reload or a new connection would lose.
 */
function emitSend(
  socket: RoomSocket,
  dispatch: Dispatch<RoomAction>,
  { clientMsgId, body }: PendingMessage,
  attempt: number,
): void {
  dispatch({ type: 'sendAttempted', clientMsgId, attempt });
  // The server treats a repeated clientMsgId as the same message, so sending it again after a
  // drop or a timeout can never post it twice.
  socket.timeout(SEND_TIMEOUT_MS).emit('message:send', { body, clientMsgId }, (timedOut, ack) => {
    if (timedOut) {
      dispatch({
        type: 'sendFailed',
        clientMsgId,
        attempt,
        error: 'No answer from the server yet. Check your connection and retry.',
      });
    } else if (ack.ok) {
      dispatch({ type: 'messages', messages: [ack.message] });
    } else {
      dispatch({
        type: 'sendFailed',
        clientMsgId,
        attempt,
        error: describeError(ack.error, {
          rate_limited: 'You are sending messages too fast; wait a moment, then retry.',
        }),
      });
    }
  });
}

/**
 * Sending through the outbox (reconciled by clientMsgId), retrying, and loading older history.
 * A message typed goes into the outbox, kept in this browser until the server confirms it, and
 * is sent from there in order whenever the room is connected.
 */
export function useChat(
  socket: RoomSocket | null,
  dispatch: Dispatch<RoomAction>,
  state: RoomViewState,
  session: SavedMembership,
) {
  const send = useCallback(
    (body: string) => {
      dispatch({
        type: 'sendQueued',
        message: { clientMsgId: randomId(), body, createdAt: new Date().toISOString() },
      });
    },
    [dispatch],
  );

  // The reducer keeps each outbox entry's object until that entry changes, so this runs once
  // per message to send (and again for it only after a drop put it back in the outbox).
  const next = nextToSend(state);
  useEffect(() => {
    if (socket && next) emitSend(socket, dispatch, next, next.attempt + 1);
  }, [socket, dispatch, next]);

  const retry = useCallback(
    (clientMsgId: string) => dispatch({ type: 'sendRetried', clientMsgId }),
    [dispatch],
  );

  const { roomId, token, member } = session;
  // The outbox outlives the page (a reload while offline) until the server confirms each
  // message, or the room ends: then the page shows what was not sent, and "Save conversation"
  // keeps it.
  const { pending, closed } = state;
  useEffect(() => {
    saveOutbox(roomId, member.id, closed === null ? pending : []);
  }, [roomId, member.id, pending, closed]);

  const [loadingEarlier, setLoadingEarlier] = useState(false);
  const [historyError, setHistoryError] = useState<string | null>(null);
  const oldestSeq = state.messages[0]?.seq;
  const loadEarlier = useCallback(async () => {
    if (oldestSeq === undefined) return;
    setLoadingEarlier(true);
    setHistoryError(null);
    try {
      const { messages, hasMore } = await fetchEarlierMessages(roomId, token, oldestSeq);
      dispatch({ type: 'history', messages, hasMore });
    } catch (error) {
      setHistoryError(describeError(error));
    } finally {
      setLoadingEarlier(false);
    }
  }, [roomId, token, oldestSeq, dispatch]);

  return { send, retry, loadEarlier, loadingEarlier, historyError };
}

/**
 * Tells the room when this person is typing: `active:true` at most every 2 s while keys are
 * pressed, `active:false` after 3 s idle or when the message is sent. Volatile, so signals from
 * a disconnected moment are dropped instead of arriving late.
 */
export function useTypingSignal(socket: RoomSocket | null) {
  const active = useRef(false);
  // Not reset by stop(): the 2 s spacing holds across messages sent in quick succession.
  const lastActiveSignal = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout>>(undefined);

  const stop = useCallback(() => {
    clearTimeout(idle.current);
    if (!active.current) return;
    active.current = false;
    socket?.volatile.emit('typing', { active: false });
  }, [socket]);

  const typed = useCallback(() => {
    const now = Date.now();
    if (now - lastActiveSignal.current >= TYPING_REPEAT_MS) {
      lastActiveSignal.current = now;
      active.current = true;
      socket?.volatile.emit('typing', { active: true });
    }
    clearTimeout(idle.current);
    idle.current = setTimeout(stop, TYPING_IDLE_MS);
  }, [socket, stop]);

  useEffect(() => () => clearTimeout(idle.current), []);
  return { typed, stop };
}
