import { useCallback, useEffect, useState } from 'react';
import { ROOM_ID_PATTERN } from '../../../protocol/constants.js';
import { CenteredPage } from '../../components/CenteredPage.js';
import { Link } from '../../components/Link.js';
import { DisplayNameForm } from '../../components/DisplayNameForm.js';
import { ApiError } from '../../lib/api.js';
import { describeError, isRoomGone } from '../../lib/errorMessages.js';
import {
  clearMembership,
  loadMembership,
  saveMembership,
  type SavedMembership,
} from '../../lib/memberships.js';
import { useDocumentTitle } from '../../lib/useDocumentTitle.js';
import { guestJoinOptions, JoinAsAccount } from '../account/JoinAsAccount.js';
import { createdRoom } from './createdRooms.js';
import { joinAsAccount, joinRoom, roomExists, type JoinResponse } from './roomApi.js';
import { RoomView } from './RoomView.js';
import type { SessionRejection } from './useRoom.js';

function RoomGone() {
  useDocumentTitle('Room not found');
  return (
    <CenteredPage>
      <h1>This room no longer exists</h1>
      <p>It may have expired or been closed. Rooms last only as long as they are set to.</p>
      <p>
        <Link href="/">Go to the home page</Link> to create a new room or join another.
      </p>
    </CenteredPage>
  );
}

function JoinRoom({
  roomId,
  notice,
  onJoined,
  onGone,
}: {
  roomId: string;
  notice: string | null;
  onJoined: (session: SavedMembership) => void;
  onGone: () => void;
}) {
  // The creator of a room sees its name and code; anyone else's link is checked first, so a
  // room that is gone says so before a name is asked for.
  const created = createdRoom(roomId);
  const [exists, setExists] = useState<'checking' | 'live' | 'gone' | 'unknown'>(
    created ? 'live' : 'checking',
  );
  useEffect(() => {
    if (created) return;
    let current = true;
    void roomExists(roomId).then((answer) => current && setExists(answer));
    return () => {
      current = false;
    };
  }, [roomId, created]);
  useEffect(() => {
    if (exists === 'gone') onGone();
  }, [exists, onGone]);
  useDocumentTitle(created ? created.name : 'Join a room');

  const enter = async (joining: Promise<JoinResponse>) => {
    try {
      const { token, member } = await joining;
      onJoined({ roomId, token, member });
      return null;
    } catch (error) {
      if (error instanceof ApiError && isRoomGone(error.code)) {
        onGone();
        return null;
      }
      return describeError(error);
    }
  };
  const join = (displayName: string) =>
    enter(joinRoom({ roomId }, displayName, guestJoinOptions()));
  const joinAsMe = () => enter(joinAsAccount({ roomId }));
  if (exists === 'checking' || exists === 'gone') {
    return (
      <CenteredPage>
        <p role="status">Looking for the room…</p>
      </CenteredPage>
    );
  }
  return (
    <CenteredPage>
      {created ? (
        <>
          <h1>{created.name}</h1>
          <p>
            Your room is ready. Its code is{' '}
            <span className="join-code" data-testid="created-join-code">
              {created.joinCode}
            </span>
            ; choose the name the others will see.
          </p>
        </>
      ) : (
        <>
          <h1>Join the room</h1>
          {notice && <p className="notice">{notice}</p>}
          <p>Choose the name the others will see.</p>
        </>
      )}
      <JoinAsAccount onJoin={joinAsMe} />
      <DisplayNameForm onSubmit={join} />
    </CenteredPage>
  );
}

/** `/r/<roomId>`: the room itself when this browser holds a session for it, else a name prompt. */
export function RoomPage({ roomId }: { roomId: string }) {
  const [session, setSession] = useState(() => loadMembership(roomId));
  const [gone, setGone] = useState(() => !ROOM_ID_PATTERN.test(roomId));
  const [notice, setNotice] = useState<string | null>(null);

  const joined = useCallback((next: SavedMembership) => {
    saveMembership(next);
    setNotice(null);
    setSession(next);
  }, []);

  const markGone = useCallback(() => setGone(true), []);

  const rejected = useCallback(
    (reason: SessionRejection) => {
      clearMembership(roomId);
      setSession(null);
      if (reason === 'room_not_found') setGone(true);
      else setNotice('Your earlier session in this room has ended. Join again to continue.');
    },
    [roomId],
  );

  if (gone) return <RoomGone />;
  if (!session) {
    return <JoinRoom roomId={roomId} notice={notice} onJoined={joined} onGone={markGone} />;
  }
  return <RoomView key={session.token} session={session} onRejected={rejected} />;
}
