import type { Feature } from '../kernel/Feature.js';
import { roomsRoutes } from './rooms.routes.js';

/**
 * Rooms over HTTP: create, read, look up a join code, join (by id or code), extend, leave. The
 * rooms themselves and their lifecycle are the core's (core/RoomService.ts); this is their public
 * door.
 */
export const rooms: Feature = {
  name: 'rooms',
  async install({ core, http }) {
    await http(roomsRoutes(core));
  },
};
