/**
 * Embedding (API.md, "Embedding"; docs/embedding.md): the signed ticket an integrator's server
 * issues, `POST /embed/exchange`, and the messages a room frame and its parent page exchange
 * with `postMessage`. The frame checks the parent's messages with these schemas; `/embed.js`
 * (dependency-free) speaks the same messages.
 */
import { z } from 'zod';
import { memberSchema, type Member } from './members.js';
import { roomSchema } from './rooms.js';

/** The longest `ticket` accepted, in characters of base64url (about 3 KiB of JSON). */
export const EMBED_TICKET_MAX_CHARS = 4096;
/** How far in the future a ticket's `issuedAt` may be (the integrator's clock running ahead). */
export const EMBED_CLOCK_SKEW_MS = 30_000;
/** The longest a ticket may live: `expiresAt − issuedAt`. */
export const EMBED_MAX_LIFETIME_MS = 60_000;

/** An integrator's id, as `INTEGRATORS_FILE` and tickets name it. */
export const integratorIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, ".", "_" or "-", at most 64');

/** `https://shop.example` or `http://localhost:3000`: a scheme, a host and a port, nothing else. */
export const webOriginSchema = z
  .string()
  .max(300)
  .refine(isWebOrigin, 'an origin: scheme://host[:port], without a path or a trailing slash');

export function isWebOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

/** A theme for the frame: light, dark or the viewer's system setting, and an accent colour. */
export const embedThemeSchema = z.strictObject({
  mode: z.enum(['light', 'dark', 'auto']).optional(),
  accent: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
    .optional(),
});
export type EmbedTheme = z.infer<typeof embedThemeSchema>;

const isoTime = z.iso.datetime({ offset: true });

/**
 * The ticket's JSON, before base64url. Fields beyond these are ignored. `displayName` is checked
 * in full by the display-name rules (protocol/displayName.ts) once the signature holds.
 */
export const embedTicketSchema = z.object({
  integratorId: integratorIdSchema,
  /** The integrator's own name for the room; Roomkit keeps one room per integrator and name. */
  roomId: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits, ".", "_", ":" or "-", at most 128'),
  /** The integrator's id of the person: the same id comes back as the same member. */
  userId: z.string().regex(/^[\x21-\x7e]{1,128}$/, 'visible ASCII characters, at most 128'),
  displayName: z.string().max(400),
  role: z.enum(['member', 'owner']),
  origin: webOriginSchema,
  issuedAt: isoTime,
  expiresAt: isoTime,
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, '16 to 128 base64url characters'),
  avatarUrl: z
    .url({ protocol: /^https$/ })
    .max(2048)
    .optional(),
  /** The room's name, used when the ticket creates it. */
  roomName: z.string().trim().min(1).max(80).optional(),
  theme: embedThemeSchema.optional(),
});
export type EmbedTicket = z.infer<typeof embedTicketSchema>;

/** What an integrator hands over: the base64url ticket and its hex HMAC-SHA256. */
export const embedTicketPairSchema = z.strictObject({
  ticket: z.string().min(1).max(EMBED_TICKET_MAX_CHARS),
  // An empty or malformed signature is a signature that does not hold (401), not a bad request.
  sig: z.string().max(256),
});
export type EmbedTicketPair = z.infer<typeof embedTicketPairSchema>;

/** `POST /embed/exchange`'s answer: the member token the frame keeps in memory. */
export const embedSessionSchema = z.object({
  token: z.string().min(1),
  member: memberSchema,
  room: roomSchema,
  integratorId: integratorIdSchema,
  /** The parent page's origin, from the ticket: the only origin the frame talks to. */
  origin: webOriginSchema,
  theme: embedThemeSchema.optional(),
});
export type EmbedSession = z.infer<typeof embedSessionSchema>;

/** The frame's own URL: `/embed?integrator=<id>&origin=<parent origin>`, checked by the server. */
export const embedPageQuerySchema = z.object({
  integrator: integratorIdSchema,
  origin: webOriginSchema,
});

// ——— Messages between the frame and its parent page (window.postMessage). ———

/** Every message of the protocol carries this, so either side ignores everything else. */
export const EMBED_PROTOCOL = 'roomkit-embed';
export const EMBED_PROTOCOL_VERSION = 1;

/** A command from the parent page to the frame. */
export const embedCommandSchema = z.discriminatedUnion('command', [
  z.strictObject({ command: z.literal('send'), body: z.string().min(1).max(10_000) }),
  z.strictObject({ command: z.literal('theme'), theme: embedThemeSchema }),
  z.strictObject({ command: z.literal('focus') }),
  z.strictObject({ command: z.literal('leave') }),
]);
export type EmbedCommand = z.infer<typeof embedCommandSchema>;

/**
 * Parent → frame, through `iframe.contentWindow.postMessage(…, roomkitOrigin)`. The frame
 * accepts them only from `window.parent` and only when `event.origin` is the origin its URL
 * names, which must also be the ticket's origin.
 * - `ticket`: a ticket handed over without the snippet's port (a hand-written integration).
 * - `command`: one of `embedCommandSchema`.
 */
export const parentMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    protocol: z.literal(EMBED_PROTOCOL),
    type: z.literal('ticket'),
    ticket: z.string().min(1).max(EMBED_TICKET_MAX_CHARS),
    sig: z.string().min(1).max(256),
  }),
  z.strictObject({
    protocol: z.literal(EMBED_PROTOCOL),
    type: z.literal('command'),
    command: embedCommandSchema,
  }),
]);
export type ParentMessage = z.infer<typeof parentMessageSchema>;

/** An event the frame reports to its parent page, to the ticket's origin only. */
export type EmbedEvent =
  /** The frame has loaded (also after a reload); a ticket-request follows when it has none. */
  | { name: 'ready' }
  /** The ticket was exchanged: the member is in the room. */
  | {
      name: 'joined';
      room: { id: string; name: string };
      member: Member;
    }
  /**
   * Someone else posted a message; `unread` counts those not yet seen in the frame (0 while the
   * member is looking at it: the page shown and the frame focused).
   */
  | { name: 'message'; seq: number; from: string; unread: number }
  /** The unread count changed: a message arrived unseen, or the member looked (back to 0). */
  | { name: 'unread'; count: number }
  /** Someone shared a file. */
  | { name: 'file'; fileId: string; fileName: string; mime: string; from: string }
  /** A call started or ended in the room. */
  | { name: 'call'; state: 'started' | 'ended' }
  /** The room will close at `closesAt` (ISO 8601). */
  | { name: 'room:closing'; closesAt: string }
  /** The room has ended. */
  | { name: 'room:closed'; reason: string }
  /** The member left from inside the frame (or was removed). */
  | { name: 'left' }
  /** Something failed: the refusal code (API.md, "Errors") and a human message. */
  | { name: 'error'; code: string; message: string }
  /** The height the frame's content would like, in CSS pixels. */
  | { name: 'resize'; height: number };

/**
 * Frame → parent, through `window.parent.postMessage(…, origin)` where `origin` is the one its
 * URL names (a browser delivers nothing to a parent of another origin):
 * - `ticket-request`: the frame needs a ticket (it has just loaded or reloaded without one, or
 *   its session ended); the message carries a `MessagePort` on which the parent answers
 *   `{ ticket, sig }` or `{ error }`.
 * - `event`: an `EmbedEvent`.
 */
export type FrameMessage =
  | { protocol: typeof EMBED_PROTOCOL; type: 'ticket-request'; version: number }
  | { protocol: typeof EMBED_PROTOCOL; type: 'event'; event: EmbedEvent };

/** The parent's answer on a `ticket-request`'s port. */
export const ticketAnswerSchema = z.union([
  embedTicketPairSchema,
  z.strictObject({ error: z.string().max(500) }),
]);
