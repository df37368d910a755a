import type { RoomkitContext } from '../core/context.js';
import type { ExpiringKeys } from '../core/ExpiringKeys.js';
import { roomView } from '../core/presenters.js';

const key = (roomId: string) => `admin-closing:${roomId}`;
/** How long a countdown's mark outlives its end, in case the instance running it stops. */
const MARK_SLACK_MS = 60_000;
const SECOND = 1000;

/**
 * Deleting a room with a grace period: every member hears `room:closing { secondsLeft, reason:
 * "deleted" }` once a second, then the room ends (`room:closed`, everything deleted). A
 * countdown runs once, on the instance where it was asked for; a shared mark (Redis with several
 * instances) says it is under way, so asking again anywhere starts no second one, and cancelling
 * anywhere removes the mark — the running instance sees that at its next tick and stops, and
 * the members hear `room:updated`. Every instance knows when each room closes from the
 * `room:closing` events it relays, for the admin panel.
 */
export class CloseCountdowns {
  private readonly running = new Map<string, () => void>();
  private readonly closingAt = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ctx: RoomkitContext,
    private readonly marks: ExpiringKeys,
  ) {
    this.unsubscribe = ctx.bus.subscribe((event) => {
      if (event.name === 'room:closing' && event.payload.reason === 'deleted') {
        this.closingAt.set(event.roomId, ctx.clock.now() + event.payload.secondsLeft * SECOND);
      } else if (event.name === 'room:updated') {
        this.closingAt.delete(event.roomId);
      } else if (event.name === 'room:closed') {
        // Ended, by its countdown or otherwise: nothing is left to count down.
        this.closingAt.delete(event.roomId);
        this.stop(event.roomId);
      }
    });
  }

  /** When the room's countdown ends, as far as this instance has heard; undefined if none runs. */
  endOf(roomId: string): number | undefined {
    return this.closingAt.get(roomId);
  }

  /**
   * Starts the room's countdown of `graceSeconds` (0: the room ends now) and resolves with when
   * it ends, or null when it ended at once. A countdown already under way goes on unchanged.
   */
  async start(roomId: string, graceSeconds: number): Promise<number | null> {
    const room = await this.ctx.rooms.getLiveRoom(roomId);
    if (graceSeconds === 0) {
      this.stop(roomId);
      await this.marks.delete(key(roomId));
      await this.ctx.rooms.close(room.id, 'deleted');
      return null;
    }
    const endsAt = this.ctx.clock.now() + graceSeconds * SECOND;
    if (!(await this.marks.add(key(roomId), graceSeconds * SECOND + MARK_SLACK_MS))) {
      return this.endOf(roomId) ?? endsAt;
    }
    this.announce(roomId, endsAt);
    const stop = this.ctx.clock.every(SECOND, () => this.tick(roomId, endsAt));
    this.running.set(roomId, stop);
    return endsAt;
  }

  /** Cancels the room's countdown, wherever it runs; false when none was under way. */
  async cancel(roomId: string): Promise<boolean> {
    const room = await this.ctx.rooms.getLiveRoom(roomId);
    if (!(await this.marks.delete(key(roomId)))) return false;
    this.stop(roomId);
    this.ctx.bus.publish({ roomId, name: 'room:updated', payload: { room: roomView(room) } });
    return true;
  }

  close(): void {
    this.unsubscribe();
    for (const stop of this.running.values()) stop();
    this.running.clear();
  }

  private async tick(roomId: string, endsAt: number): Promise<void> {
    try {
      // Cancelled, here or on another instance.
      if (!(await this.marks.hasAny([key(roomId)]))) {
        this.stop(roomId);
        return;
      }
      if (endsAt - this.ctx.clock.now() > 0) {
        this.announce(roomId, endsAt);
        return;
      }
      this.stop(roomId);
      await this.marks.delete(key(roomId));
      await this.ctx.rooms.close(roomId, 'deleted');
    } catch (error) {
      // Redis away: the countdown goes on, and tries again at the next tick.
      this.ctx.log.error({ err: error, roomId }, 'room countdown tick failed');
    }
  }

  private announce(roomId: string, endsAt: number): void {
    const secondsLeft = Math.max(1, Math.ceil((endsAt - this.ctx.clock.now()) / SECOND));
    this.ctx.bus.publish({
      roomId,
      name: 'room:closing',
      payload: { secondsLeft, reason: 'deleted' },
    });
  }

  private stop(roomId: string): void {
    this.running.get(roomId)?.();
    this.running.delete(roomId);
  }
}
