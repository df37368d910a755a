import { useCallback, useId, useState } from 'react';
import { CenteredPage } from '../../components/CenteredPage.js';
import { Link } from '../../components/Link.js';
import { Logo } from '../../components/Logo.js';
import { ApiError } from '../../lib/api.js';
import { describeError, isRoomGone } from '../../lib/errorMessages.js';
import { navigate } from '../../lib/router.js';
import { clearSession, type StoredSession } from '../../lib/session.js';
import { useDocumentTitle } from '../../lib/useDocumentTitle.js';
import { useEscape } from '../../lib/useEscape.js';
import { Composer } from '../chat/Composer.js';
import { MessageList } from '../chat/MessageList.js';
import type { PendingMessage } from '../chat/messages.js';
import { TypingIndicator } from '../chat/TypingIndicator.js';
import { useChat, useTypingSignal } from '../chat/useChat.js';
import { ClosingBanner, ConnectionBanner, describeReason } from './Banners.js';
import { MembersPanel } from './MembersPanel.js';
import { leaveRoom } from './roomApi.js';
import { canLoadEarlier } from './roomReducer.js';
import { ShareControls } from './ShareControls.js';
import { useRoom, type SessionRejection } from './useRoom.js';

/** A room with a session: header, messages, members and the message box. */
export function RoomView({
  session,
  onRejected,
}: {
  session: StoredSession;
  onRejected: (reason: SessionRejection) => void;
}) {
  const { state, dispatch, socket } = useRoom(session, onRejected);
  const chat = useChat(socket, dispatch, state, session);
  const typing = useTypingSignal(socket);
  const [draft, setDraft] = useState('');
  const [membersOpen, setMembersOpen] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [leaveError, setLeaveError] = useState<string | null>(null);
  const membersId = useId();
  useDocumentTitle(state.room?.name ?? null);
  const closeMembers = useCallback(() => setMembersOpen(false), []);
  useEscape(membersOpen, closeMembers);

  const send = (body: string) => {
    typing.stop();
    chat.send(body);
  };

  // A message that could not be sent goes back into the box, after whatever is there already.
  const edit = useCallback(
    (message: PendingMessage) => {
      dispatch({ type: 'sendDropped', clientMsgId: message.clientMsgId });
      setDraft((current) => (current.trim() ? `${current}\n${message.body}` : message.body));
    },
    [dispatch],
  );

  const leave = async () => {
    setLeaving(true);
    setLeaveError(null);
    try {
      await leaveRoom(session.roomId, session.token);
    } catch (error) {
      // A refused token or a vanished room means we are out already; anything else we report.
      const out =
        error instanceof ApiError && (error.code === 'unauthorized' || isRoomGone(error.code));
      if (!out) {
        setLeaveError(describeError(error));
        setLeaving(false);
        return;
      }
    }
    clearSession(session.roomId);
    navigate('/');
  };

  if (state.closed) {
    return (
      <CenteredPage>
        <h1>This room has closed</h1>
        <p>{describeReason(state.closed.reason)}</p>
        <p>
          <Link href="/">Back to the home page</Link>
        </p>
      </CenteredPage>
    );
  }

  const { room, me } = state;
  return (
    <div className="room">
      <header className="room-header">
        <div className="room-title">
          <Link href="/">
            <Logo />
            <span className="visually-hidden">Roomkit home</span>
          </Link>
          <h1 title={room?.name}>{room?.name ?? 'Connecting…'}</h1>
        </div>
        {room && <ShareControls room={room} />}
        <div className="room-actions">
          <button
            type="button"
            className="small members-toggle"
            aria-expanded={membersOpen}
            aria-controls={membersId}
            onClick={() => setMembersOpen((open) => !open)}
          >
            Members <span className="count">{state.members.length}</span>
          </button>
          <button
            type="button"
            className="small quiet"
            onClick={() => void leave()}
            disabled={leaving}
          >
            Leave
          </button>
        </div>
        {leaveError && (
          <p className="field-error header-error" role="alert">
            {leaveError}
          </p>
        )}
      </header>
      <ConnectionBanner reconnecting={state.connection === 'reconnecting'} />
      {state.closing && (
        <ClosingBanner deadline={state.closing.deadline} reason={state.closing.reason} />
      )}
      <div className="room-body">
        <main className="chat">
          {room === null ? (
            <p className="connecting" role="status">
              Connecting to the room…
            </p>
          ) : (
            <MessageList
              messages={state.messages}
              pending={state.pending}
              me={me}
              canLoadEarlier={canLoadEarlier(state)}
              loadingEarlier={chat.loadingEarlier}
              historyError={chat.historyError}
              onLoadEarlier={() => void chat.loadEarlier()}
              onRetry={chat.retry}
              onEdit={edit}
            />
          )}
          <TypingIndicator typing={state.typing} members={state.members} />
          <Composer draft={draft} onDraftChange={setDraft} onSend={send} onTyping={typing.typed} />
        </main>
        {membersOpen && (
          <div className="drawer-backdrop" aria-hidden="true" onClick={closeMembers} />
        )}
        <MembersPanel id={membersId} members={state.members} me={me} open={membersOpen} />
      </div>
    </div>
  );
}
