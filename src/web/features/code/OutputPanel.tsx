import { useId } from 'react';
import { formatDuration, type ExecResultEvent } from './exec.js';

/**
 * The region "Output": the room's latest run (by anyone) with what it printed, its exit code and
 * time, and the standard input for the next run.
 */
export function OutputPanel({
  latest,
  runnerName,
  languageLabel,
  running,
  error,
  stdin,
  onStdinChange,
}: {
  latest: ExecResultEvent | null;
  /** Who started the latest run ("You" for this person). */
  runnerName: string;
  languageLabel: string;
  running: boolean;
  error: string | null;
  stdin: string;
  onStdinChange: (stdin: string) => void;
}) {
  const inputId = useId();
  const result = latest?.result;
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
            <span className={failed ? 'output-badge bad' : 'output-badge good'}>
              exit code {result.exitCode ?? '–'}
            </span>
            <span>{formatDuration(result.durationMs)}</span>
            {result.timedOut && <span className="output-badge bad">timed out</span>}
            {result.truncated && <span className="output-badge warn">truncated</span>}
          </p>
        )}
      </div>
      <div className="output-body" aria-live="polite" aria-busy={running}>
        {running && <p className="output-note">Running…</p>}
        {error && (
          <p className="output-error" role="alert">
            {error}
          </p>
        )}
        {!running && !error && !result && <p className="output-note">Nothing has run yet.</p>}
        {result && !running && (
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
