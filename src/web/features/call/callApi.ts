/** The call's one HTTP endpoint (API.md, "Realtime: Server-Sent Events and REST"). */
import type { IceServersResponse } from '../../../protocol/schemas.js';
import { api } from '../../lib/api.js';

/**
 * The STUN and TURN servers for this member's peer connections, and how long their
 * credentials hold. Without an answer the call still works between people on open networks
 * (host candidates), so a failure gives no servers rather than no call.
 */
export async function fetchIceServers(roomId: string, token: string): Promise<IceServersResponse> {
  try {
    return await api<IceServersResponse>(`/api/rooms/${encodeURIComponent(roomId)}/ice-servers`, {
      token,
    });
  } catch {
    return { iceServers: [], ttlSeconds: 0 };
  }
}
