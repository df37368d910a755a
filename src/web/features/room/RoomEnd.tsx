import { useEffect, useState } from 'react';
import type { Room } from '../../../protocol/schemas.js';
import { describeError } from '../../lib/errorMessages.js';
import { extendRoom, keepRoom } from './roomApi.js';
import {
  expiringWarning,
  extensionSeconds,
  formatCountdown,
  roomEndView,
  SOON_MS,
} from './roomEnd.js';
import { useServerKeepsRooms } from './useServerKeepsRooms.js';

/** The time, ticking each second in the last 15 minutes and each half minute before. */
function useNow(expiresAt: string | null): number {
  const [now, setNow] = useState(() => Date.now());
  const soon = expiresAt !== null && Date.parse(expiresAt) - now <= SOON_MS;
  useEffect(() => {
    if (expiresAt === null) return;
    const timer = setInterval(() => setNow(Date.now()), soon ? 1_000 : 30_000);
    return () => clearInterval(timer);
  }, [expiresAt, soon]);
  return now;
}

/**
 * When the room ends: a quiet line while it is far, a countdown in its last 15 minutes, and an
 * alert for each `room:expiring` warning (5 minutes and 1 minute before). The owner gets the
 * "Extend room" button, which keeps the room for another hour past its current end, and, where
 * the server has a database, "Keep this room", which keeps it until it is deleted.
 */
export function RoomEnd({
  room,
  token,
  isOwner,
  warning,
  onUpdated,
  offerKeep = true,
}: {
  room: Room;
  token: string;
  isOwner: boolean;
  /** False in an embedded room: how long it lasts is the integrator's setting. */
  offerKeep?: boolean;
  warning: { secondsLeft: number } | null;
  onUpdated: (room: Room) => void;
}) {
  const now = useNow(room.expiresAt);
  const keeps = useServerKeepsRooms(offerKeep && isOwner && !room.persistent);
  const [busy, setBusy] = useState(false);
  const [kept, setKept] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const view = roomEndView(room.expiresAt, now);
  if (view.kind === 'none' || room.expiresAt === null) {
    return kept ? (
      <div className="room-end quiet" role="status">
        This room is kept until it is deleted.
      </div>
    ) : null;
  }
  const expiresAt = room.expiresAt;

  const change = async (ask: () => Promise<{ room: Room }>, onDone?: () => void) => {
    setBusy(true);
    setError(null);
    try {
      onUpdated((await ask()).room);
      onDone?.();
    } catch (failure) {
      setError(describeError(failure, { forbidden: 'Only the owner of the room can do that.' }));
    }
    setBusy(false);
  };
  const extend = () =>
    change(() => extendRoom(room.id, token, extensionSeconds(expiresAt, Date.now())));
  const keep = () =>
    change(
      () => keepRoom(room.id, token),
      () => setKept(true),
    );

  const button = isOwner && (
    <>
      <button
        type="button"
        className="small"
        title="Keep for another hour"
        onClick={() => void extend()}
        disabled={busy}
      >
        Extend room
      </button>
      {keeps && !room.persistent && (
        <>
          {' '}
          <button
            type="button"
            className="small quiet"
            title="Keep until deleted"
            onClick={() => void keep()}
            disabled={busy}
          >
            Keep this room
          </button>
        </>
      )}
    </>
  );
  const soon = view.kind === 'soon';
  return (
    <div className={soon ? `room-end banner ${warning ? 'danger' : 'warn'}` : 'room-end quiet'}>
      {warning && <span role="alert">{expiringWarning(warning.secondsLeft)} </span>}
      {soon ? (
        <span>
          Ends in <strong className="countdown">{formatCountdown(view.secondsLeft)}</strong>.
        </span>
      ) : (
        <span>{view.text}</span>
      )}{' '}
      {button}
      {error && (
        <span className="field-error" role="alert">
          {' '}
          {error}
        </span>
      )}
    </div>
  );
}
