import { EXEC_RUNS_PER_ROOM, type ExecRunStore } from '../ExecRunStore.js';
import type { ExecRunRecord } from '../records.js';

/** Every room's runs in RAM, oldest first; `order` numbers them across rooms for `recent`. */
interface Entry {
  run: ExecRunRecord;
  order: number;
}

/** The execution log in RAM (at most EXEC_RUNS_PER_ROOM runs a room). */
export class MemoryExecRunStore implements ExecRunStore {
  private readonly rooms = new Map<string, Entry[]>();
  private appended = 0;

  async append(run: ExecRunRecord): Promise<void> {
    let runs = this.rooms.get(run.roomId);
    if (!runs) {
      runs = [];
      this.rooms.set(run.roomId, runs);
    }
    runs.push({ run: { ...run }, order: this.appended++ });
    if (runs.length > EXEC_RUNS_PER_ROOM) runs.splice(0, runs.length - EXEC_RUNS_PER_ROOM);
  }

  async recent({ roomId, limit }: { roomId?: string; limit: number }): Promise<ExecRunRecord[]> {
    const entries =
      roomId === undefined ? [...this.rooms.values()].flat() : (this.rooms.get(roomId) ?? []);
    return entries
      .toSorted((a, b) => b.order - a.order)
      .slice(0, limit)
      .map((entry) => ({ ...entry.run }));
  }

  async deleteRoom(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
  }

  async close(): Promise<void> {}
}
