import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { CenteredPage } from '../../components/CenteredPage.js';
import { DisplayNameForm } from '../../components/DisplayNameForm.js';
import { Link } from '../../components/Link.js';
import { ApiError } from '../../lib/api.js';
import { describeError, isRoomGone } from '../../lib/errorMessages.js';
import { randomId } from '../../lib/id.js';
import { navigate } from '../../lib/router.js';
import {
  clearMembership,
  listMemberships,
  rememberRoomName,
  saveMembership,
  type SavedMembership,
} from '../../lib/memberships.js';
import { useDocumentTitle } from '../../lib/useDocumentTitle.js';
import { fileBadge } from '../files/files.js';
import { formatBytes } from '../files/formatBytes.js';
import { UploadList } from '../files/UploadList.js';
import { useUploads } from '../files/useUploads.js';
import { createRoom, fetchRoom, joinRoom, postMessage } from '../room/roomApi.js';
import {
  clearSharedItems,
  describeShared,
  readSharedItems,
  sharedMessage,
  type SharedItems,
} from './sharedItems.js';

/**
 * `/share`: where the service worker sends what a phone's share sheet gave Roomkit (see
 * public/sw.js). It shows the pictures and names the other files (the share target takes any
 * file), asks which room they go to (one this browser has a session for, or a new one), uploads
 * them with progress and then opens that room.
 */
export function ShareTargetPage({ status }: { status: string | null }) {
  useDocumentTitle('Share to a room');
  if (status === 'no-service-worker') return <NoServiceWorker />;
  return <ShareFlow unreadable={status === 'unreadable'} />;
}

function NoServiceWorker() {
  const secure = window.isSecureContext && 'serviceWorker' in navigator;
  return (
    <CenteredPage>
      <h1>What you shared did not arrive</h1>
      {secure ? (
        <>
          <p>
            Roomkit was not ready to receive them on this device yet: its offline helper (a service
            worker) starts the first time Roomkit is opened.
          </p>
          <p>Open Roomkit once (from your home screen or this link), then share again.</p>
        </>
      ) : (
        <p>
          Sharing from other apps needs Roomkit to be served over HTTPS. Ask whoever runs this
          server to put it behind HTTPS, or upload from inside a room instead.
        </p>
      )}
      <p>
        <Link href="/">Open Roomkit</Link>
      </p>
    </CenteredPage>
  );
}

type Loaded = { state: 'loading' } | { state: 'ready'; items: SharedItems | null };

function ShareFlow({ unreadable }: { unreadable: boolean }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    readSharedItems().then(
      (items) => current && setLoaded({ state: 'ready', items }),
      () => current && setLoaded({ state: 'ready', items: null }),
    );
    return () => {
      current = false;
    };
  }, []);

  if (loaded.state === 'loading') {
    return (
      <CenteredPage>
        <h1>Share to a room</h1>
        <p role="status">Getting what you shared…</p>
      </CenteredPage>
    );
  }
  if (!loaded.items) {
    return (
      <CenteredPage>
        <h1>Nothing to share</h1>
        <p>
          {unreadable
            ? 'What was shared could not be read. Try sharing it again.'
            : 'Nothing is waiting to be shared: it may have been sent to a room already.'}
        </p>
        <p>
          <Link href="/">Go to the home page</Link>
        </p>
      </CenteredPage>
    );
  }
  return <ShareItems items={loaded.items} />;
}

/** A preview of a shared picture from its bytes in memory (blob: URLs are allowed by the CSP). */
function PreviewImage({ file }: { file: File }) {
  const attach = useCallback(
    (img: HTMLImageElement | null) => {
      if (!img) return;
      const url = URL.createObjectURL(file);
      img.src = url;
      return () => URL.revokeObjectURL(url);
    },
    [file],
  );
  return <img ref={attach} alt={file.name} />;
}

function Previews({ files }: { files: readonly File[] }) {
  return (
    <ul className="share-previews">
      {files.map((file, index) => (
        <li key={index}>
          {file.type.startsWith('image/') ? (
            <PreviewImage file={file} />
          ) : (
            <span className="share-file">
              <span className="file-badge" aria-hidden="true">
                {fileBadge(file.name)}
              </span>
              <span className="file-name">{file.name}</span>
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

interface RoomChoice {
  session: SavedMembership;
  /** Confirmed by the server (or from the session when it could not be asked). */
  name: string | null;
}

/** The rooms this browser holds a session for, checked with the server; dead ones are dropped. */
function useRoomChoices(): RoomChoice[] {
  const [choices, setChoices] = useState<RoomChoice[]>(() =>
    listMemberships().map((session) => ({ session, name: session.roomName ?? null })),
  );
  const initial = useRef(choices);
  useEffect(() => {
    let current = true;
    for (const { session } of initial.current) {
      fetchRoom(session.roomId, session.token).then(
        ({ room }) => {
          rememberRoomName(session.roomId, room.name);
          if (!current) return;
          setChoices((list) =>
            list.map((choice) =>
              choice.session.roomId === room.id ? { ...choice, name: room.name } : choice,
            ),
          );
        },
        (error: unknown) => {
          const dead =
            error instanceof ApiError && (error.code === 'unauthorized' || isRoomGone(error.code));
          if (!dead) return; // Offline or busy: keep offering it; the upload will tell.
          clearMembership(session.roomId);
          if (!current) return;
          setChoices((list) => list.filter((choice) => choice.session.roomId !== session.roomId));
        },
      );
    }
    return () => {
      current = false;
    };
  }, []);
  return [...choices].sort((a, b) =>
    (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff', undefined, { sensitivity: 'base' }),
  );
}

type Step =
  | { step: 'choose' }
  | { step: 'new' }
  | { step: 'sending'; session: SavedMembership; roomName: string; error: string | null };

function ShareItems({ items }: { items: SharedItems }) {
  const [step, setStep] = useState<Step>({ step: 'choose' });
  const choices = useRoomChoices();
  const message = sharedMessage(items);
  const [withMessage, setWithMessage] = useState(true);
  const messageBoxId = useId();
  const [busy, setBusy] = useState(false);
  const queued = useRef(false);

  // Each file shows up in the room by itself; nothing to do with the server's answer here.
  const onUploaded = useCallback(() => undefined, []);
  const target = step.step === 'sending' ? step.session : null;
  const uploads = useUploads(target, onUploaded);
  const addUploads = uploads.add;
  const pending = uploads.uploads.length;

  // Everything is in the room (or cancelled): forget the share and go there.
  useEffect(() => {
    if (!target || !queued.current || pending > 0) return;
    let current = true;
    void clearSharedItems()
      .catch(() => undefined)
      .then(() => {
        if (current) navigate(`/r/${encodeURIComponent(target.roomId)}`, { replace: true });
      });
    return () => {
      current = false;
    };
  }, [target, pending]);

  const sendTo = async (session: SavedMembership, roomName: string) => {
    setBusy(true);
    let error: string | null = null;
    if (message && withMessage) {
      try {
        await postMessage(session.roomId, session.token, message, randomId());
      } catch (failure) {
        error = `The text was not sent: ${describeError(failure)}`;
      }
    }
    queued.current = true;
    addUploads(items.files);
    setStep({ step: 'sending', session, roomName, error });
  };

  const createAndSend = async (displayName: string) => {
    try {
      const { room } = await createRoom();
      const { token, member } = await joinRoom({ roomId: room.id }, displayName);
      const session: SavedMembership = { roomId: room.id, token, member, roomName: room.name };
      saveMembership(session);
      await sendTo(session, room.name);
      return null;
    } catch (error) {
      return describeError(error);
    }
  };

  const count = items.files.length;
  const what = describeShared(items.files);

  if (step.step === 'sending') {
    const roomHref = `/r/${encodeURIComponent(step.session.roomId)}`;
    const failed = uploads.uploads.some((upload) => upload.status === 'failed');
    return (
      <CenteredPage>
        <h1>Sending to {step.roomName}</h1>
        {step.error && (
          <p className="field-error" role="alert">
            {step.error}
          </p>
        )}
        <div className="share-uploads">
          <UploadList
            uploads={uploads.uploads}
            onCancel={uploads.cancel}
            onRetry={uploads.retry}
            onDismiss={uploads.dismiss}
          />
        </div>
        {failed && (
          <p>
            <Link href={roomHref}>Go to the room without them</Link>
          </p>
        )}
      </CenteredPage>
    );
  }

  return (
    <CenteredPage>
      <h1>Share {what}</h1>
      {count > 0 && <Previews files={items.files} />}
      {count > 0 && (
        <p className="share-summary">
          {count === 1 ? '1 file' : `${count} files`},{' '}
          {formatBytes(items.files.reduce((total, file) => total + file.size, 0))}
        </p>
      )}
      {message && (
        <div className="share-text">
          <label>
            <input
              type="checkbox"
              checked={withMessage}
              onChange={(event) => setWithMessage(event.target.checked)}
              aria-describedby={messageBoxId}
            />{' '}
            Also send the text
          </label>
          <blockquote id={messageBoxId}>{message}</blockquote>
        </div>
      )}
      {step.step === 'new' ? (
        <>
          <h2 className="share-heading">New room</h2>
          <p>Choose the name the others will see.</p>
          <DisplayNameForm onSubmit={createAndSend} submitLabel="Create and share" />
          <p className="secondary-link">
            <button
              type="button"
              className="small quiet"
              onClick={() => setStep({ step: 'choose' })}
            >
              Back to your rooms
            </button>
          </p>
        </>
      ) : (
        <>
          <h2 className="share-heading">Send to</h2>
          {choices.length === 0 ? (
            <p>You are not in any room on this device yet.</p>
          ) : (
            <ul className="share-rooms">
              {choices.map(({ session, name }) => (
                <li key={session.roomId}>
                  <button
                    type="button"
                    className="share-room"
                    disabled={busy}
                    onClick={() => void sendTo(session, name ?? 'the room')}
                  >
                    <span className="share-room-name">{name ?? 'A room'}</span>{' '}
                    <span className="share-room-as">as {session.member.displayName}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <button
            type="button"
            className="big"
            disabled={busy}
            onClick={() => setStep({ step: 'new' })}
          >
            New room
          </button>
        </>
      )}
    </CenteredPage>
  );
}
