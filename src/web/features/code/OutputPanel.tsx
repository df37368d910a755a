import { useId } from 'react';
import { formatDuration, type ExecLastRun } from './exec.js';

/**
 * The region "Output": the room's last run (by anyone) with who ran it, when, what it printed,
 * its exit code and time; "Running… (Ada)" while runs go on, with "Stop" for this person's own;
 * and the standard input for the next run.
 */
export function OutputPanel({
  latest,
  runnerName,
  languageLabel,
  runners,
  canStop,
  onStop,
  error,
  stdin,
  onStdinChange,
}: {
  latest: ExecLastRun | null;
  /** Who started the last run ("You" for this person). */
  runnerName: string;
  languageLabel: string;
  /** Who has a run going on, by name ("You" for this person); empty when none. */
  runners: readonly string[];
  /** This person has a run going on. */
  canStop: boolean;
  onStop: () => void;
  error: string | null;
  stdin: string;
  onStdinChange: (stdin: string) => void;
}) {
  const inputId = useId();
  const result = latest?.result;
  const running = runners.length > 0;
  const failed = result !== undefined && (result.exitCode !== 0 || result.timedOut);
  return (
    <section aria-label="Output" className="code-output">
      <div className="output-head">
        <h2>Output</h2>
        {result && (
          <p className="output-meta">
            <span>
              {runnerName} ran {languageLabel}
            </span>
            {latest && (
              <time dateTime={latest.at.toISOString()} title={latest.at.toLocaleString()}>
                at {latest.at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
              </time>
            )}
            <span className={failed ? 'output-badge bad' : 'output-badge good'}>
              exit code {result.exitCode ?? '–'}
            </span>
            <span>{formatDuration(result.durationMs)}</span>
            {result.timedOut && <span className="output-badge bad">timed out</span>}
            {result.stopped && <span className="output-badge warn">stopped</span>}
            {result.truncated && <span className="output-badge warn">truncated</span>}
          </p>
        )}
      </div>
      <div className="output-body" aria-live="polite" aria-busy={running}>
        {running && (
          <p className="output-note output-running">
            <span>Running… ({runners.join(', ')})</span>
            {canStop && (
              <button type="button" className="small" onClick={onStop}>
                Stop
              </button>
            )}
          </p>
        )}
        {error && (
          <p className="output-error" role="alert">
            {error}
          </p>
        )}
        {!running && !error && !result && <p className="output-note">Nothing has run yet.</p>}
        {result && (
          <>
            {result.stdout && <pre className="output-stream">{result.stdout}</pre>}
            {result.stderr && (
              <>
                <h3 className="stream-label">Errors</h3>
                <pre className="output-stream stderr">{result.stderr}</pre>
              </>
            )}
            {!result.stdout && !result.stderr && (
              <p className="output-note">The program printed nothing.</p>
            )}
          </>
        )}
      </div>
      <div className="output-input">
        <label htmlFor={inputId}>Input</label>
        <textarea
          id={inputId}
          rows={1}
          value={stdin}
          placeholder="Standard input (optional)"
          onChange={(event) => onStdinChange(event.target.value)}
        />
      </div>
    </section>
  );
}
