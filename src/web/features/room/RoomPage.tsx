import { useCallback, useState } from 'react';
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
import { joinRoom } from './roomApi.js';
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
  useDocumentTitle('Join a room');
  const join = async (displayName: string) => {
    try {
      const { token, member } = await joinRoom({ roomId }, displayName);
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
  return (
    <CenteredPage>
      <h1>Join the room</h1>
      {notice && <p className="notice">{notice}</p>}
      <p>Choose the name the others will see.</p>
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
    return (
      <JoinRoom roomId={roomId} notice={notice} onJoined={joined} onGone={() => setGone(true)} />
    );
  }
  return <RoomView key={session.token} session={session} onRejected={rejected} />;
}
