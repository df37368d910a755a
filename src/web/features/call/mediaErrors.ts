/**
 * Plain words for why the microphone, camera or screen could not be used, and what to do about
 * it. The browser names the failure (a DOMException's `name`); nothing here reads its message.
 */

export type MediaKind = 'microphone' | 'camera' | 'microphone and camera' | 'screen';

/** The page is not served over https (or localhost): browsers then offer no media at all. */
export const INSECURE_CONTEXT = 'InsecureContext';

export function mediaErrorName(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'name' in error) {
    const { name } = error;
    if (typeof name === 'string') return name;
  }
  return 'Error';
}

/**
 * A sentence or two for a person whose `kind` could not be started because of `error` (or
 * `INSECURE_CONTEXT`). Every answer says what to do next; the call itself stays open to them.
 */
export function describeMediaError(error: unknown, kind: MediaKind): string {
  const name = typeof error === 'string' ? error : mediaErrorName(error);
  const it = kind === 'microphone and camera' ? 'them' : 'it';
  switch (name) {
    case INSECURE_CONTEXT:
      return 'Calls need a secure connection: open this room at its https:// address. You can still listen to the call.';
    case 'NotAllowedError':
    case 'PermissionDeniedError':
      if (kind === 'screen')
        return 'Screen sharing was cancelled or is not allowed in this browser.';
      return `The browser is not letting Roomkit use your ${kind}. Allow ${it} in the site settings (the icon beside the address), then turn ${it} on again. Until then you can listen.`;
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      if (kind === 'screen') return 'There is no screen this browser can share.';
      return `No ${kind} was found. Plug one in (or check it is switched on), then turn ${it} on again. Until then you can listen.`;
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return `Your ${kind} is busy: another app or tab is using ${it}. Close that, then turn ${it} on again.`;
    case 'OverconstrainedError':
      return `The chosen ${kind} is not available any more. Pick another one.`;
    case 'NotSupportedError':
    case 'TypeError':
      return kind === 'screen'
        ? 'This browser cannot share a screen.'
        : `This browser cannot use a ${kind} here. Try another browser; you can still listen.`;
    default:
      return `Your ${kind} could not be started. Try again, or join to listen only.`;
  }
}

/** The words for a refused `call:join`, by its code and `details.reason`. */
export function describeJoinRefusal(error: { code: string; message: string; details?: unknown }) {
  const { code, details } = error;
  const reason =
    typeof details === 'object' && details !== null && 'reason' in details
      ? details.reason
      : undefined;
  // The server's words name this server's limits.
  if (code === 'forbidden' && reason === 'call_full') {
    return `${error.message} Try again when someone leaves.`;
  }
  if (code === 'rate_limited') return 'Too many attempts; wait a moment, then try again.';
  if (code === 'forbidden') return 'You cannot join this call.';
  if (code === 'upstream_failed') return error.message;
  return 'Could not join the call. Check your connection and try again.';
}
