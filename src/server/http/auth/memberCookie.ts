import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply } from 'fastify';

/** The member's session token as a cookie, for the web client (read by auth/credentials.ts). */
export const MEMBER_COOKIE = 'rk_session';

export function setMemberCookie(reply: FastifyReply, token: string, secure: boolean): void {
  void reply.header(
    'Set-Cookie',
    fastifyCookie.serialize(MEMBER_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure,
    }),
  );
}

export function clearMemberCookie(reply: FastifyReply): void {
  void reply.header(
    'Set-Cookie',
    fastifyCookie.serialize(MEMBER_COOKIE, '', { path: '/', expires: new Date(0) }),
  );
}
