import { useEffect, useState } from 'react';
import type { JoinCodeRoom } from '../../../protocol/schemas.js';
import { ApiError } from '../../lib/api.js';
import { lookUpJoinCode } from '../room/roomApi.js';
import { joinCodeProblem } from './joinCode.js';

export type JoinCodeLookup =
  | { code: string; status: 'checking' }
  | { code: string; status: 'found'; room: JoinCodeRoom }
  | { code: string; status: 'unknown' }
  /** Not answered (rate limited, offline): the join itself will tell. */
  | { code: string; status: 'unanswered' };

/** How long typing pauses before a complete code is looked up. */
const PAUSE_MS = 250;

/**
 * Looks up a complete join code (`GET /api/join-codes/:code`) once typing pauses; null while the
 * code is incomplete or not a code. Only complete codes are asked about: look-ups count towards
 * the same per-address limit as joins.
 */
export function useJoinCodeLookup(code: string, pauseMs = PAUSE_MS): JoinCodeLookup | null {
  const [lookup, setLookup] = useState<JoinCodeLookup | null>(null);
  const complete = joinCodeProblem(code) === null;
  useEffect(() => {
    if (!complete) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      setLookup({ code, status: 'checking' });
      lookUpJoinCode(code, controller.signal).then(
        (room) => setLookup({ code, status: 'found', room }),
        (error: unknown) => {
          if (controller.signal.aborted) return;
          const unknown = error instanceof ApiError && error.code === 'room_not_found';
          setLookup({ code, status: unknown ? 'unknown' : 'unanswered' });
        },
      );
    }, pauseMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [code, complete, pauseMs]);
  return complete && lookup?.code === code ? lookup : null;
}
