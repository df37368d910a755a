import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';

/** The account's session as a cookie (API.md, "Accounts"), read by auth/credentials.ts. */
export const ACCOUNT_COOKIE = 'rk_auth';

/**
 * How long a browser keeps the cookie: the most browsers allow (400 days). The server ends a
 * session long before that when it goes unused (accounts/AccountService.ts).
 */
const MAX_AGE_SECONDS = 400 * 24 * 60 * 60;

/** Whether the cookie gets `Secure`: the request came over HTTPS, or PUBLIC_URL is https. */
export function secureCookies(request: FastifyRequest, config: Config): boolean {
  return request.protocol === 'https' || config.publicUrl?.startsWith('https:') === true;
}

export function setAccountCookie(reply: FastifyReply, value: string, secure: boolean): void {
  void reply.header(
    'Set-Cookie',
    fastifyCookie.serialize(ACCOUNT_COOKIE, value, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure,
      maxAge: MAX_AGE_SECONDS,
    }),
  );
}

export function clearAccountCookie(reply: FastifyReply, secure: boolean): void {
  void reply.header(
    'Set-Cookie',
    fastifyCookie.serialize(ACCOUNT_COOKIE, '', {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure,
      expires: new Date(0),
    }),
  );
}
