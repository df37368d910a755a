/**
 * What the frame accepts from its parent page, and how it speaks to it. A message counts only when
 * it comes from `window.parent` (not a sibling frame or a popup) and from the origin the frame's
 * URL names, and when it parses as the protocol (`parentMessageSchema`); anything else is ignored
 * without a word, as pages receive many messages that are not for them.
 */
import {
  EMBED_PROTOCOL,
  EMBED_PROTOCOL_VERSION,
  parentMessageSchema,
  ticketAnswerSchema,
  type EmbedEvent,
  type EmbedTicketPair,
  type FrameMessage,
  type ParentMessage,
} from '../../../protocol/embed.js';

/** The parts of a `MessageEvent` the check reads. */
export interface IncomingMessage {
  source: unknown;
  origin: string;
  data: unknown;
}

/** The parent's message, or null when it is not from the parent at `origin` or not valid. */
export function acceptParentMessage(
  event: IncomingMessage,
  expected: { parent: unknown; origin: string },
): ParentMessage | null {
  if (event.source !== expected.parent || event.source === null) return null;
  if (event.origin !== expected.origin) return null;
  const parsed = parentMessageSchema.safeParse(event.data);
  return parsed.success ? parsed.data : null;
}

/** An answer on a ticket-request's port: the pair, the parent's refusal, or null when invalid. */
export function readTicketAnswer(data: unknown): EmbedTicketPair | { error: string } | null {
  const parsed = ticketAnswerSchema.safeParse(data);
  return parsed.success ? parsed.data : null;
}

export function eventMessage(event: EmbedEvent): FrameMessage {
  return { protocol: EMBED_PROTOCOL, type: 'event', event };
}

export function ticketRequestMessage(): FrameMessage {
  return { protocol: EMBED_PROTOCOL, type: 'ticket-request', version: EMBED_PROTOCOL_VERSION };
}
