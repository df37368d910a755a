/**
 * Types of Roomkit's `/embed.js`, which defines the global `Roomkit`. Reference this file (or copy
 * it) in a TypeScript project:
 *
 *   /// <reference path="./roomkit-embed.d.ts" />
 *   const room = Roomkit.mount(element, { getTicket });
 */
declare namespace Roomkit {
  /** What the integrator's server returns: the base64url ticket and its hex HMAC-SHA256. */
  interface TicketPair {
    ticket: string;
    sig: string;
  }

  interface Theme {
    mode?: 'light' | 'dark' | 'auto';
    /** `#rrggbb`; adjusted when needed so that text in it and on it stays readable. */
    accent?: string;
  }

  /** What the frame reports, to `onEvent`. */
  type Event =
    | { name: 'ready' }
    | {
        name: 'joined';
        room: { id: string; name: string };
        member: { id: string; displayName: string; role: 'member' | 'owner' | 'admin' };
      }
    /** Someone else posted; `unread` counts messages not yet seen (0 while the member looks). */
    | { name: 'message'; seq: number; from: string; unread: number }
    /** The unread count changed (back to 0 when the member looks at the frame). */
    | { name: 'unread'; count: number }
    | { name: 'file'; fileId: string; fileName: string; mime: string; from: string }
    | { name: 'call'; state: 'started' | 'ended' }
    | { name: 'room:closing'; closesAt: string }
    | { name: 'room:closed'; reason: string }
    | { name: 'left' }
    | { name: 'error'; code: string; message: string }
    | { name: 'resize'; height: number };

  interface MountOptions {
    /** Asks your server for a fresh signed ticket; called again whenever the frame needs one. */
    getTicket: () => Promise<TicketPair>;
    theme?: Theme;
    onEvent?: (event: Event) => void;
    /** `'auto'`: the frame's height follows its content; otherwise it fills the element. */
    height?: 'auto';
    /** Roomkit's address, when the script is not loaded from it. */
    url?: string;
    /** The frame's accessible name; "Chat" unless given. */
    title?: string;
  }

  interface Embed {
    iframe: HTMLIFrameElement;
    /** Sends a message as the member, through the room's outbox. */
    send: (body: string) => void;
    setTheme: (theme: Theme) => void;
    /** Moves the focus to the room's message box. */
    focus: () => void;
    /** The member leaves the room. */
    leave: () => void;
    /** Removes the frame and stops listening. */
    destroy: () => void;
  }

  /** Mounts a room frame in `element`. */
  function mount(element: HTMLElement, options: MountOptions): Embed;
}
