import { useId, useState, type FormEvent } from 'react';
import { CenteredPage } from '../../components/CenteredPage.js';
import { Logo } from '../../components/Logo.js';
import { describeError } from '../../lib/errorMessages.js';
import { navigate } from '../../lib/router.js';
import { useDocumentTitle } from '../../lib/useDocumentTitle.js';
import { createRoom } from '../room/roomApi.js';
import { joinCodeProblem, normaliseJoinCode } from './joinCode.js';

/** `/`: create a room, or join one by its code. */
export function HomePage() {
  useDocumentTitle(null);
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const codeId = useId();
  const codeErrorId = useId();

  const create = async () => {
    setCreating(true);
    setCreateError(null);
    try {
      const { room } = await createRoom();
      navigate(`/r/${encodeURIComponent(room.id)}`);
    } catch (error) {
      setCreateError(describeError(error));
      setCreating(false);
    }
  };

  const join = (event: FormEvent) => {
    event.preventDefault();
    const problem = joinCodeProblem(code);
    setCodeError(problem);
    if (problem === null) navigate(`/?code=${encodeURIComponent(code)}`);
  };

  return (
    <CenteredPage brand={false}>
      <h1 className="home-title">
        <Logo size={40} /> Roomkit
      </h1>
      <p className="lead">
        A room to talk in, for everyone who has its link, its code or its QR code.
      </p>
      <button
        type="button"
        className="primary big"
        onClick={() => void create()}
        disabled={creating}
      >
        Create room
      </button>
      {createError && (
        <p className="field-error" role="alert">
          {createError}
        </p>
      )}
      <p className="divider">
        <span>or</span>
      </p>
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
            aria-invalid={codeError ? true : undefined}
            aria-describedby={codeError ? codeErrorId : undefined}
            onChange={(event) => {
              setCode(normaliseJoinCode(event.target.value));
              setCodeError(null);
            }}
          />
          <button type="submit">Join</button>
        </div>
        {codeError && (
          <p id={codeErrorId} className="field-error" role="alert">
            {codeError}
          </p>
        )}
      </form>
    </CenteredPage>
  );
}
