import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../../lib/errorMessages.js';
import type { RoomSocket } from '../../lib/socket.js';
import { fetchRoom } from '../room/roomApi.js';
import {
  applyExecEvent,
  noRoomExec,
  parseResultEvent,
  parseRoomExec,
  parseRunning,
  type ExecSupport,
  type RoomExec,
} from './exec.js';
import { fetchExecSupport, runCode, stopRun } from './execApi.js';

export interface ExecState {
  support: ExecSupport;
  /** The room's last run (by anyone, `lastRun`) and the runs going on (`running`). */
  room: RoomExec;
  /** This person's run is on its way (from the click until its answer). */
  running: boolean;
  error: string | null;
  run: (run: { language: string; code: string; stdin: string }) => void;
  /** Stops this person's run going on. */
  stop: () => void;
}

const failures = {
  not_found: "Code execution isn't available on this server.",
  rate_limited: 'You can run code 10 times a minute; wait a moment.',
  too_large: 'The code or its input is too large to run.',
};

/**
 * Running the shared code (API.md, "Code execution"). The room's runs are room state: the last
 * one and those going on come with `room:state` (and the room's snapshot, for a panel opened
 * after the socket connected), then `exec:started` and `exec:result` keep them current, so
 * whoever opens the tab later, reloads or joins late sees the same output as everyone.
 */
export function useExec(
  session: { roomId: string; token: string; member: { id: string } },
  socket: RoomSocket | null,
): ExecState {
  const [support, setSupport] = useState<ExecSupport>({ state: 'loading' });
  const [room, setRoom] = useState<RoomExec>(noRoomExec);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef<AbortController | null>(null);
  const socketRef = useRef(socket);
  useEffect(() => {
    socketRef.current = socket;
  }, [socket]);
  const { roomId, token } = session;
  const memberId = session.member.id;

  useEffect(() => {
    let current = true;
    void fetchExecSupport().then((answer) => {
      if (current) setSupport(answer);
    });
    // The socket's room:state went out before this panel was opened: the snapshot has it.
    void fetchRoom(roomId, token).then(
      (snapshot) => {
        const state = parseRoomExec((snapshot as { exec?: unknown }).exec);
        if (current && state) setRoom(state);
      },
      () => {},
    );
    return () => {
      current = false;
    };
  }, [roomId, token]);

  useEffect(() => {
    if (!socket) return;
    const onState = (state: { exec?: unknown }) => {
      const exec = parseRoomExec(state.exec);
      if (exec) setRoom(exec);
    };
    const onStarted = (payload: unknown) => {
      const run = parseRunning(payload);
      if (run) setRoom((state) => applyExecEvent(state, { type: 'started', run }));
    };
    const onResult = (payload: unknown) => {
      const result = parseResultEvent(payload);
      if (!result) return;
      setRoom((state) => applyExecEvent(state, { type: 'result', result, at: new Date() }));
      if (result.memberId === memberId) setError(null);
    };
    socket.on('room:state', onState);
    socket.on('exec:started', onStarted);
    socket.on('exec:result', onResult);
    return () => {
      socket.off('room:state', onState);
      socket.off('exec:started', onStarted);
      socket.off('exec:result', onResult);
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
          // The room's exec:result brings it, in the room's order; without a connected socket
          // this answer is all there is.
          (result) => {
            if (socketRef.current?.connected) return;
            setRoom((state) =>
              applyExecEvent(state, {
                type: 'result',
                result: { memberId, language, result },
                at: new Date(),
              }),
            );
          },
          (failure: unknown) => {
            if (failure instanceof DOMException && failure.name === 'AbortError') return;
            setError(describeError(failure, failures));
          },
        )
        .finally(() => {
          if (inFlight.current === controller) inFlight.current = null;
          setRunning(false);
        });
    },
    [roomId, token, memberId],
  );

  const stop = useCallback(() => {
    stopRun(roomId, token).catch((failure: unknown) =>
      setError(describeError(failure, { not_found: 'That run has already ended.' })),
    );
  }, [roomId, token]);

  return { support, room, running, error, run, stop };
}
