import { createHmac } from 'node:crypto';
import type { IceServer, IceServersResponse } from '../../protocol/calls.js';

/** How long a member's TURN credentials hold; clients fetch new ones before then. */
export const TURN_CREDENTIAL_TTL_SECONDS = 3600;

const isTurn = (url: string) => /^turns?:/.test(url);

/**
 * A TURN username and password in coturn's REST scheme (`use-auth-secret`): the username is the
 * expiry (Unix seconds) and who it is for, the password the base64 HMAC-SHA1 of the username
 * under the secret coturn shares (`static-auth-secret`). coturn checks both without asking
 * Roomkit, and refuses the username once its expiry has passed.
 */
export function turnCredential(
  secret: string,
  memberId: string,
  nowMs: number,
  ttlSeconds = TURN_CREDENTIAL_TTL_SECONDS,
): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${memberId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/**
 * `GET /api/rooms/:roomId/ice-servers`: the configured servers, and — with a TURN secret — each
 * TURN server without fixed credentials gets the member's own short-lived ones.
 */
export function iceServersFor(
  servers: readonly IceServer[],
  turnSecret: string | undefined,
  memberId: string,
  nowMs: number,
): IceServersResponse {
  const credential =
    turnSecret === undefined ? undefined : turnCredential(turnSecret, memberId, nowMs);
  return {
    iceServers: servers.map((server) => {
      const urls = typeof server.urls === 'string' ? [server.urls] : server.urls;
      if (credential === undefined || server.username !== undefined || !urls.some(isTurn))
        return server;
      return { ...server, ...credential };
    }),
    ttlSeconds: TURN_CREDENTIAL_TTL_SECONDS,
  };
}
