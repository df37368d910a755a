import { CenteredPage } from '../../components/CenteredPage.js';
import { Link } from '../../components/Link.js';
import { DisplayNameForm } from '../../components/DisplayNameForm.js';
import { describeError } from '../../lib/errorMessages.js';
import { navigate } from '../../lib/router.js';
import { saveMembership } from '../../lib/memberships.js';
import { useDocumentTitle } from '../../lib/useDocumentTitle.js';
import { joinRoom } from '../room/roomApi.js';
import { normaliseJoinCode } from './joinCode.js';

/**
 * `/?code=<CODE>`: a room is found by its code only when joining (POST /api/rooms/join needs the
 * display name), so the name is asked for first; then the address becomes the room's own.
 */
export function JoinByCodePage({ code: rawCode }: { code: string }) {
  useDocumentTitle('Join a room');
  const code = normaliseJoinCode(rawCode);

  const join = async (displayName: string) => {
    try {
      const { token, member, room } = await joinRoom({ joinCode: code }, displayName);
      saveMembership({ roomId: room.id, token, member });
      navigate(`/r/${encodeURIComponent(room.id)}`, { replace: true });
      return null;
    } catch (error) {
      return describeError(error, { room_not_found: 'No room has that code.' });
    }
  };

  return (
    <CenteredPage>
      <h1>
        Join room <span className="join-code">{code}</span>
      </h1>
      <p>Choose the name the others will see.</p>
      <DisplayNameForm onSubmit={join} />
      <p className="secondary-link">
        <Link href="/">Use another code</Link>
      </p>
    </CenteredPage>
  );
}
