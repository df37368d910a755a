import type { z } from 'zod';
import type { ClientEvent, PayloadOf, SuccessOf } from '../../protocol/clientEvent.js';
import type { Ack } from '../../protocol/errors.js';
import { toErrorBody } from '../core/AppError.js';
import type { Membership } from '../core/Membership.js';
import { parseInput } from '../core/validate.js';
import type { RoomSocket } from './RoomSocket.js';

export type { Resume, RoomSocket, SocketData } from './RoomSocket.js';

/** Resolves the socket's membership afresh for each event, so a kicked member cannot act. */
export type MembershipOf = (socket: RoomSocket) => Promise<Membership>;

/** A feature's client→server event definitions, by name (protocol/chat.ts, files.ts, …). */
export type ClientEventTable = Readonly<Record<string, ClientEvent>>;

/**
 * A feature's socket events: called once per connected socket to register the handlers of the
 * events in its table through `handle`. Features never touch the Socket.IO server itself.
 */
export type SocketFeature<T extends ClientEventTable> = (
  socket: RoomSocket,
  handle: EventHandlerRegistrar<T>,
) => void;

/**
 * A handler of one client event: it gets the payload as the event's schema parsed it and returns
 * what its ack carries beside `ok: true` (or throws, for `{ ok: false, error }`).
 */
export type EventHandler<D extends ClientEvent> = (
  membership: Membership,
  payload: PayloadOf<D>,
) => Promise<SuccessOf<D>> | SuccessOf<D>;

/**
 * Registers the handler of an event of the feature's table, whose schema validates the payload:
 * an event the table does not define, or a wrong ack shape, does not compile.
 */
export type EventHandlerRegistrar<T extends ClientEventTable> = <E extends keyof T & string>(
  event: E,
  handler: EventHandler<T[E]>,
) => void;

/** The acknowledgement callback of a socket event, if the client asked for one (it comes last). */
export function ackOf(args: unknown[]): ((result: Ack) => void) | undefined {
  const last = args.at(-1);
  return typeof last === 'function' ? (last as (result: Ack) => void) : undefined;
}

/**
 * Builds the registrar for one socket: each handler gets a validated payload and a fresh membership,
 * and its result or error goes back in the ack envelope `{ ok: true, … }` / `{ ok: false, error }`.
 * A handler's failure never escapes to the socket or the process.
 */
export function registrarFor<T extends ClientEventTable>(
  socket: RoomSocket,
  events: T,
  { membershipOf, onError }: { membershipOf: MembershipOf; onError: (error: unknown) => void },
): EventHandlerRegistrar<T> {
  return (event, handler) => {
    const schema: z.ZodType = events[event]!.schema;
    const listener = async (...args: unknown[]) => {
      const ack = ackOf(args);
      if (ack) args.pop();
      try {
        // The event's own schema parsed it; TypeScript does not follow `event` through the table.
        const payload = parseInput(schema, args[0], 'payload') as PayloadOf<T[typeof event]>;
        const result = await handler(await membershipOf(socket), payload);
        ack?.({ ok: true, ...result });
      } catch (error) {
        const body = toErrorBody(error);
        if (body.code === 'internal_error') onError(error);
        ack?.({ ok: false, error: body });
      }
    };
    (socket as unknown as { on(event: string, fn: (...args: unknown[]) => void): void }).on(
      event,
      (...args) => {
        void listener(...args);
      },
    );
  };
}
