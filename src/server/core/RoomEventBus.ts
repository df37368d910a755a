import type { ServerEventName, ServerEventPayload } from '../../protocol/events.js';

type BusEventName = Exclude<ServerEventName, 'room:state'>;

/**
 * One event on a room's bus. `to` narrows delivery to one member (call signals); otherwise every
 * member of the room gets it. `remote` marks an event that happened on another instance and was
 * relayed here (cluster mode): Socket.IO's adapter has delivered it to this instance's sockets
 * already, every other listener treats it as its own.
 */
export type RoomEvent = {
  [E in BusEventName]: {
    roomId: string;
    name: E;
    payload: ServerEventPayload<E>;
    to?: string;
    remote?: boolean;
  };
}[BusEventName];

export type RoomEventListener = (event: RoomEvent) => void;

/**
 * The room event bus: features publish, transports (Socket.IO, SSE, the cluster relay)
 * subscribe. Delivery is synchronous and in publish order, so a transport sees a room's events
 * in the order they happened. A listener that throws is reported and does not stop the others.
 */
export class RoomEventBus {
  private readonly all = new Set<RoomEventListener>();
  private readonly byRoom = new Map<string, Set<RoomEventListener>>();

  constructor(
    private readonly onListenerError: (error: unknown, event: RoomEvent) => void = () => {},
  ) {}

  publish(event: RoomEvent): void {
    for (const listener of [...this.all, ...(this.byRoom.get(event.roomId) ?? [])]) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  /** Every event of every room. Returns the unsubscribe function. */
  subscribe(listener: RoomEventListener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  /** The events of one room. Returns the unsubscribe function. */
  subscribeRoom(roomId: string, listener: RoomEventListener): () => void {
    let listeners = this.byRoom.get(roomId);
    if (!listeners) {
      listeners = new Set();
      this.byRoom.set(roomId, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.byRoom.delete(roomId);
    };
  }
}
