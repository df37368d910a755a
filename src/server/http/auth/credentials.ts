import type { IncomingMessage } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';
import type { Config } from '../../config.js';
import { AppError } from '../../core/AppError.js';
import { isAllowedOrigin, requestOrigin } from '../origins.js';
import { ACCOUNT_COOKIE } from './accountCookie.js';
import { MEMBER_COOKIE } from './memberCookie.js';

/**
 * What a request presented to prove who it is: a member's session token and where it was found,
 * or nothing. (An embed ticket is not a credential: it is exchanged once for a member token.)
 * The account cookie (`rk_auth`) proves an account, not a membership: it is read apart, by
 * `readAccountCookie`, under the same origin rules.
 */
export type Credentials =
  | { kind: 'bearer'; value: string }
  | { kind: 'handshake'; value: string }
  | { kind: 'query'; value: string }
  | { kind: 'cookie'; value: string }
  | { kind: 'none' };

/**
 * When a cookie (`rk_session`, and `rk_auth` likewise) counts. A browser sends it with any request to this server,
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
  const cookie = readCookie(request, config, MEMBER_COOKIE, rules.cookie);
  return cookie === undefined ? { kind: 'none' } : { kind: 'cookie', value: cookie };
}

/**
 * The account cookie (`rk_auth`) under `rule`, as `readCredentials` reads the member's: absent,
 * or ignored from a foreign origin under `trusted-origin`; a state change from a foreign origin
 * is refused with 403 `forbidden`.
 */
export function readAccountCookie(
  request: IncomingMessage,
  config: Config,
  rule: CookieRule,
): string | undefined {
  return readCookie(request, config, ACCOUNT_COOKIE, rule);
}

/**
 * Refuses a state-changing request from a foreign origin, cookie or not: for sign-in and
 * registration, where another site must not sign a browser into an account of its choosing.
 */
export function refuseForeignStateChange(request: IncomingMessage, config: Config): void {
  if (changesState(request) && !isAllowedOrigin(requestOrigin(request), request, config)) {
    throw new AppError('forbidden', 'Requests from this origin are not accepted.');
  }
}

function changesState(request: IncomingMessage): boolean {
  return request.method !== 'GET' && request.method !== 'HEAD';
}

function readCookie(
  request: IncomingMessage,
  config: Config,
  name: string,
  rule: CookieRule,
): string | undefined {
  const cookies = request.headers.cookie;
  const cookie = cookies ? fastifyCookie.parse(cookies)[name] : undefined;
  if (cookie === undefined) return undefined;
  const trusted = () => isAllowedOrigin(requestOrigin(request), request, config);
  switch (rule) {
    case 'trusted-origin':
      return trusted() ? cookie : undefined;
    case 'state-changes-from-trusted-origin':
      if (changesState(request) && !trusted()) {
        throw new AppError('forbidden', 'Cookie sessions are not accepted from this origin.');
      }
      return cookie;
  }
}
