import { useEffect, useState } from 'react';

const reasons: Record<string, string> = {
  expired: 'It has reached the end of its life.',
  deleted: 'It was closed by an administrator.',
  empty: 'Everyone had left it.',
  evicted: 'The server needed its memory back.',
  server_shutdown: 'The server is restarting or shutting down.',
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

/** Always mounted, so screen readers announce the banner when it appears. */
export function ConnectionBanner({ reconnecting }: { reconnecting: boolean }) {
  return (
    <div role="status" className="banner-slot">
      {reconnecting && <div className="banner warn">Reconnecting…</div>}
    </div>
  );
}
