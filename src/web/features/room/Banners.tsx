import { useEffect, useState } from 'react';
import type { RoomNotice } from './roomReducer.js';

const reasons: Record<string, string> = {
  expired: 'It has reached the end of its life.',
  deleted: 'It was closed by an administrator.',
  kicked: 'An administrator removed you from it. You may be able to join again later.',
  empty: 'Everyone had left it.',
  evicted: 'The server needed its memory back.',
  server_shutdown: 'The server is restarting or shutting down.',
  // Found by this page after a refused reconnect (ENDED_HERE in roomReducer.ts).
  restarted: "It lived in the server's memory, and the server restarted: the room is gone.",
  gone_from_memory:
    "It lived in the server's memory and is gone: the server restarted, or ended it while you " +
    'were disconnected.',
  gone:
    'It no longer exists on the server. If the server runs without a database, a restart ends ' +
    'its rooms.',
  session_ended: 'The room goes on, but your session in it has ended.',
};

/** A sentence for a `room:closing` / `room:closed` reason, which may be a code or a sentence. */
export function describeReason(reason: string): string {
  return reasons[reason] ?? reason;
}

function useSecondsLeft(deadline: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

function formatSeconds(total: number): string {
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes > 0 ? `${minutes}:${String(seconds).padStart(2, '0')}` : `${seconds} s`;
}

export function ClosingBanner({ deadline, reason }: { deadline: number; reason: string }) {
  const secondsLeft = useSecondsLeft(deadline);
  return (
    <div className="banner danger" role="alert">
      This room closes in <strong className="countdown">{formatSeconds(secondsLeft)}</strong>.{' '}
      {describeReason(reason)}
    </div>
  );
}

/**
 * The one banner about the connection: offline, reconnecting (a server restart under way), or not
 * reachable at all; or the countdown to the room's end. The status slot is always mounted, so
 * screen readers announce what appears in it.
 */
export function RoomStatusBanner({
  notice,
  onTryAgain,
}: {
  notice: RoomNotice | null;
  onTryAgain: () => void;
}) {
  const tryAgain = (
    <button type="button" className="small" onClick={onTryAgain}>
      Try again
    </button>
  );
  let content = null;
  if (notice?.kind === 'offline') {
    content = notice.opened ? (
      <div className="banner warn">
        You're offline. <strong>Reconnecting…</strong> Messages you write wait here, not sent yet,
        and go out when you're back online.
      </div>
    ) : (
      <div className="banner warn with-action">
        <span>You're offline. The room opens when you're back online.</span> {tryAgain}
      </div>
    );
  } else if (notice?.kind === 'unreachable') {
    content = (
      <div className="banner warn with-action">
        <span>The server cannot be reached. Trying again…</span> {tryAgain}
      </div>
    );
  } else if (notice?.kind === 'reconnecting') {
    content = (
      <div className="banner warn">
        <strong>Reconnecting…</strong> {notice.serverRestarting ? 'The server is restarting. ' : ''}
        Messages you write wait here, not sent yet, and go out when the connection is back.
      </div>
    );
  }
  return (
    <>
      <div role="status" className="banner-slot">
        {content}
      </div>
      {notice?.kind === 'closing' && (
        <ClosingBanner deadline={notice.deadline} reason={notice.reason} />
      )}
    </>
  );
}
