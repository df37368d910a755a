import { useId } from 'react';
import type { AdminStats } from '../../../protocol/admin.js';
import { formatBytes } from '../files/formatBytes.js';
import { formatRate, formatShare, formatUptime, memoryMarks } from './adminFormat.js';
import { Sparkline } from './Sparkline.js';
import type { StatsHistory } from './statsHistory.js';

/** The server at a glance: what `GET /api/admin/stats` said last, and the last minute of it. */
export function StatsPanel({ stats, history }: { stats: AdminStats; history: StatsHistory }) {
  const headingId = useId();
  const memoryId = useId();
  const { memory, connectionsByTransport: by } = stats;
  const marks = memoryMarks(memory.budgetBytes);
  return (
    <section className="admin-section" aria-labelledby={headingId}>
      <h2 id={headingId}>Server</h2>
      <dl className="admin-stats">
        <div>
          <dt>Rooms</dt>
          <dd className="figure">{stats.rooms}</dd>
        </div>
        <div>
          <dt>Members</dt>
          <dd>
            <span className="figure">{stats.members}</span> {stats.online} online
          </dd>
        </div>
        <div>
          <dt>Connections</dt>
          <dd>
            <span className="figure">{stats.connections}</span> socket {by.socket} · SSE {by.sse} ·
            collab {by.collab}
            <Sparkline label="Connections" values={history.connections} />
          </dd>
        </div>
        <div>
          <dt id={memoryId}>Memory</dt>
          <dd>
            <meter
              aria-labelledby={memoryId}
              min={0}
              max={marks.max}
              low={marks.low}
              high={marks.high}
              optimum={0}
              value={Math.min(memory.usedBytes, marks.max)}
            />
            <span>
              {formatBytes(memory.usedBytes)} of {formatBytes(memory.budgetBytes)} (
              {formatShare(memory.usedBytes, memory.budgetBytes)}){' '}
              <strong className={`memory-level ${memory.level}`}>{memory.level}</strong>
            </span>
          </dd>
        </div>
        <div>
          <dt>Messages</dt>
          <dd>
            <span className="figure">{formatRate(stats.rates.messages)}</span>
            <Sparkline label="Messages a second" values={history.messages} format={formatRate} />
          </dd>
        </div>
        <div>
          <dt>Uploads</dt>
          <dd>
            <span className="figure">{formatRate(stats.rates.uploads)}</span>
            <Sparkline label="Uploads a second" values={history.uploads} format={formatRate} />
          </dd>
        </div>
        <div>
          <dt>Code runs</dt>
          <dd>
            <span className="figure">{stats.exec.running}</span> running, {stats.exec.queued} queued
          </dd>
        </div>
        <div>
          <dt>Calls</dt>
          <dd>
            <span className="figure">{stats.calls.inProgress}</span> going on,{' '}
            {stats.calls.participants} {stats.calls.participants === 1 ? 'person' : 'people'} in
            them
          </dd>
        </div>
        <div>
          <dt>Up for</dt>
          <dd className="figure">{formatUptime(stats.uptimeSeconds)}</dd>
        </div>
      </dl>
    </section>
  );
}
