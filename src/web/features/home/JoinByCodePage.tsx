import { CenteredPage } from '../../components/CenteredPage.js';
import { Link } from '../../components/Link.js';
import { DisplayNameForm } from '../../components/DisplayNameForm.js';
import { describeError } from '../../lib/errorMessages.js';
import { navigate } from '../../lib/router.js';
import { saveMembership } from '../../lib/memberships.js';
import { useDocumentTitle } from '../../lib/useDocumentTitle.js';
import { guestJoinOptions, JoinAsAccount } from '../account/JoinAsAccount.js';
import { joinAsAccount, joinRoom, type JoinResponse } from '../room/roomApi.js';
import { joinCodeProblem, normaliseJoinCode } from './joinCode.js';
import { useJoinCodeLookup } from './useJoinCodeLookup.js';

function UnknownCode({ code, problem }: { code: string; problem: string }) {
  useDocumentTitle('No such room');
  return (
    <CenteredPage>
      <h1>
        No room has the code <span className="join-code">{code}</span>
      </h1>
      <p role="alert">{problem}</p>
      <p className="secondary-link">
        <Link href="/">Use another code</Link>
      </p>
    </CenteredPage>
  );
}

/**
 * `/?code=<CODE>`: the code is looked up first (`GET /api/join-codes/:code`), so an unknown one is
 * refused before a name is asked for; then the name, and the address becomes the room's own.
 */
export function JoinByCodePage({ code: rawCode }: { code: string }) {
  useDocumentTitle('Join a room');
  const code = normaliseJoinCode(rawCode);
  const problem = joinCodeProblem(code);
  const lookup = useJoinCodeLookup(code, 0);

  const enter = async (joining: Promise<JoinResponse>) => {
    try {
      const { token, member, room } = await joining;
      saveMembership({ roomId: room.id, token, member });
      navigate(`/r/${encodeURIComponent(room.id)}`, { replace: true });
      return null;
    } catch (error) {
      return describeError(error, { room_not_found: 'No room has that code.' });
    }
  };
  const join = (displayName: string) =>
    enter(joinRoom({ joinCode: code }, displayName, guestJoinOptions()));
  const joinAsMe = () => enter(joinAsAccount({ joinCode: code }));

  if (problem !== null) return <UnknownCode code={code} problem={problem} />;
  if (lookup?.status === 'unknown') {
    return (
      <UnknownCode code={code} problem="It may have ended, or the code was mistyped. Check it." />
    );
  }
  if (lookup === null || lookup.status === 'checking') {
    return (
      <CenteredPage>
        <p role="status">Looking for the room…</p>
      </CenteredPage>
    );
  }
  return (
    <CenteredPage>
      <h1>
        Join {lookup.status === 'found' ? lookup.room.name : 'room'}{' '}
        <span className="join-code">{code}</span>
      </h1>
      <p>Choose the name the others will see.</p>
      <JoinAsAccount onJoin={joinAsMe} />
      <DisplayNameForm onSubmit={join} />
      <p className="secondary-link">
        <Link href="/">Use another code</Link>
      </p>
    </CenteredPage>
  );
}
