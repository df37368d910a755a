import { useCallback, useEffect, useRef, useState } from 'react';
import type { Socket } from 'socket.io-client';
import { describeError } from '../../lib/errorMessages.js';
import type { RoomSocket } from '../../lib/socket.js';
import { parseResultEvent, type ExecResultEvent, type ExecSupport } from './exec.js';
import { fetchExecSupport, runCode } from './execApi.js';

/** `exec:result` is not in the shared event map yet (src/protocol/events.ts). */
type ExecEvents = { 'exec:result': (payload: unknown) => void };

export interface ExecState {
  support: ExecSupport;
  /** The latest run in the room, by anyone. */
  latest: ExecResultEvent | null;
  running: boolean;
  error: string | null;
  run: (run: { language: string; code: string; stdin: string }) => void;
}

/**
 * Running the shared code (API.md, "Code execution"): the runner gets the result in the HTTP
 * answer, everyone else through `exec:result` on the room socket, so the Output shows the room's
 * latest run whoever started it.
 */
export function useExec(
  session: { roomId: string; token: string; member: { id: string } },
  socket: RoomSocket | null,
): ExecState {
  const [support, setSupport] = useState<ExecSupport>({ state: 'loading' });
  const [latest, setLatest] = useState<ExecResultEvent | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef<AbortController | null>(null);
  const { roomId, token } = session;
  const memberId = session.member.id;

  useEffect(() => {
    let current = true;
    void fetchExecSupport().then((answer) => {
      if (current) setSupport(answer);
    });
    return () => {
      current = false;
    };
  }, []);

  useEffect(() => {
    if (!socket) return;
    const events = socket as unknown as Socket<ExecEvents>;
    const onResult = (payload: unknown) => {
      const event = parseResultEvent(payload);
      // Our own run is shown from the HTTP answer, which may come after this event.
      if (!event || (event.memberId === memberId && inFlight.current)) return;
      setLatest(event);
      setError(null);
    };
    events.on('exec:result', onResult);
    return () => {
      events.off('exec:result', onResult);
    };
  }, [socket, memberId]);

  useEffect(() => () => inFlight.current?.abort(), []);

  const run = useCallback(
    ({ language, code, stdin }: { language: string; code: string; stdin: string }) => {
      if (inFlight.current) return;
      const controller = new AbortController();
      inFlight.current = controller;
      setRunning(true);
      setError(null);
      runCode(roomId, token, { language, code, ...(stdin ? { stdin } : {}) }, controller.signal)
        .then(
          (result) => setLatest({ memberId, language, result }),
          (failure: unknown) => {
            if (failure instanceof DOMException && failure.name === 'AbortError') return;
            setError(
              describeError(failure, {
                not_found: "Code execution isn't available on this server.",
                rate_limited: 'You can run code 10 times a minute; wait a moment.',
                too_large: 'The code or its input is too large to run.',
              }),
            );
          },
        )
        .finally(() => {
          if (inFlight.current === controller) inFlight.current = null;
          setRunning(false);
        });
    },
    [roomId, token, memberId],
  );

  return { support, latest, running, error, run };
}
