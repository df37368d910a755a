import type { HistoryQuery, Message, SendMessageBody } from '../../protocol/schemas.js';
import { randomId } from '../core/ids.js';
import { RateLimiter } from '../core/RateLimiter.js';
import type { RoomkitContext } from '../core/context.js';
import type { Session } from '../core/RoomService.js';
import { postMessage } from '../core/postMessage.js';
import { messageView } from '../core/views.js';
import type { MessagePage } from '../storage/MessageStore.js';
import type { MessageDraft } from '../storage/records.js';

/** Messages a member gets in `room:state`; older ones come from history. */
const RECENT_MESSAGES = 50;

/**
 * Chat: text messages with per-room seq, idempotent sends, typing and history. Every message is
 * stored first and then published, so a transport never shows a message the store lacks.
 */
export class ChatService {
  private readonly limiter: RateLimiter;

  constructor(private readonly ctx: RoomkitContext) {
    this.limiter = new RateLimiter('messages', ctx.limits.messages, ctx.sharedLimits);
    ctx.rooms.on('joined', (room, member) => this.system(room.id, `${member.displayName} joined`));
    ctx.rooms.on('left', (room, member) => this.system(room.id, `${member.displayName} left`));
    ctx.rooms.ownData('chat', (roomId) => ctx.stores.messages.deleteRoom(roomId));
    ctx.rooms.contributeState(
      'messages',
      async ({ room }) => (await this.history(room.id, { limit: RECENT_MESSAGES })).messages,
    );
  }

  /** Sends a message; a repeated clientMsgId returns the first message with created = false. */
  async send(
    session: Session,
    body: SendMessageBody,
  ): Promise<{ message: Message; created: boolean }> {
    const { room, member } = session;
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
    const result = await postMessage(this.ctx, draft);
    await this.ctx.rooms.touch(room);
    return result;
  }

  async history(
    roomId: string,
    query: HistoryQuery,
  ): Promise<{ messages: Message[]; hasMore: boolean }> {
    return pageView(await this.ctx.stores.messages.listBefore(roomId, query.before, query.limit));
  }

  /** Messages after `seq`, for a client that reconnects with the last seq it saw. */
  async since(
    roomId: string,
    seq: number,
    limit: number,
  ): Promise<{ messages: Message[]; hasMore: boolean }> {
    return pageView(await this.ctx.stores.messages.listAfter(roomId, seq, limit));
  }

  typing(session: Session, active: boolean): void {
    const { room, member } = session;
    this.ctx.bus.publish({
      roomId: room.id,
      name: 'typing',
      payload: { memberId: member.id, active },
    });
  }

  private async system(roomId: string, body: string): Promise<void> {
    await postMessage(this.ctx, {
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
