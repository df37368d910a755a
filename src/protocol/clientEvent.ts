/**
 * How a client→server Socket.IO event is defined: once, by the feature that owns it. The event
 * maps both ends type their sockets with (events.ts) and the server's handler registry are
 * derived from these definitions, so an event name, its payload and its ack cannot drift apart.
 */
import type { z } from 'zod';
import type { Ack } from './errors.js';

/** Whether a client must pass an ack callback; with one, it is answered either way. */
export type AckRule = 'required' | 'optional';

/**
 * One client→server event: the schema its payload must pass, whether it takes an ack, and (as a
 * type only) the fields its ack carries beside `ok: true`.
 */
export interface ClientEvent<
  S extends z.ZodType = z.ZodType,
  R extends object = object,
  A extends AckRule = AckRule,
> {
  readonly schema: S;
  readonly ack: A;
  /** Never set: it carries the ack's success shape for the types. */
  readonly success?: R;
}

/** Starts an event definition from its payload schema; say what a successful ack carries next. */
export function clientEvent<S extends z.ZodType>(schema: S) {
  return {
    /** The client passes an ack callback, answered `{ ok: true, …R }` or `{ ok: false, error }`. */
    acks: <R extends object>(): ClientEvent<S, R, 'required'> => ({ schema, ack: 'required' }),
    /** The ack callback is optional (a fire-and-forget event such as `typing`). */
    mayAck: <R extends object = Record<never, never>>(): ClientEvent<S, R, 'optional'> => ({
      schema,
      ack: 'optional',
    }),
  };
}

type AckCallback<R extends object> = (result: Ack<R>) => void;

/** The Socket.IO event map of a table of definitions: payload as the client writes it, and ack. */
export type ClientEventMap<T extends Record<string, ClientEvent>> = {
  [E in keyof T]: T[E] extends ClientEvent<infer S, infer R, infer A>
    ? A extends 'optional'
      ? (payload: z.input<S>, ack?: AckCallback<R>) => void
      : (payload: z.input<S>, ack: AckCallback<R>) => void
    : never;
};

/** The payload a handler gets: the schema's output (defaults filled in, strings trimmed…). */
export type PayloadOf<D extends ClientEvent> = z.output<D['schema']>;

/** What a handler returns: the fields of a successful ack, beside `ok: true`. */
export type SuccessOf<D extends ClientEvent> =
  D extends ClientEvent<z.ZodType, infer R> ? R : never;
