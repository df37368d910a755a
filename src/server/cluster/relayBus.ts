import type { Server } from 'socket.io';
import { z } from 'zod';
import { serverEvents } from '../../protocol/events.js';
import type { RoomEvent, RoomEventBus } from '../core/RoomEventBus.js';
import { BUS_EVENT, type ServerSideEvents } from './serverSideEvents.js';

/** What another instance's event must be; its payload is checked against its event's schema. */
const relayedEventSchema = z.object({
  roomId: z.string().min(1),
  name: z.string().min(1),
  payload: z.unknown(),
  to: z.string().optional(),
});

/**
 * Carries this instance's bus events to every other instance and theirs to this one's bus,
 * through Socket.IO's adapter (`serverSideEmit`): one ordered stream per cluster with the sockets'
 * own packets. A relayed event is published here with `remote: true` and never relayed again.
 * Returns the function that stops relaying.
 */
export function relayBus(
  io: Server<never, never, ServerSideEvents>,
  bus: RoomEventBus,
  onInvalid: (error: Error) => void,
): () => void {
  const unsubscribe = bus.subscribe((event) => {
    if (event.remote) return;
    const { remote: _remote, ...relayed } = event;
    io.serverSideEmit(BUS_EVENT, relayed);
  });
  const onRelayed = (event: unknown) => {
    const parsed = relayedEventSchema.safeParse(event);
    if (!parsed.success)
      return onInvalid(new Error(`relayed event refused: ${parsed.error.message}`));
    const { name, payload } = parsed.data;
    // Only the room's own events, each as its schema (API.md) describes it, reach clients.
    const definition = Object.hasOwn(serverEvents, name)
      ? serverEvents[name as keyof typeof serverEvents]
      : undefined;
    if (definition === undefined || name === 'room:state')
      return onInvalid(new Error(`relayed event refused: unknown event ${name}`));
    const checked = definition.schema.safeParse(payload);
    if (!checked.success)
      return onInvalid(new Error(`relayed ${name} refused: ${checked.error.message}`));
    bus.publish({ ...(parsed.data as RoomEvent), remote: true });
  };
  io.on(BUS_EVENT, onRelayed);
  return () => {
    unsubscribe();
    io.off(BUS_EVENT, onRelayed);
  };
}
