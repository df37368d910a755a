import { useEffect, useId, useState, type FormEvent } from 'react';
import type { CreateRoomBody } from '../../../protocol/schemas.js';
import { CenteredPage } from '../../components/CenteredPage.js';
import { Logo } from '../../components/Logo.js';
import { describeError } from '../../lib/errorMessages.js';
import { AccountHeader } from '../account/AccountHeader.js';
import { navigate } from '../../lib/router.js';
import { useDocumentTitle } from '../../lib/useDocumentTitle.js';
import { rememberCreatedRoom } from '../room/createdRooms.js';
import { takeLeftRoom } from '../room/leftRoom.js';
import { createRoom } from '../room/roomApi.js';
import { useServerKeepsRooms } from '../room/useServerKeepsRooms.js';
import { joinCodeProblem, joinCodeTypingProblem, normaliseJoinCode } from './joinCode.js';
import { useJoinCodeLookup } from './useJoinCodeLookup.js';

type Life = 'hour' | 'day' | 'kept';

/** What each life asks the server for; `kept` only where a database keeps rooms. */
const lives: Record<Life, { label: string; body: CreateRoomBody }> = {
  hour: { label: '1 hour', body: { ttlSeconds: 3600 } },
  day: { label: '1 day', body: { ttlSeconds: 86_400 } },
  kept: { label: 'Until deleted', body: { persistent: true } },
};

const NO_SUCH_CODE = 'No room has that code.';

/** Name and life of a new room; the creator then only picks a display name. */
function CreateRoomForm() {
  const [name, setName] = useState('');
  const [life, setLife] = useState<Life>('hour');
  const keeps = useServerKeepsRooms();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nameId = useId();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setCreating(true);
    setError(null);
    const body: CreateRoomBody = { ...lives[life].body };
    // With a database, rooms are kept unless asked otherwise: one for an hour or a day says so.
    if (keeps && life !== 'kept') body.persistent = false;
    if (name.trim()) body.name = name.trim();
    try {
      const { room } = await createRoom(body);
      rememberCreatedRoom(room);
      navigate(`/r/${encodeURIComponent(room.id)}`);
    } catch (failure) {
      setError(describeError(failure));
      setCreating(false);
    }
  };

  const shown: Life[] = keeps ? ['hour', 'day', 'kept'] : ['hour', 'day'];
  return (
    <form className="stack create-room" onSubmit={(event) => void create(event)} noValidate>
      <label htmlFor={nameId}>Room name</label>
      <input
        id={nameId}
        name="roomName"
        maxLength={80}
        autoComplete="off"
        placeholder="Optional"
        value={name}
        onChange={(event) => setName(event.target.value)}
      />
      <fieldset className="room-life">
        <legend>It lasts</legend>
        {shown.map((option) => (
          <label key={option} className="choice">
            <input
              type="radio"
              name="life"
              value={option}
              checked={life === option}
              onChange={() => setLife(option)}
            />
            {lives[option].label}
          </label>
        ))}
      </fieldset>
      <button type="submit" className="primary big" disabled={creating}>
        Create room
      </button>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** A join code, checked as it is typed: unknown codes are refused before a name is asked for. */
function JoinByCodeForm() {
  const [code, setCode] = useState('');
  const [submitted, setSubmitted] = useState<string | null>(null);
  const lookup = useJoinCodeLookup(code);
  const codeId = useId();
  const messageId = useId();

  const typingProblem = joinCodeTypingProblem(code);
  const problem =
    typingProblem ??
    (lookup?.status === 'unknown'
      ? NO_SUCH_CODE
      : submitted === code
        ? joinCodeProblem(code)
        : null);

  const join = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(code);
    if (joinCodeProblem(code) !== null || lookup?.status === 'unknown') return;
    navigate(`/?code=${encodeURIComponent(code)}`);
  };

  return (
    <form className="stack" onSubmit={join} noValidate>
      <label htmlFor={codeId}>Join code</label>
      <div className="row">
        <input
          id={codeId}
          name="joinCode"
          className="code-input"
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          placeholder="7KQ4XM"
          value={code}
          aria-invalid={problem ? true : undefined}
          aria-describedby={messageId}
          onChange={(event) => {
            setCode(normaliseJoinCode(event.target.value));
            setSubmitted(null);
          }}
        />
        <button type="submit">Join</button>
      </div>
      <div id={messageId}>
        {problem ? (
          <p className="field-error" role="alert">
            {problem}
          </p>
        ) : (
          <p className="field-hint" role="status">
            {lookup?.status === 'found'
              ? `Room: ${lookup.room.name}`
              : lookup?.status === 'checking'
                ? 'Looking for the room…'
                : ''}
          </p>
        )}
      </div>
    </form>
  );
}

/** "You left <room>." after leaving one, once, until dismissed. */
function LeftRoomNotice() {
  const [left, setLeft] = useState<string | null>(null);
  useEffect(() => {
    // Filled after the first paint: screen readers announce a status region's new line, not the
    // one it was born with.
    const timer = setTimeout(() => {
      const name = takeLeftRoom();
      if (name !== null) setLeft(name);
    }, 0);
    return () => clearTimeout(timer);
  }, []);
  return (
    <div role="status" className="left-notice">
      {left !== null && (
        <>
          <p>You left {left}.</p>
          <button type="button" className="small quiet" onClick={() => setLeft(null)}>
            Dismiss
          </button>
        </>
      )}
    </div>
  );
}

/** `/`: create a room, or join one by its code. */
export function HomePage() {
  useDocumentTitle(null);
  return (
    <div className="with-header">
      <AccountHeader />
      <CenteredPage brand={false}>
        <LeftRoomNotice />
        <h1 className="home-title">
          <Logo size={40} /> Roomkit
        </h1>
        <p className="lead">
          A room to talk in, for everyone who has its link, its code or its QR code.
        </p>
        <CreateRoomForm />
        <p className="divider">
          <span>or</span>
        </p>
        <JoinByCodeForm />
      </CenteredPage>
    </div>
  );
}
