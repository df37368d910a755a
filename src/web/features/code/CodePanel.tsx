import { useCallback, useEffect, useId, useRef, useState, type CSSProperties } from 'react';
import type { MemberPresence } from '../../../protocol/schemas.js';
import type { SavedMembership } from '../../lib/memberships.js';
import type { RoomSocket } from '../../lib/socket.js';
import { useMediaQuery } from '../../lib/useMediaQuery.js';
import type { SessionRejection } from '../room/useRoom.js';
import '../../styles/code.css';
import { CodeEditor } from './CodeEditor.js';
import { TOO_LARGE_MESSAGE } from './codeLimit.js';
import { phaseLabel } from './collabStatus.js';
import { runBlocker, type ExecSupport } from './exec.js';
import { exampleFor, LANGUAGES, languageOption, type LanguageOption } from './languages.js';
import { OutputPanel } from './OutputPanel.js';
import { SplitSeparator, useEditorShare } from './SplitSeparator.js';
import { SIDE_BY_SIDE_QUERY } from './splitSize.js';
import { useCollab } from './useCollab.js';
import { useExec } from './useExec.js';

/** How long the note about a refused (too large) change stays up. */
const REFUSED_NOTE_MS = 6_000;

export interface CodePanelProps {
  id?: string;
  session: SavedMembership;
  socket: RoomSocket | null;
  members: readonly MemberPresence[];
  /** Kept mounted while another view shows, so the editor keeps its place and its undo. */
  hidden: boolean;
  onRejected: (reason: SessionRejection) => void;
}

/**
 * The region "Code": the room's shared editor (API.md, "Collaborative code") with its language,
 * connection and editors, the "Run" button and the region "Output". Loaded on demand: nothing
 * of CodeMirror or Yjs is in the chat's bundle.
 */
export function CodePanel({ id, session, socket, members, hidden, onRejected }: CodePanelProps) {
  const collab = useCollab(session, onRejected);
  const exec = useExec(session, socket);
  const [stdin, setStdin] = useState('');
  const [refused, setRefused] = useState(false);
  const languageId = useId();
  const blockerId = useId();
  const editorId = useId();
  const { status, language, doc } = collab;
  const sideBySide = useMediaQuery(SIDE_BY_SIDE_QUERY);
  const [share, setShare] = useEditorShare();
  const splitRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!refused) return;
    const timer = setTimeout(() => setRefused(false), REFUSED_NOTE_MS);
    return () => clearTimeout(timer);
  }, [refused]);
  const tooLarge = useCallback(() => setRefused(true), []);

  const option = languageOption(language);
  const options = LANGUAGES.some((known) => known.id === language)
    ? LANGUAGES
    : [...LANGUAGES, option];
  const blocker = runBlocker(exec.support, language, option.label);
  const editable = status.loaded && status.phase !== 'stopped';

  const { run } = exec;
  const runNow = () => {
    if (!doc || blocker !== null) return;
    run({ language, code: doc.ytext.toJSON(), stdin });
  };

  const nameOf = (memberId: string | undefined) =>
    memberId === session.member.id
      ? 'You'
      : (members.find((member) => member.id === memberId)?.displayName ?? 'Someone');
  const { lastRun, running } = exec.room;
  const runners = [...new Set(running.map((entry) => nameOf(entry.memberId)))];
  const ownRun = running.some((entry) => entry.memberId === session.member.id);
  const { runnable, editOnly } = splitOptions(options, exec.support);
  const [empty, setEmpty] = useState(true);
  useEffect(() => {
    if (!doc) return;
    const check = () => setEmpty(doc.ytext.length === 0);
    check();
    doc.ytext.observe(check);
    return () => doc.ytext.unobserve(check);
  }, [doc]);

  return (
    <section id={id} aria-label="Code" className="code-panel" hidden={hidden}>
      <div className="code-toolbar">
        <div className="code-language">
          <label htmlFor={languageId}>Language</label>
          <select
            id={languageId}
            value={language}
            disabled={!editable}
            onChange={(event) => collab.setLanguage(event.target.value)}
          >
            {editOnly.length === 0 ? (
              runnable.map(({ id: value, label }) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))
            ) : (
              <>
                <optgroup label="Runs on this server">
                  {runnable.map(({ id: value, label }) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </optgroup>
                <optgroup label="Edit only">
                  {editOnly.map(({ id: value, label }) => (
                    <option key={value} value={value}>
                      {label} (edit only)
                    </option>
                  ))}
                </optgroup>
              </>
            )}
          </select>
        </div>
        <p className="code-presence">
          <span role="status" className={`code-status ${status.phase}`}>
            <span className="status-dot" aria-hidden="true" />
            {phaseLabel(status.phase)}
          </span>
          <span className="code-editors">
            {collab.editors} {collab.editors === 1 ? 'editor' : 'editors'}
          </span>
        </p>
        <button
          type="button"
          className="primary small code-run"
          disabled={blocker !== null || exec.running || ownRun || doc === null}
          aria-describedby={blocker === null ? undefined : blockerId}
          title={blocker ?? 'Run the code (Ctrl+Enter or ⌘+Enter)'}
          onClick={runNow}
        >
          Run
        </button>
      </div>
      {blocker !== null && (
        <p id={blockerId} className="code-note run-blocker">
          {blocker}
        </p>
      )}
      {status.stop && (
        <div className="code-alert" role="alert">
          <span>{status.stop.message}</span>
          {status.stop.retriable && (
            <button type="button" className="small" onClick={collab.retry}>
              Try again
            </button>
          )}
        </div>
      )}
      {refused && !status.stop && (
        <p className="code-alert" role="alert">
          {TOO_LARGE_MESSAGE}
        </p>
      )}
      {!status.loaded && status.phase === 'offline' && (
        <p className="code-note">The shared code can’t be reached right now; trying again…</p>
      )}
      {doc && empty && editable && exampleFor(language) !== undefined && (
        <p className="code-note">
          The code is empty.{' '}
          <button type="button" className="small" onClick={collab.insertExample}>
            Start from an example
          </button>
        </p>
      )}
      <div
        ref={splitRef}
        className={sideBySide ? 'code-split side-by-side' : 'code-split'}
        style={sideBySide ? ({ '--editor-share': `${share}%` } as CSSProperties) : undefined}
      >
        {doc && (
          <CodeEditor
            id={editorId}
            ytext={doc.ytext}
            awareness={doc.provider.awareness}
            undoManager={doc.undoManager}
            language={language}
            editable={editable}
            onTooLarge={tooLarge}
            onRun={runNow}
          />
        )}
        {sideBySide && doc && (
          <SplitSeparator share={share} onChange={setShare} split={splitRef} controls={editorId} />
        )}
        <OutputPanel
          latest={lastRun}
          runnerName={nameOf(lastRun?.memberId)}
          languageLabel={languageOption(lastRun?.language ?? language).label}
          runners={exec.running && !ownRun ? [...runners, 'You'] : runners}
          canStop={ownRun}
          onStop={exec.stop}
          error={exec.error}
          stdin={stdin}
          onStdinChange={setStdin}
        />
      </div>
    </section>
  );
}

/**
 * The picker's languages: those this server runs first; the others, once the server's list is
 * known, apart as "edit only" (highlighting, no Run). While the list is loading, or when the
 * server runs nothing, all are offered alike and the note under Run says why it cannot run.
 */
function splitOptions(
  options: readonly LanguageOption[],
  support: ExecSupport,
): { runnable: readonly LanguageOption[]; editOnly: readonly LanguageOption[] } {
  if (support.state !== 'ready' || support.languages.length === 0)
    return { runnable: options, editOnly: [] };
  const runs = (option: LanguageOption) => support.languages.some((l) => l.id === option.id);
  return {
    runnable: options.filter(runs),
    editOnly: options.filter((option) => !runs(option)),
  };
}

export default CodePanel;
