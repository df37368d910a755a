import type { Preview } from '../../../protocol/schemas.js';
import type { MessageDraft, MessageRecord } from '../records.js';
import type { MessagePage, MessageStore } from '../MessageStore.js';

interface Log {
  lastSeq: number;
  /** Ascending by seq; the oldest are dropped past `maxPerRoom`. */
  messages: MessageRecord[];
  byClientMsgId: Map<string, MessageRecord>;
}

/**
 * Message logs in RAM. A room keeps its newest `maxPerRoom` messages so that a flood cannot grow
 * the process without bound; seq keeps counting past dropped messages.
 */
export class MemoryMessageStore implements MessageStore {
  private readonly logs = new Map<string, Log>();

  constructor(private readonly maxPerRoom = 10_000) {}

  async append(draft: MessageDraft): Promise<{ message: MessageRecord; created: boolean }> {
    let log = this.logs.get(draft.roomId);
    if (!log) {
      log = { lastSeq: 0, messages: [], byClientMsgId: new Map() };
      this.logs.set(draft.roomId, log);
    }
    const key =
      draft.clientMsgId === undefined
        ? undefined
        : `${draft.sender?.id ?? ''}\u0000${draft.clientMsgId}`;
    const seen = key === undefined ? undefined : log.byClientMsgId.get(key);
    if (seen) return { message: { ...seen }, created: false };

    const message = storedMessage(draft, ++log.lastSeq);
    log.messages.push(message);
    if (key !== undefined) log.byClientMsgId.set(key, message);
    if (log.messages.length > this.maxPerRoom) {
      const dropped = log.messages.shift() as MessageRecord;
      if (dropped.clientMsgId !== undefined) {
        log.byClientMsgId.delete(`${dropped.sender?.id ?? ''}\u0000${dropped.clientMsgId}`);
      }
    }
    return { message: { ...message }, created: true };
  }

  async listBefore(
    roomId: string,
    before: number | undefined,
    limit: number,
  ): Promise<MessagePage> {
    const messages = this.logs.get(roomId)?.messages ?? [];
    const end = before === undefined ? messages.length : lowerBound(messages, before);
    const start = Math.max(0, end - limit);
    return { messages: messages.slice(start, end).map((m) => ({ ...m })), hasMore: start > 0 };
  }

  async listAfter(roomId: string, after: number, limit: number): Promise<MessagePage> {
    const messages = this.logs.get(roomId)?.messages ?? [];
    const start = lowerBound(messages, after + 1);
    const end = Math.min(messages.length, start + limit);
    return {
      messages: messages.slice(start, end).map((m) => ({ ...m })),
      hasMore: end < messages.length,
    };
  }

  async getMessage(roomId: string, messageId: string): Promise<MessageRecord | undefined> {
    const message = this.logs.get(roomId)?.messages.find((m) => m.id === messageId);
    return message && { ...message };
  }

  async setPreview(
    roomId: string,
    seq: number,
    preview: Preview | null,
  ): Promise<MessageRecord | undefined> {
    const messages = this.logs.get(roomId)?.messages ?? [];
    const message = messages[lowerBound(messages, seq)];
    if (message?.seq !== seq) return undefined;
    if (preview === null) delete message.preview;
    else message.preview = preview;
    return { ...message };
  }

  async deleteRoom(roomId: string): Promise<void> {
    this.logs.delete(roomId);
  }

  async close(): Promise<void> {
    this.logs.clear();
  }
}

/** Index of the first message whose seq is >= `seq`. */
function lowerBound(messages: MessageRecord[], seq: number): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((messages[mid] as MessageRecord).seq < seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The log's own copy of a message, written out rather than spread from the draft: V8 gives a
 * spread copy with an added property a backing store of its own, nearly three times the size,
 * and the log keeps every message for the room's life.
 */
function storedMessage(draft: MessageDraft, seq: number): MessageRecord {
  const message: MessageRecord = {
    id: draft.id,
    roomId: draft.roomId,
    seq,
    type: draft.type,
    body: draft.body,
    sender: draft.sender,
    createdAt: draft.createdAt,
  };
  if (draft.clientMsgId !== undefined) message.clientMsgId = draft.clientMsgId;
  if (draft.fileId !== undefined) message.fileId = draft.fileId;
  if (draft.preview !== undefined) message.preview = draft.preview;
  return message;
}
