import {
  lazy,
  Suspense,
  useCallback,
  useEffect,
  useId,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import type { FileInfo, Message, Room } from '../../../protocol/schemas.js';
import { ErrorBoundary } from '../../components/ErrorBoundary.js';
import { api } from '../../lib/api.js';
import { Link } from '../../components/Link.js';
import { Logo } from '../../components/Logo.js';
import { rememberRoomName, type SavedMembership } from '../../lib/memberships.js';
import { KEYBOARD_QUERY, NARROW_QUERY, useMediaQuery } from '../../lib/useMediaQuery.js';
import { useDocumentTitle } from '../../lib/useDocumentTitle.js';
import { useEscape } from '../../lib/useEscape.js';
import { Composer } from '../chat/Composer.js';
import { MessageList } from '../chat/MessageList.js';
import type { PendingMessage } from '../chat/messages.js';
import { useUnreadCount } from '../chat/useUnreadCount.js';
import { TypingIndicator } from '../chat/TypingIndicator.js';
import { useChat, useTypingSignal } from '../chat/useChat.js';
import { fileLinks, isImage } from '../files/fileLinks.js';
import { galleryOrder, uploaderName } from '../files/files.js';
import { FilesPanel } from '../files/FilesPanel.js';
import { Lightbox } from '../files/Lightbox.js';
import type { UploadResult } from '../files/uploadFile.js';
import { UploadList } from '../files/UploadList.js';
import { useFileDrop, usePastedFiles } from '../files/useFileDrop.js';
import { CallBanner, StartCallButton } from '../call/CallBanner.js';
import { CallPanel } from '../call/CallPanel.js';
import { useCall } from '../call/useCall.js';
import { useUploads } from '../files/useUploads.js';
import { memberPictures } from '../previews/pictures.js';
import { RoomSettings } from '../previews/RoomSettings.js';
import { RoomStatusBanner } from './Banners.js';
import { ChatToggle, useSideChat } from './ChatToggle.js';
import { LeaveDialog } from './LeaveDialog.js';
import { MembersPanel } from './MembersPanel.js';
import { NotifyToggle } from './NotifyToggle.js';
import { RoomEnd } from './RoomEnd.js';
import { RoomEndedBanner } from './RoomEnded.js';
import { canLoadEarlier, presenceKnown, roomNotice, type RoomViewState } from './roomReducer.js';
import { RoomMenu } from './RoomMenu.js';
import { ShareControls } from './ShareControls.js';
import { useMessageAlerts } from './useMessageAlerts.js';
import { useRoom, type RoomSessionRenewal, type SessionRejection } from './useRoom.js';
import { ViewTabs, type RoomViewName } from './ViewTabs.js';

// CodeMirror and Yjs are several times the size of the rest of the app: they load the first
// time someone opens the code, never with the chat.
const CodePanel = lazy(() => import('../code/CodePanel.js'));
const RoomAccountDialog = lazy(() => import('../account/RoomAccountDialog.js'));

const PHONE_VIEWS: readonly RoomViewName[] = ['chat', 'files', 'code'];
/** Once the room has ended nothing more is shared. */
const noFiles = () => {};
const WIDE_VIEWS: readonly RoomViewName[] = ['chat', 'code'];

/** In place of the code when its part of the app could not be fetched (offline, a new version). */
function CodeUnavailable() {
  return (
    <div className="connecting" role="alert">
      <p>
        The editor could not be loaded.{' '}
        <button type="button" className="small" onClick={() => window.location.reload()}>
          Reload
        </button>
      </p>
    </div>
  );
}

/** What an embedding page's bridge (features/embed) reads of the room and may do in it. */
export interface EmbeddedRoom {
  state: RoomViewState;
  session: SavedMembership;
  /** Through the outbox, as the message box sends. */
  send: (body: string) => void;
  focusComposer: () => void;
}

/**
 * A room shown inside another site's page: none of Roomkit's own chrome (home link, share link
 * and code, "Keep this room", account, notifications), a refused token renewed, and a bridge
 * that speaks to the page.
 */
export interface RoomEmbedding extends RoomSessionRenewal {
  /** The member left from inside the frame. */
  onLeft: () => void;
  bridge: (room: EmbeddedRoom) => ReactNode;
}

/**
 * A room with a session: header, messages, files, members, the message box and the shared code.
 * On wide screens the members and the gallery sit in a sidebar, and the code opens with the chat
 * in a narrower column beside it (which can be hidden) and the sidebar as a drawer ("Members");
 * on phones the gallery and the code are tabs beside the chat and the members a drawer.
 */
export function RoomView({
  session,
  onRejected,
  embedded,
}: {
  session: SavedMembership;
  onRejected: (reason: SessionRejection) => void;
  embedded?: RoomEmbedding;
}) {
  const { state, dispatch, socket, rejected, reconnectNow } = useRoom(
    session,
    onRejected,
    embedded,
  );
  const [focusRequest, setFocusRequest] = useState(0);
  // An ended room stays on screen, read-only: see the banner, the list and the message box.
  const ended = state.closed !== null;
  const chat = useChat(socket, dispatch, state, session);
  const typing = useTypingSignal(socket);
  const [draft, setDraft] = useState('');
  const [membersOpen, setMembersOpen] = useState(false);
  const [view, setView] = useState<RoomViewName>('chat');
  // Once opened, the code stays mounted (hidden when not shown): it keeps its connection, its
  // undo history and the room's latest run.
  const [codeOpened, setCodeOpened] = useState(false);
  const [viewing, setViewing] = useState<string | null>(null);
  const [confirmingLeave, setConfirmingLeave] = useState(false);
  const [accountOpen, setAccountOpen] = useState(false);
  const membersId = useId();
  const messagesId = useId();
  const filesId = useId();
  const codeId = useId();
  const callId = useId();
  const chatPaneId = useId();
  const narrow = useMediaQuery(NARROW_QUERY);
  const keyboardFirst = useMediaQuery(KEYBOARD_QUERY);
  const unread = useUnreadCount(state.messages, session.member.id);
  const { controller: callController, snapshot: callSnapshot } = useCall(
    socket,
    session,
    state.call,
    dispatch,
  );
  const inCall = callSnapshot.joined && callController !== null;
  // An ended room's call ends with it.
  useEffect(() => {
    if (ended) callController?.stop();
  }, [ended, callController]);
  useDocumentTitle(state.room ? `${unread > 0 ? `(${unread}) ` : ''}${state.room.name}` : null);
  // On wide screens the chat stays beside the code unless the person hides it.
  const sideChat = useSideChat(state.messages, session.member.id, !narrow && view === 'code');
  const closeMembers = useCallback(() => setMembersOpen(false), []);
  useEscape(membersOpen, closeMembers);

  const { roomId, token } = session;
  const roomName = state.room?.name;
  // An embedded room is no membership of this browser's: nothing of it is stored.
  const remembers = !embedded;
  useEffect(() => {
    if (remembers && roomName !== undefined) rememberRoomName(roomId, roomName);
  }, [remembers, roomId, roomName]);

  const links = useMemo(() => fileLinks(roomId, token), [roomId, token]);
  const pictures = useMemo(() => memberPictures(state.members, token), [state.members, token]);
  const removePreview = useCallback(
    (message: Message) => {
      void api(`/api/rooms/${encodeURIComponent(roomId)}/messages/${message.seq}/preview`, {
        method: 'DELETE',
        token,
      }).catch(() => {
        // The card stays; the server's answer (message:updated) is what takes it off.
      });
    },
    [roomId, token],
  );
  const filesById = useMemo(
    () => new Map(state.files.map((file) => [file.id, file])),
    [state.files],
  );
  const images = useMemo(() => galleryOrder(state.files).filter(isImage), [state.files]);
  const { messages, members } = state;
  const uploaderOf = useCallback(
    (file: FileInfo) => uploaderName(file, messages, members),
    [messages, members],
  );
  const closeLightbox = useCallback(() => setViewing(null), []);

  // The upload's own answer shows the file at once; the room's events repeat it to everyone.
  const uploaded = useCallback(
    ({ file, message }: UploadResult) => {
      dispatch({ type: 'filesAdded', files: [file] });
      dispatch({ type: 'messages', messages: [message] });
    },
    [dispatch],
  );
  const uploads = useUploads(session, uploaded);
  const addFiles = ended ? noFiles : uploads.add;
  const drop = useFileDrop(addFiles);
  usePastedFiles(addFiles, state.closed === null);

  const roomUpdated = useCallback(
    (updated: Room) => dispatch({ type: 'roomUpdated', room: updated }),
    [dispatch],
  );

  const changeView = (next: RoomViewName) => {
    setView(next);
    setMembersOpen(false);
    if (next === 'code') setCodeOpened(true);
  };

  const joinCall = async () => {
    if (!callController) return;
    await callController.join();
    if (callController.snapshot().joined) changeView('call');
  };

  const send = (body: string) => {
    typing.stop();
    chat.send(body);
  };
  const focusComposer = useCallback(() => setFocusRequest((count) => count + 1), []);

  // A message that could not be sent goes back into the box, after whatever is there already.
  const edit = useCallback(
    (message: PendingMessage) => {
      dispatch({ type: 'sendDropped', clientMsgId: message.clientMsgId });
      setDraft((current) => (current.trim() ? `${current}\n${message.body}` : message.body));
    },
    [dispatch],
  );

  const alerts = useMessageAlerts({
    roomId,
    roomName: roomName ?? null,
    messages: state.messages,
    me: session.member.id,
  });
  const confirmLeave = useCallback(() => setConfirmingLeave(true), []);
  const stay = useCallback(() => setConfirmingLeave(false), []);

  const { room, me } = state;
  // Ownership passes on when an owner leaves; presence carries the current roles.
  const isOwner = (state.members.find((member) => member.id === me.id) ?? me).role === 'owner';
  // The gallery is a view of its own on phones only; wide screens show it in the sidebar.
  const shownView: RoomViewName =
    (!narrow && view === 'files') || (view === 'call' && !inCall) ? 'chat' : view;
  const showCall = shownView === 'call';
  const views = [...(inCall ? (['call'] as const) : []), ...(narrow ? PHONE_VIEWS : WIDE_VIEWS)];
  const showFilesTab = shownView === 'files';
  const showCode = shownView === 'code';
  // The members and the gallery: a sidebar beside the chat on wide screens, else a drawer.
  const membersDrawer = narrow || showCode;
  const filesPanel = (
    <FilesPanel id={filesId} files={state.files} links={links} onOpen={setViewing} ended={ended} />
  );
  // Opens the members' drawer: in an embedded room's header, and in the code view's bar.
  const membersToggle = (className: string) => (
    <button
      type="button"
      className={className}
      aria-expanded={membersOpen}
      aria-controls={membersId}
      onClick={() => setMembersOpen(true)}
    >
      Members <span className="count">{state.members.length}</span>
    </button>
  );
  return (
    <div className={drop.dragging ? 'room dragging' : 'room'} {...drop.handlers}>
      <header className="room-header">
        <div className="room-title">
          {!embedded && (
            <Link href="/">
              <Logo />
              <span className="visually-hidden">Roomkit home</span>
            </Link>
          )}
          <h1 title={room?.name}>{room?.name ?? session.roomName ?? 'Connecting…'}</h1>
        </div>
        {embedded ? (
          <div className="room-actions">
            {narrow && membersToggle('small quiet')}
            <button type="button" className="small quiet" onClick={confirmLeave}>
              Leave
            </button>
          </div>
        ) : narrow ? (
          <RoomMenu
            room={room}
            memberCount={state.members.length}
            membersId={membersId}
            membersOpen={membersOpen}
            alerts={alerts}
            onCode={() => changeView('code')}
            onMembers={() => setMembersOpen(true)}
            onAccount={() => setAccountOpen(true)}
            onLeave={confirmLeave}
          />
        ) : (
          <>
            {room && <ShareControls room={room} />}
            <div className="room-actions">
              <NotifyToggle alerts={alerts} compact />
              <button type="button" className="small quiet" onClick={() => setAccountOpen(true)}>
                Account
              </button>
              <button type="button" className="small quiet" onClick={confirmLeave}>
                Leave
              </button>
            </div>
          </>
        )}
      </header>
      {accountOpen && (
        <ErrorBoundary fallback={null}>
          <Suspense fallback={null}>
            <RoomAccountDialog session={session} onClose={() => setAccountOpen(false)} />
          </Suspense>
        </ErrorBoundary>
      )}
      {confirmingLeave && (
        <LeaveDialog
          session={session}
          roomName={roomName ?? null}
          onStay={stay}
          onLeft={embedded?.onLeft}
        />
      )}
      {room && !ended && (
        <RoomEnd
          room={room}
          token={session.token}
          isOwner={isOwner}
          warning={state.expiring}
          onUpdated={roomUpdated}
          offerKeep={!embedded}
        />
      )}
      {state.closed ? (
        <RoomEndedBanner
          reason={state.closed.reason}
          content={{
            roomName: room?.name ?? session.roomName ?? 'Room',
            messages: state.messages,
            files: filesById,
            outbox: state.pending,
            me: me.displayName,
            draft,
          }}
          onJoinAgain={embedded ? embedded.renew : () => onRejected('unauthorized')}
          homeLink={!embedded}
        />
      ) : (
        <RoomStatusBanner notice={roomNotice(state)} onTryAgain={reconnectNow} />
      )}
      {/* On phones, and on wide screens while the code is open, the sidebar is a drawer. */}
      <div className={membersDrawer ? 'room-body drawer' : 'room-body'}>
        <main className="chat">
          {room !== null && !ended && (
            <CallBanner
              call={state.call}
              snapshot={callSnapshot}
              members={state.members}
              onJoin={() => void joinCall()}
            />
          )}
          {room !== null && (
            <ViewTabs
              views={views}
              view={shownView}
              onChange={changeView}
              fileCount={state.files.length}
              panelIds={{ call: callId, chat: messagesId, files: filesId, code: codeId }}
            >
              {!ended && (
                <StartCallButton
                  call={state.call}
                  snapshot={callSnapshot}
                  onStart={() => void joinCall()}
                />
              )}
              {!narrow && showCode && (
                <>
                  <ChatToggle chat={sideChat} controls={chatPaneId} />
                  {membersToggle('small quiet members-toggle')}
                </>
              )}
            </ViewTabs>
          )}
          {inCall && (
            <CallPanel
              id={callId}
              controller={callController}
              snapshot={callSnapshot}
              call={state.call}
              members={state.members}
              me={me.id}
              pip={!showCall}
              onReturn={() => changeView('call')}
            />
          )}
          <div className={showCode ? 'room-panes with-code' : 'room-panes'} hidden={showCall}>
            {codeOpened && room !== null && (
              <ErrorBoundary fallback={showCode && <CodeUnavailable />}>
                <Suspense
                  fallback={
                    showCode && (
                      <p className="connecting" role="status">
                        Loading the editor…
                      </p>
                    )
                  }
                >
                  <CodePanel
                    id={codeId}
                    session={session}
                    socket={socket}
                    members={state.members}
                    hidden={!showCode}
                    onRejected={rejected}
                  />
                </Suspense>
              </ErrorBoundary>
            )}
            {/* On phones the code takes the whole column; on wide screens the chat stays beside
                it unless hidden, and the code takes its width. */}
            <div
              id={chatPaneId}
              className="chat-pane"
              hidden={showCode && (narrow || sideChat.hidden)}
            >
              {room === null && state.pending.length === 0 && !ended ? (
                <p className="connecting" role="status">
                  {/* Offline, the banner says why; this only says what the page waits for. */}
                  {state.offline ? 'Waiting for the network…' : 'Connecting to the room…'}
                </p>
              ) : showFilesTab ? (
                filesPanel
              ) : (
                <MessageList
                  id={messagesId}
                  messages={state.messages}
                  pending={state.pending}
                  me={me}
                  files={filesById}
                  links={links}
                  onOpenFile={setViewing}
                  canLoadEarlier={canLoadEarlier(state)}
                  loadingEarlier={chat.loadingEarlier}
                  historyError={chat.historyError}
                  onLoadEarlier={() => void chat.loadEarlier()}
                  onRetry={chat.retry}
                  onEdit={edit}
                  ended={ended}
                  pictures={pictures}
                  onRemovePreview={removePreview}
                />
              )}
              {!showFilesTab && <TypingIndicator typing={state.typing} members={state.members} />}
              <UploadList
                uploads={uploads.uploads}
                onCancel={uploads.cancel}
                onRetry={uploads.retry}
                onDismiss={uploads.dismiss}
              />
              <Composer
                draft={draft}
                onDraftChange={setDraft}
                onSend={send}
                onTyping={typing.typed}
                onFiles={addFiles}
                focusOnMount={keyboardFirst && !embedded}
                readOnly={ended}
                focusRequest={focusRequest}
              />
            </div>
          </div>
        </main>
        {membersOpen && membersDrawer && (
          <div className="drawer-backdrop" aria-hidden="true" onClick={closeMembers} />
        )}
        <div className={membersOpen ? 'sidebar open' : 'sidebar'}>
          <MembersPanel
            id={membersId}
            members={state.members}
            me={me}
            onClose={membersDrawer && membersOpen ? closeMembers : undefined}
            presenceNote={
              presenceKnown(state)
                ? null
                : ended
                  ? 'Room ended'
                  : 'Presence unknown while reconnecting'
            }
            pictures={pictures}
          >
            {room !== null && isOwner && !ended && <RoomSettings roomId={roomId} token={token} />}
          </MembersPanel>
          {!narrow && room !== null && filesPanel}
        </div>
      </div>
      {embedded?.bridge({ state, session, send: chat.send, focusComposer })}
      {drop.dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <p>Drop to share in {room?.name ?? 'the room'}</p>
        </div>
      )}
      {viewing !== null && !ended && (
        <Lightbox
          images={images}
          currentId={viewing}
          links={links}
          uploaderOf={uploaderOf}
          onNavigate={setViewing}
          onClose={closeLightbox}
        />
      )}
    </div>
  );
}
