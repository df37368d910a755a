import { useEffect, useRef, useState } from 'react';
import type { EmbedEvent } from '../../../protocol/embed.js';
import { ApiError } from '../../lib/api.js';
import { describeError, isRoomGone } from '../../lib/errorMessages.js';
import { leaveRoom } from '../room/roomApi.js';
import type { OutboxEntry } from '../room/roomReducer.js';
import type { EmbeddedRoom } from '../room/RoomView.js';
import type { CommandRelay } from './commandRelay.js';
import { roomEvents, startRoomEvents, type RoomEventsState } from './roomEvents.js';

/** The member is looking at the frame: the page is shown and the focus is inside the frame. */
function isLooking(): boolean {
  return document.visibilityState === 'visible' && document.hasFocus();
}

function useLooking(): boolean {
  const [looking, setLooking] = useState(isLooking);
  useEffect(() => {
    const update = () => setLooking(isLooking());
    window.addEventListener('focus', update);
    window.addEventListener('blur', update);
    document.addEventListener('visibilitychange', update);
    return () => {
      window.removeEventListener('focus', update);
      window.removeEventListener('blur', update);
      document.removeEventListener('visibilitychange', update);
    };
  }, []);
  return looking;
}

/**
 * Inside an embedded room: reports the room to the parent page (messages and the unread count,
 * files, a call starting and ending, the room closing or closed, the member removed, the height) and carries out the
 * parent's commands (send, focus, leave; the theme is the page's). Renders nothing.
 */
export function EmbedBridge({
  room,
  post,
  commands,
  onLeave,
  onOutbox,
}: {
  room: EmbeddedRoom;
  post: (event: EmbedEvent) => void;
  commands: CommandRelay;
  onLeave: () => void;
  /** The outbox as it changes, for a renewal that comes back as another member. */
  onOutbox: (outbox: readonly OutboxEntry[]) => void;
}) {
  const { state, session, send, focusComposer } = room;
  const looking = useLooking();

  useEffect(() => {
    onOutbox(
      state.pending.map(({ clientMsgId, body, createdAt }) => ({ clientMsgId, body, createdAt })),
    );
  }, [state.pending, onOutbox]);

  // Messages and files: counted from the first `room:state`, which holds what was there before.
  const tracked = useRef<RoomEventsState | null>(null);
  const loaded = state.room !== null;
  useEffect(() => {
    if (!loaded) return;
    const snapshot = {
      messages: state.messages,
      files: state.files,
      members: state.members,
      me: session.member.id,
    };
    if (tracked.current === null) {
      tracked.current = startRoomEvents(snapshot);
      return;
    }
    const next = roomEvents(tracked.current, snapshot, looking);
    tracked.current = next.state;
    for (const event of next.events) post(event);
  }, [loaded, state.messages, state.files, state.members, session.member.id, looking, post]);

  // The end of the room: an operator's countdown or the room's own expiry warning, then its end.
  const deadline = state.closing?.deadline ?? state.expiring?.deadline ?? null;
  // To the second: a countdown repeats every second, each time with the same end.
  const closesAt =
    deadline === null ? null : new Date(Math.round(deadline / 1000) * 1000).toISOString();
  useEffect(() => {
    if (closesAt !== null) post({ name: 'room:closing', closesAt });
  }, [closesAt, post]);
  const closedReason = state.closed?.reason ?? null;
  useEffect(() => {
    if (closedReason === null) return;
    if (closedReason === 'kicked') post({ name: 'left' });
    else post({ name: 'room:closed', reason: closedReason });
  }, [closedReason, post]);

  // The room's call starting and ending (one already under way when the frame joins counts as
  // started).
  const callOn = loaded ? state.call !== null : null;
  const reportedCall = useRef(false);
  useEffect(() => {
    if (callOn === null || callOn === reportedCall.current) return;
    reportedCall.current = callOn;
    post({ name: 'call', state: callOn ? 'started' : 'ended' });
  }, [callOn, post]);

  // The height the content would like, for a parent that sizes the frame to it.
  useEffect(() => {
    let last = 0;
    const observer = new ResizeObserver(() => {
      const height = Math.ceil(document.documentElement.scrollHeight);
      if (height !== last) post({ name: 'resize', height: (last = height) });
    });
    observer.observe(document.body);
    return () => observer.disconnect();
  }, [post]);

  const latest = useRef({ send, focusComposer, session, onLeave, post });
  useEffect(() => {
    latest.current = { send, focusComposer, session, onLeave, post };
  });
  useEffect(
    () =>
      commands.attach((command) => {
        const now = latest.current;
        switch (command.command) {
          case 'send':
            now.send(command.body);
            break;
          case 'focus':
            window.focus();
            now.focusComposer();
            break;
          case 'leave':
            void leaveRoom(now.session.roomId, now.session.token).then(
              () => now.onLeave(),
              (error: unknown) => {
                // A refused token or a vanished room means the member is out already.
                if (
                  error instanceof ApiError &&
                  (error.code === 'unauthorized' || isRoomGone(error.code))
                ) {
                  now.onLeave();
                } else {
                  now.post({
                    name: 'error',
                    code: error instanceof ApiError ? error.code : 'internal_error',
                    message: describeError(error),
                  });
                }
              },
            );
            break;
          case 'theme':
            break;
        }
      }),
    [commands],
  );
  return null;
}
