import { LRUCache } from 'lru-cache';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import type { Membership } from '../core/Membership.js';
import { messageView } from '../core/presenters.js';
import type { RoomEvent } from '../core/RoomEventBus.js';
import { firstLink, worthShowing, type LinkCards } from './LinkCards.js';

/** Messages whose sender took their card off, remembered so a late read does not put it back. */
const DISMISSED_KEPT = 10_000;

/**
 * Cards on messages: when a text message with a link is posted on this instance (not one relayed
 * from another), the link's card is read and attached to the stored message, which goes out
 * again as `message:updated` — a snapshot, so history shows what people saw even if the page
 * changes. Not in rooms whose owner turned cards off, and not for a page that gives nothing to
 * show (a bot challenge, a page without title or image): the link stays a plain link.
 */
export class MessageCards {
  private readonly dismissed = new LRUCache<string, true>({ max: DISMISSED_KEPT });
  /** Reads in progress, so a shutdown can wait for them. */
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly ctx: RoomkitContext,
    private readonly cards: LinkCards,
  ) {
    ctx.bus.subscribe((event) => {
      if (event.name !== 'message:new' || event.remote) return;
      const job = this.attach(event).catch((error: unknown) => {
        ctx.log.debug({ err: error, roomId: event.roomId }, 'no link card');
      });
      this.running.add(job);
      void job.finally(() => this.running.delete(job));
    });
  }

  /** Takes the card off a message: its sender only. 404 without such a message. */
  async remove(membership: Membership, seq: number): Promise<void> {
    const roomId = membership.room.id;
    const page = await this.ctx.stores.messages.listAfter(roomId, seq - 1, 1);
    const message = page.messages[0];
    if (message?.seq !== seq) throw new AppError('not_found', 'No such message in this room.');
    if (message.sender?.id !== membership.member.id)
      throw new AppError('forbidden', 'Only its sender can remove a message’s preview.');
    this.dismissed.set(`${roomId}/${seq}`, true);
    if (message.preview === undefined) return;
    const updated = await this.ctx.stores.messages.setPreview(roomId, seq, null);
    if (updated) this.publish(updated);
  }

  /** Waits for the cards being read (the server is shutting down). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async attach(event: Extract<RoomEvent, { name: 'message:new' }>): Promise<void> {
    const { message } = event.payload;
    if (message.type !== 'text' || message.preview !== undefined) return;
    const url = firstLink(message.body);
    if (url === undefined) return;
    const room = await this.ctx.stores.rooms.getRoom(event.roomId);
    if (room === undefined || room.linkPreviews === false) return;
    const card = await this.cards.card(url);
    if (!worthShowing(card) || this.dismissed.has(`${event.roomId}/${message.seq}`)) return;
    const updated = await this.ctx.stores.messages.setPreview(event.roomId, message.seq, card);
    if (updated) this.publish(updated);
  }

  private publish(message: Parameters<typeof messageView>[0]): void {
    this.ctx.bus.publish({
      roomId: message.roomId,
      name: 'message:updated',
      payload: { message: messageView(message) },
    });
  }
}
