import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply } from 'fastify';

export const SESSION_COOKIE = 'rk_session';

/**
 * The session token in a Cookie header, if any. Cookies are parsed only here, when a request
 * carries no token of its own, not for every request.
 */
export function sessionCookie(header: string | undefined): string | undefined {
  return header ? fastifyCookie.parse(header)[SESSION_COOKIE] : undefined;
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
