import { useId } from 'react';
import type { AdminExecRun, AdminRoom, AuditEntry } from '../../../protocol/admin.js';
import { formatDuration, formatLogTime } from './adminFormat.js';

/** Table "Audit log": who did what to which room or member, newest first. */
export function AuditLog({ entries }: { entries: readonly AuditEntry[] | null }) {
  const headingId = useId();
  return (
    <section className="admin-section" aria-labelledby={headingId}>
      <h2 id={headingId}>Audit log</h2>
      <div className="table-scroll" tabIndex={0} role="group" aria-labelledby={headingId}>
        <table className="admin-table" aria-labelledby={headingId}>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {entries?.map((entry, index) => (
              <tr key={`${entry.at}-${index}`}>
                <td>
                  <time dateTime={entry.at}>{formatLogTime(entry.at)}</time>
                </td>
                <td>{entry.actor}</td>
                <td className="mono">{entry.action}</td>
                <td className="mono">{entry.target}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {entries?.length === 0 && <p className="admin-empty">Nothing done yet.</p>}
    </section>
  );
}

/** Table "Code runs": the execution log (never the code), newest first. */
export function CodeRuns({
  runs,
  rooms,
}: {
  runs: readonly AdminExecRun[] | null;
  rooms: readonly AdminRoom[];
}) {
  const headingId = useId();
  const names = new Map(rooms.map((room) => [room.id, room.name]));
  return (
    <section className="admin-section" aria-labelledby={headingId}>
      <h2 id={headingId}>Code runs</h2>
      <div className="table-scroll" tabIndex={0} role="group" aria-labelledby={headingId}>
        <table className="admin-table" aria-labelledby={headingId}>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Room</th>
              <th scope="col">Member</th>
              <th scope="col">Language</th>
              <th scope="col" className="numeric">
                Took
              </th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {runs?.map((run, index) => (
              <tr key={`${run.at}-${index}`}>
                <td>
                  <time dateTime={run.at}>{formatLogTime(run.at)}</time>
                </td>
                <td>{names.get(run.roomId) ?? <span className="mono">{run.roomId}</span>}</td>
                <td className="mono">{run.memberId}</td>
                <td>{run.language}</td>
                <td className="numeric">{formatDuration(run.durationMs)}</td>
                <td>{describeOutcome(run)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {runs?.length === 0 && <p className="admin-empty">No code has run yet.</p>}
    </section>
  );
}

function describeOutcome(run: AdminExecRun): string {
  const parts = [run.timedOut ? 'timed out' : `exit ${run.exitCode}`];
  if (run.truncated) parts.push('output cut');
  return parts.join(', ');
}
