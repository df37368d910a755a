/**
 * `/embed.js`: a Roomkit room in another site's page, in two lines —
 *
 *   <script src="https://rooms.example/embed.js"></script>
 *   <script>Roomkit.mount(el, { getTicket: () => fetch('/ticket', { method: 'POST' }).then((r) => r.json()) })</script>
 *
 * Built by Vite as a dependency-free IIFE (vite.config.ts) that defines `window.Roomkit`; its
 * types are the hand-kept `public/embed.d.ts`, checked against this file by `embedTypes.check.ts`.
 * The ticket goes to the frame in the URL's fragment (never sent to a server, taken out of the
 * address by the frame at once); every later ticket goes on the port of the frame's
 * `ticket-request`. Messages are taken only from this mount's own frame at the Roomkit origin,
 * so several rooms on one page stay apart.
 */
import type { EmbedEvent, EmbedTheme } from '../../protocol/embed.js';
import { ticketField } from './ticketJson.js';

// Also in protocol/embed.ts, which the snippet does not bundle (it would bring zod along).
const PROTOCOL = 'roomkit-embed';

export type RoomkitEvent = EmbedEvent;
export type RoomkitTheme = EmbedTheme;

export interface TicketPair {
  ticket: string;
  sig: string;
}

export interface MountOptions {
  /** Asks the integrator's server for a fresh signed ticket; called again when the frame needs one. */
  getTicket: () => Promise<TicketPair>;
  theme?: RoomkitTheme;
  onEvent?: (event: RoomkitEvent) => void;
  /** `'auto'`: the frame's height follows its content; otherwise it fills `element`. */
  height?: 'auto';
  /** Roomkit's address, when this script is not loaded from it. */
  url?: string;
  /** The frame's accessible name; "Chat" unless given. */
  title?: string;
}

export interface RoomkitEmbed {
  iframe: HTMLIFrameElement;
  /** Sends a message as the member, through the room's outbox. */
  send: (body: string) => void;
  setTheme: (theme: RoomkitTheme) => void;
  /** Moves the focus to the room's message box. */
  focus: () => void;
  /** The member leaves the room. */
  leave: () => void;
  /** Removes the frame and stops listening. */
  destroy: () => void;
}

// Read while this script runs: `currentScript` is null once it has.
const scriptSrc =
  document.currentScript instanceof HTMLScriptElement ? document.currentScript.src : '';

type Command =
  | { command: 'send'; body: string }
  | { command: 'theme'; theme: RoomkitTheme }
  | { command: 'focus' }
  | { command: 'leave' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Mounts a room frame in `element`. */
export function mount(element: HTMLElement, options: MountOptions): RoomkitEmbed {
  const base = options.url ?? scriptSrc;
  if (!base) throw new Error('Roomkit.mount: pass `url`, the address of Roomkit.');
  const roomkitOrigin = new URL(base, window.location.href).origin;

  const iframe = document.createElement('iframe');
  iframe.title = options.title ?? 'Chat';
  iframe.allow = 'camera; microphone; display-capture; clipboard-write; fullscreen';
  iframe.style.border = '0';
  iframe.style.display = 'block';
  iframe.style.width = '100%';
  iframe.style.height = options.height === 'auto' ? '480px' : '100%';
  element.appendChild(iframe);

  // Commands wait for the frame's `ready`: before it, the frame holds another document.
  let ready = false;
  let destroyed = false;
  const queued: Command[] = options.theme ? [{ command: 'theme', theme: options.theme }] : [];
  const command = (next: Command) => {
    if (destroyed) return;
    if (!ready) {
      queued.push(next);
      return;
    }
    iframe.contentWindow?.postMessage(
      { protocol: PROTOCOL, type: 'command', command: next },
      roomkitOrigin,
    );
  };

  const report = (event: RoomkitEvent) => {
    try {
      options.onEvent?.(event);
    } catch (error) {
      setTimeout(() => {
        throw error;
      });
    }
  };

  const fail = (error: unknown) =>
    report({
      name: 'error',
      code: 'ticket_unavailable',
      message: error instanceof Error ? error.message : String(error),
    });

  const onMessage = (event: MessageEvent) => {
    if (event.source !== iframe.contentWindow || event.origin !== roomkitOrigin) return;
    const data: unknown = event.data;
    if (!isRecord(data) || data.protocol !== PROTOCOL) return;
    if (data.type === 'ticket-request') {
      const port = event.ports[0];
      if (!port) return;
      options.getTicket().then(
        ({ ticket, sig }) => port.postMessage({ ticket, sig }),
        (error: unknown) =>
          port.postMessage({
            error: String(error instanceof Error ? error.message : error).slice(0, 500),
          }),
      );
      return;
    }
    if (data.type !== 'event' || !isRecord(data.event) || typeof data.event.name !== 'string')
      return;
    const roomEvent = data.event as RoomkitEvent;
    if (roomEvent.name === 'ready') {
      ready = true;
      for (const next of queued.splice(0)) command(next);
    }
    if (roomEvent.name === 'resize' && options.height === 'auto') {
      iframe.style.height = `${Math.max(0, Math.round(roomEvent.height))}px`;
    }
    report(roomEvent);
  };
  window.addEventListener('message', onMessage);

  options
    .getTicket()
    .then(({ ticket, sig }) => {
      if (destroyed) return;
      const integrator = ticketField(ticket, 'integratorId');
      if (integrator === null) throw new Error('The ticket names no integratorId.');
      const query = new URLSearchParams({ integrator, origin: window.location.origin });
      const fragment = new URLSearchParams({ ticket, sig });
      iframe.src = `${roomkitOrigin}/embed?${query.toString()}#${fragment.toString()}`;
    })
    .catch(fail);

  return {
    iframe,
    send: (body) => command({ command: 'send', body }),
    setTheme: (theme) => command({ command: 'theme', theme }),
    focus: () => {
      iframe.focus();
      command({ command: 'focus' });
    },
    leave: () => command({ command: 'leave' }),
    destroy: () => {
      destroyed = true;
      window.removeEventListener('message', onMessage);
      iframe.remove();
    },
  };
}
