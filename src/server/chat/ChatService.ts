import type { HistoryQuery, Message, SendMessageBody } from '../../protocol/schemas.js';
import { randomId } from '../core/ids.js';
import type { RateLimiter } from '../core/RateLimiter.js';
import type { RoomkitContext } from '../core/context.js';
import type { Membership } from '../core/Membership.js';
import { messageView } from '../core/presenters.js';
import type { MessagePage } from '../storage/MessageStore.js';
import type { MemberRecord, MessageDraft } from '../storage/records.js';

/** Messages a member gets in `room:state`; older ones come from history. */
const RECENT_MESSAGES = 50;
/** Unread messages counted for `GET /api/me/rooms`; more show as this many. */
export const UNREAD_COUNTED = 100;

/**
 * Chat: text messages with per-room seq, idempotent sends, typing and history. Every message is
 * stored first and then published, so a transport never shows a message the store lacks.
 */
export class ChatService {
  private readonly limiter: RateLimiter;

  constructor(private readonly ctx: RoomkitContext) {
    this.limiter = ctx.limiters.open('messages');
    ctx.rooms.on('joined', async (room, member) => {
      await this.system(room.id, `${member.displayName} joined`);
      await this.markRead(room.id, member.id);
    });
    // While online a member sees every message, and is counted as having none unread: what they
    // have read is kept when they go (and when they join), off the path of a connection opening.
    ctx.rooms.on('offline', (room, member) => this.markRead(room.id, member.id));
    ctx.rooms.on('left', (room, member) => this.system(room.id, `${member.displayName} left`));
    ctx.rooms.ownData('chat', (roomId) => ctx.stores.messages.deleteRoom(roomId));
    ctx.rooms.contributeState(
      'messages',
      async ({ room }) => (await this.history(room.id, { limit: RECENT_MESSAGES })).messages,
    );
  }

  /**
   * Other people's messages (not system lines, not their own) the member has not seen: none while
   * online, else those after their `readSeq`, counted up to UNREAD_COUNTED.
   */
  async unread(member: MemberRecord, online: boolean): Promise<number> {
    if (online) return 0;
    let count = 0;
    let after = member.readSeq ?? 0;
    while (count < UNREAD_COUNTED) {
      const page = await this.ctx.stores.messages.listAfter(member.roomId, after, UNREAD_COUNTED);
      const last = page.messages.at(-1);
      if (last === undefined) break;
      count += page.messages.filter(
        (message) => message.type !== 'system' && message.sender?.id !== member.id,
      ).length;
      after = last.seq;
    }
    return Math.min(count, UNREAD_COUNTED);
  }

  /** Marks everything in the room so far as seen by the member. */
  private async markRead(roomId: string, memberId: string): Promise<void> {
    const newest = await this.ctx.stores.messages.listBefore(roomId, undefined, 1);
    const readSeq = newest.messages.at(-1)?.seq ?? 0;
    await this.ctx.stores.rooms.updateMember(roomId, memberId, { readSeq });
  }

  /** Sends a message; a repeated clientMsgId returns the first message with created = false. */
  async send(
    membership: Membership,
    body: SendMessageBody,
  ): Promise<{ message: Message; created: boolean }> {
    const { room, member } = membership;
    await this.limiter.consume(member.id);
    const draft: MessageDraft = {
      id: randomId(),
      roomId: room.id,
      type: 'text',
      body: body.body,
      sender: { id: member.id, displayName: member.displayName, role: member.role },
      createdAt: this.ctx.clock.now(),
    };
    if (body.clientMsgId !== undefined) draft.clientMsgId = body.clientMsgId;
    const result = await this.post(draft);
    await this.ctx.rooms.restartEmptyGrace(room);
    return result;
  }

  async history(
    roomId: string,
    query: HistoryQuery,
  ): Promise<{ messages: Message[]; hasMore: boolean }> {
    return pageView(await this.ctx.stores.messages.listBefore(roomId, query.before, query.limit));
  }

  /**
   * Stores a message and, if it is new, publishes it as `message:new`: stored first, so no
   * transport ever shows a message the store lacks. Chat, files (a shared file's message) and
   * system notices (joins, code runs) all post here.
   */
  async post(draft: MessageDraft): Promise<{ message: Message; created: boolean }> {
    const { message, created } = await this.ctx.stores.messages.append(draft);
    const view = messageView(message);
    if (created)
      this.ctx.bus.publish({
        roomId: draft.roomId,
        name: 'message:new',
        payload: { message: view },
      });
    return { message: view, created };
  }

  typing(membership: Membership, active: boolean): void {
    const { room, member } = membership;
    this.ctx.bus.publish({
      roomId: room.id,
      name: 'typing',
      payload: { memberId: member.id, active },
    });
  }

  private async system(roomId: string, body: string): Promise<void> {
    await this.post({
      id: randomId(),
      roomId,
      type: 'system',
      body,
      sender: null,
      createdAt: this.ctx.clock.now(),
    });
  }
}

function pageView(page: MessagePage): { messages: Message[]; hasMore: boolean } {
  return { messages: page.messages.map(messageView), hasMore: page.hasMore };
}
