import type { IncomingMessage } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';
import type { Config } from '../../config.js';
import { AppError } from '../../core/AppError.js';
import { isAllowedOrigin } from '../origins.js';
import { MEMBER_COOKIE } from './memberCookie.js';

/**
 * What a request presented to prove who it is: a member's session token and where it was found,
 * or nothing. More kinds — the account cookie (`rk_auth`), an embed ticket — are further members
 * of this union, read by `readCredentials` under rules of their own; callers that pass the result
 * on to an authenticate function need no change.
 */
export type Credentials =
  | { kind: 'bearer'; value: string }
  | { kind: 'handshake'; value: string }
  | { kind: 'query'; value: string }
  | { kind: 'cookie'; value: string }
  | { kind: 'none' };

/**
 * When the `rk_session` cookie counts. A browser sends it with any request to this server,
 * whoever's page made the request, so it must not let another site act as the member:
 * - `state-changes-from-trusted-origin` (HTTP): any GET or HEAD; a request that changes state
 *   from a foreign Origin is refused with 403 `forbidden`.
 * - `trusted-origin` (the Socket.IO handshake, the collab upgrade): a live connection can both
 *   read and act, so the cookie counts only from an allowed origin; from another it is ignored,
 *   as if the request had none.
 */
export type CookieRule = 'state-changes-from-trusted-origin' | 'trusted-origin';

/** Where a transport looks for credentials, in this order: handshake, Bearer, query, cookie. */
export interface CredentialRules {
  /** A token the transport carried in its own protocol: Socket.IO's `auth.token`. */
  handshakeToken?: string | undefined;
  /** Whether `Authorization: Bearer <token>` counts (HTTP). */
  bearer?: boolean;
  /**
   * The request's parsed query, where `?token=` counts: GET routes a browser opens without
   * headers (EventSource, `<img src>`) and the collab upgrade. Absent: `?token=` is ignored.
   */
  query?: Readonly<Record<string, unknown>> | undefined;
  cookie: CookieRule;
}

/**
 * The one reader of credentials, for HTTP routes, the Socket.IO handshake and the collab upgrade
 * alike: the first token found under `rules`, or `none`. Throws 403 `forbidden` only for a
 * state-changing HTTP request that carries the cookie from a foreign origin.
 */
export function readCredentials(
  request: IncomingMessage,
  config: Config,
  rules: CredentialRules,
): Credentials {
  if (rules.handshakeToken !== undefined) return { kind: 'handshake', value: rules.handshakeToken };
  const authorization = request.headers.authorization;
  if (rules.bearer && authorization?.startsWith('Bearer ')) {
    return { kind: 'bearer', value: authorization.slice(7).trim() };
  }
  const query = rules.query?.token;
  if (typeof query === 'string') return { kind: 'query', value: query };

  // Cookies are parsed only here, when nothing else was found: not for every request.
  const cookies = request.headers.cookie;
  const cookie = cookies ? fastifyCookie.parse(cookies)[MEMBER_COOKIE] : undefined;
  if (cookie === undefined) return { kind: 'none' };
  const trusted = () => isAllowedOrigin(request.headers.origin, request, config);
  switch (rules.cookie) {
    case 'trusted-origin':
      return trusted() ? { kind: 'cookie', value: cookie } : { kind: 'none' };
    case 'state-changes-from-trusted-origin': {
      const changesState = request.method !== 'GET' && request.method !== 'HEAD';
      if (changesState && !trusted()) {
        throw new AppError('forbidden', 'Cookie sessions are not accepted from this origin.');
      }
      return { kind: 'cookie', value: cookie };
    }
  }
}
