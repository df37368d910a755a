/**
 * The state of the connection to the room's shared document, as the person sees it, kept from
 * the WebsocketProvider's events by a pure reducer.
 */
import { collabCloseCodes as codes } from '../../../protocol/collab.js';
import { TOO_LARGE_MESSAGE } from './codeLimit.js';

export type CollabPhase = 'connecting' | 'synced' | 'offline' | 'stopped';

export interface CollabStatus {
  phase: CollabPhase;
  /** Whether the document has been in step with the server at least once: editing is safe. */
  loaded: boolean;
  /** Why the connection stopped for good (phase `stopped`). */
  stop: CollabStop | null;
}

export interface CollabStop {
  code: number;
  /** What the page does about it: drop the session, show the room as gone, or explain. */
  action: 'session_ended' | 'room_gone' | 'explain';
  message: string;
  /** Whether trying again by hand may work (e.g. once the code is shorter). */
  retriable: boolean;
}

export type CollabEvent =
  | { type: 'connecting' }
  | { type: 'connected' }
  | { type: 'synced' }
  /** The socket closed; `code` is the close code, or null when we closed it ourselves. */
  | { type: 'closed'; code: number | null }
  | { type: 'retry' };

export const initialCollabStatus: CollabStatus = { phase: 'connecting', loaded: false, stop: null };

/**
 * The close codes of API.md ("Collaborative code") that no reconnection can fix. y-websocket
 * treats the whole 4400–4499 range the same way (the HTTP 4xx convention). The others, 1013
 * `rate_limited` and `overloaded` among them, are left to the provider's reconnection: the page
 * shows "Offline" meanwhile, and the sync on reconnect sends the refused edit again.
 */
export function describeClose(code: number): CollabStop | null {
  switch (code) {
    case codes.unauthorized:
      return {
        code,
        action: 'session_ended',
        message: 'Your session has ended.',
        retriable: false,
      };
    case codes.forbidden:
      return {
        code,
        action: 'explain',
        message: 'You are not allowed to edit the code of this room.',
        retriable: false,
      };
    case codes.room_not_found:
    case codes.room_expired:
      return {
        code,
        action: 'room_gone',
        message: 'This room no longer exists.',
        retriable: false,
      };
    case codes.document_too_large:
      return { code, action: 'explain', message: TOO_LARGE_MESSAGE, retriable: true };
    default:
      return isPermanentClose(code)
        ? {
            code,
            action: 'explain',
            message: 'The server stopped sharing the code with this page.',
            retriable: true,
          }
        : null;
  }
}

export function isPermanentClose(code: number): boolean {
  return code >= 4400 && code < 4500;
}

export function collabReducer(state: CollabStatus, event: CollabEvent): CollabStatus {
  switch (event.type) {
    case 'connecting':
    case 'connected':
      // While reconnecting after a drop, each attempt says "connecting": stay "Offline" until
      // the document is in step again, so the status does not flicker.
      if (state.phase === 'stopped' || state.phase === 'offline') return state;
      return { ...state, phase: 'connecting' };
    case 'synced':
      if (state.phase === 'stopped') return state;
      return { phase: 'synced', loaded: true, stop: null };
    case 'closed': {
      if (state.phase === 'stopped') return state;
      const stop = event.code === null ? null : describeClose(event.code);
      if (stop) return { ...state, phase: 'stopped', stop };
      return { ...state, phase: 'offline' };
    }
    case 'retry':
      return state.phase === 'stopped' ? { ...state, phase: 'connecting', stop: null } : state;
  }
}

/** The words of the status line. */
export function phaseLabel(phase: CollabPhase): string {
  switch (phase) {
    case 'connecting':
      return 'Connecting…';
    case 'synced':
      return 'Synced';
    case 'offline':
    case 'stopped':
      return 'Offline';
  }
}
