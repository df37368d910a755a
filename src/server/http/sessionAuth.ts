import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import type { Session } from '../core/RoomService.js';
import { isAllowedOrigin } from './origins.js';

export const SESSION_COOKIE = 'rk_session';

/**
 * The session of a request to `roomId`: a Bearer token, else the rk_session cookie, else (for
 * EventSource, which cannot set headers) `?token=`. A cookie-authenticated unsafe request from a
 * foreign Origin is refused, so another site cannot act with a member's cookie.
 */
export async function requireSession(
  ctx: RoomkitContext,
  request: FastifyRequest,
  roomId: string,
  options: { allowQueryToken?: boolean } = {},
): Promise<Session> {
  const header = request.headers.authorization;
  let token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  if (token === undefined && options.allowQueryToken) {
    const query = request.query as Record<string, unknown>;
    if (typeof query.token === 'string') token = query.token;
  }
  if (token === undefined) {
    token = request.cookies[SESSION_COOKIE];
    const unsafe = request.method !== 'GET' && request.method !== 'HEAD';
    if (
      token !== undefined &&
      unsafe &&
      !isAllowedOrigin(request.headers.origin, request.raw, ctx.config)
    ) {
      throw new AppError('forbidden', 'Cookie sessions are not accepted from this origin.');
    }
  }
  return ctx.rooms.authenticate(token, roomId);
}

export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  void reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
  });
}
