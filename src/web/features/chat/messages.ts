import type { Message } from '../../../protocol/schemas.js';

/**
 * A message typed here and not yet confirmed by the server: the outbox. `queued` waits for the
 * connection ("Not sent yet"), `sending` was emitted and awaits its answer, `failed` was refused
 * or not answered and waits for "Retry". Its `clientMsgId` makes every attempt the same message
 * to the server, so sending it again can never post it twice.
 */
export interface PendingMessage {
  clientMsgId: string;
  body: string;
  createdAt: string;
  status: 'queued' | 'sending' | 'failed';
  /** Counts emits, so the late answer to an earlier attempt is not taken for the current one. */
  attempt: number;
  error?: string;
}

/**
 * Merges messages into a list kept in ascending `seq` order with one entry per seq. The same
 * message can arrive several times (room:state after a reconnect, replay, the send ack and
 * message:new); the newest copy wins.
 */
export function mergeMessages(
  current: readonly Message[],
  incoming: readonly Message[],
): readonly Message[] {
  if (incoming.length === 0) return current;
  const [only] = incoming;
  const last = current.at(-1);
  // The common case, one new message after the others, without re-sorting.
  if (incoming.length === 1 && only && (last === undefined || only.seq > last.seq)) {
    return [...current, only];
  }
  const bySeq = new Map<number, Message>();
  for (const message of current) bySeq.set(message.seq, message);
  for (const message of incoming) bySeq.set(message.seq, message);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Replaces a message already in the list (same id), e.g. when a link preview is attached. */
export function updateMessage(current: readonly Message[], updated: Message): readonly Message[] {
  const index = current.findIndex((message) => message.id === updated.id);
  if (index === -1) return mergeMessages(current, [updated]);
  const next = [...current];
  next[index] = updated;
  return next;
}

/** Drops the optimistic copies of messages the server has now confirmed. */
export function settlePending(
  pending: readonly PendingMessage[],
  confirmed: readonly Message[],
): readonly PendingMessage[] {
  if (pending.length === 0) return pending;
  const ids = new Set(confirmed.map((message) => message.clientMsgId));
  return pending.some((message) => ids.has(message.clientMsgId))
    ? pending.filter((message) => !ids.has(message.clientMsgId))
    : pending;
}

/** How many system lines in a row are shown as they are; a longer run folds into one line. */
export const SYSTEM_RUN_SHOWN = 2;

/** A line of the message list: a message, or a run of system lines folded into one. */
export type ListEntry =
  | { kind: 'message'; message: Message; previous: Message | undefined }
  | { kind: 'system-run'; messages: readonly Message[] };

/**
 * The list as it is shown: runs of more than SYSTEM_RUN_SHOWN system lines (joins, leaves, code
 * runs) fold into one entry, so a burst of them never pushes the conversation off screen.
 */
export function listEntries(messages: readonly Message[]): ListEntry[] {
  const entries: ListEntry[] = [];
  for (let i = 0; i < messages.length;) {
    let end = i;
    while (end < messages.length && messages[end]!.type === 'system') end++;
    if (end - i > SYSTEM_RUN_SHOWN) {
      entries.push({ kind: 'system-run', messages: messages.slice(i, end) });
      i = end;
      continue;
    }
    const stop = Math.max(end, i + 1);
    for (; i < stop; i++) {
      entries.push({ kind: 'message', message: messages[i]!, previous: messages[i - 1] });
    }
  }
  return entries;
}
