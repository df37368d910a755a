import type { RoomEvent } from '../core/RoomEventBus.js';

/** The inter-server event that carries bus events between instances (relayBus.ts). */
export const BUS_EVENT = 'roomkit:bus';

/** The inter-server event that asks every other instance to drop a room's checked memberships. */
export const REVOKE_EVENT = 'roomkit:revoke-sessions';

/** Events between instances (Socket.IO's server-side events). */
export interface ServerSideEvents {
  [BUS_EVENT]: (event: RoomEvent) => void;
  /** relayRevocations.ts: drop a room's checked memberships, then answer. */
  [REVOKE_EVENT]: (roomId: string, dropped: (done: true) => void) => void;
}
