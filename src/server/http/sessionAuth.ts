import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import type { Session } from '../core/RoomService.js';
import { isAllowedOrigin } from './origins.js';

export const SESSION_COOKIE = 'rk_session';

/**
 * The session token in a Cookie header, if any. Cookies are parsed only here, when a request
 * carries no token of its own, not for every request.
 */
export function sessionCookie(header: string | undefined): string | undefined {
  return header ? fastifyCookie.parse(header)[SESSION_COOKIE] : undefined;
}

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
    token = sessionCookie(request.headers.cookie);
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
  void reply.header(
    'Set-Cookie',
    fastifyCookie.serialize(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure,
    }),
  );
}

export function clearSessionCookie(reply: FastifyReply): void {
  void reply.header(
    'Set-Cookie',
    fastifyCookie.serialize(SESSION_COOKIE, '', { path: '/', expires: new Date(0) }),
  );
}
