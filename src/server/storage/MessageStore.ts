import type { Preview } from '../../protocol/schemas.js';
import type { MessageDraft, MessageRecord } from './records.js';

export interface MessagePage {
  /** Ascending by seq. */
  messages: MessageRecord[];
  hasMore: boolean;
}

/**
 * A room's message log. Every driver passes storeContract.ts.
 *
 * `seq` starts at 1 in each room and rises by exactly one per appended message, even under
 * concurrent appends, so clients can detect gaps. A draft whose (roomId, sender, clientMsgId)
 * was seen before is not stored again: the first message comes back with `created: false`.
 */
export interface MessageStore {
  append(draft: MessageDraft): Promise<{ message: MessageRecord; created: boolean }>;
  /** Up to `limit` messages with seq < `before` (or the newest), ascending; hasMore if older exist. */
  listBefore(roomId: string, before: number | undefined, limit: number): Promise<MessagePage>;
  /** Up to `limit` messages with seq > `after`, ascending; hasMore if newer exist. */
  listAfter(roomId: string, after: number, limit: number): Promise<MessagePage>;
  getMessage(roomId: string, messageId: string): Promise<MessageRecord | undefined>;
  /**
   * Attaches a link's card to the message `seq` (null removes it); the message as it is now, or
   * undefined when the room has no such message.
   */
  setPreview(
    roomId: string,
    seq: number,
    preview: Preview | null,
  ): Promise<MessageRecord | undefined>;
  deleteRoom(roomId: string): Promise<void>;
  close(): Promise<void>;
}
