import { useCallback, useEffect, useRef, useState, type Dispatch } from 'react';
import type { RoomSocket } from '../../lib/socket.js';
import { describeError } from '../../lib/errorMessages.js';
import { randomId } from '../../lib/id.js';
import type { SavedMembership } from '../../lib/memberships.js';
import type { RoomAction, RoomViewState } from '../room/roomReducer.js';
import { fetchEarlierMessages } from '../room/roomApi.js';
import type { PendingMessage } from './messages.js';

/** How long to wait for the server to acknowledge a send before offering a retry. */
const SEND_TIMEOUT_MS = 10_000;
/** `typing {active:true}` is repeated at most this often while the person keeps typing… */
const TYPING_REPEAT_MS = 2_000;
/** …and `typing {active:false}` is sent after this long without a keystroke. */
const TYPING_IDLE_MS = 3_000;

function emitSend(
  socket: RoomSocket | null,
  dispatch: Dispatch<RoomAction>,
  { clientMsgId, body }: PendingMessage,
): void {
  if (!socket) {
    dispatch({ type: 'sendFailed', clientMsgId, error: 'Not connected to the room.' });
    return;
  }
  // While disconnected Socket.IO buffers the emit and sends it on reconnection; the server treats
  // a repeated clientMsgId as the same message, so a retry can never post it twice.
  socket.timeout(SEND_TIMEOUT_MS).emit('message:send', { body, clientMsgId }, (timedOut, ack) => {
    if (timedOut) {
      dispatch({
        type: 'sendFailed',
        clientMsgId,
        error: 'No answer from the server yet. Check your connection and retry.',
      });
    } else if (ack.ok) {
      dispatch({ type: 'messages', messages: [ack.message] });
    } else {
      dispatch({
        type: 'sendFailed',
        clientMsgId,
        error: describeError(ack.error, {
          rate_limited: 'You are sending messages too fast; wait a moment, then retry.',
        }),
      });
    }
  });
}

/** Sending (optimistically, reconciled by clientMsgId), retrying, and loading older history. */
export function useChat(
  socket: RoomSocket | null,
  dispatch: Dispatch<RoomAction>,
  state: RoomViewState,
  session: SavedMembership,
) {
  const send = useCallback(
    (body: string) => {
      const message: PendingMessage = {
        clientMsgId: randomId(),
        body,
        createdAt: new Date().toISOString(),
        status: 'sending',
      };
      dispatch({ type: 'sendStarted', message });
      emitSend(socket, dispatch, message);
    },
    [socket, dispatch],
  );

  const { pending } = state;
  const retry = useCallback(
    (clientMsgId: string) => {
      const message = pending.find((candidate) => candidate.clientMsgId === clientMsgId);
      if (!message) return;
      dispatch({ type: 'sendRetried', clientMsgId });
      emitSend(socket, dispatch, message);
    },
    [socket, dispatch, pending],
  );

  const [loadingEarlier, setLoadingEarlier] = useState(false);
  const [historyError, setHistoryError] = useState<string | null>(null);
  const oldestSeq = state.messages[0]?.seq;
  const { roomId, token } = session;
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
