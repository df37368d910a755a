/** The exec endpoints of API.md ("Code execution") used by the web client. */
import { api, ApiError } from '../../lib/api.js';
import { parseLanguages, parseResult, type ExecResult, type ExecSupport } from './exec.js';

/** Only an answer that lists languages is kept, so a page that was offline asks again. */
let known: ExecSupport | null = null;

/**
 * Whether the server runs code, and which languages. A server without the endpoint (404), with
 * execution off, or out of reach means "unavailable".
 */
export async function fetchExecSupport(): Promise<ExecSupport> {
  if (known) return known;
  try {
    const languages = parseLanguages(await api<unknown>('/api/exec/languages'));
    if (languages === null) return { state: 'unavailable' };
    known = { state: 'ready', languages };
    return known;
  } catch {
    return { state: 'unavailable' };
  }
}

export async function runCode(
  roomId: string,
  token: string,
  run: { language: string; code: string; stdin?: string },
  signal?: AbortSignal,
): Promise<ExecResult> {
  const body = await api<unknown>(`/api/rooms/${encodeURIComponent(roomId)}/exec`, {
    token,
    body: run,
    ...(signal ? { signal } : {}),
  });
  const result = parseResult(body);
  if (!result) {
    throw new ApiError('internal_error', 'The server sent a result this page cannot read.', 200);
  }
  return result;
}

/** Stops this member's run going on in the room (its result comes as any run's does). */
export async function stopRun(roomId: string, token: string): Promise<void> {
  await api<unknown>(`/api/rooms/${encodeURIComponent(roomId)}/exec/stop`, {
    token,
    method: 'POST',
  });
}
