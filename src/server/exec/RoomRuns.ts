import type { ExecRunning, ExecState } from '../../protocol/schemas.js';
import type { RoomEvent } from '../core/RoomEventBus.js';

interface RoomEntry {
  lastRun: ExecState['lastRun'];
  running: Map<string, ExecRunning>;
}

/**
 * Each room's runs as `room:state` shows them: the last result and the runs going on. It is
 * built only from `exec:started` and `exec:result` on the bus — this instance's and, in
 * multi-instance mode, the others' relayed to it — so every instance answers the same state
 * without a shared store. The price: it lives in this instance's memory, so an instance knows
 * the runs since it started (after a restart the last output is forgotten), which suits state
 * that is shown, never relied on.
 */
export class RoomRuns {
  private readonly rooms = new Map<string, RoomEntry>();

  constructor(private readonly now: () => number) {}

  /** Follows one bus event; the room's end forgets the room. */
  follow(event: RoomEvent): void {
    if (event.name === 'room:closed') {
      this.rooms.delete(event.roomId);
      return;
    }
    if (event.name !== 'exec:started' && event.name !== 'exec:result') return;
    const { memberId, language, runId } = event.payload;
    const entry = this.entry(event.roomId);
    if (event.name === 'exec:started') {
      entry.running.set(runId, { memberId, language, runId });
      return;
    }
    entry.running.delete(runId);
    entry.lastRun = {
      memberId,
      language,
      result: event.payload.result,
      at: new Date(this.now()).toISOString(),
    };
  }

  state(roomId: string): ExecState {
    const entry = this.rooms.get(roomId);
    return { lastRun: entry?.lastRun ?? null, running: [...(entry?.running.values() ?? [])] };
  }

  /** Whether `memberId` has a run going in the room, on any instance. */
  isRunning(roomId: string, memberId: string): boolean {
    return [...(this.rooms.get(roomId)?.running.values() ?? [])].some(
      (run) => run.memberId === memberId,
    );
  }

  forget(roomId: string): void {
    this.rooms.delete(roomId);
  }

  private entry(roomId: string): RoomEntry {
    let entry = this.rooms.get(roomId);
    if (!entry) {
      entry = { lastRun: null, running: new Map() };
      this.rooms.set(roomId, entry);
    }
    return entry;
  }
}
