import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { randomId } from '../core/ids.js';

/** What a new session is made of: the cookie's value, and the hash the store keeps instead. */
export interface NewSessionSecret {
  cookie: string;
  tokenHash: string;
}

/**
 * The `rk_auth` cookie's value: `<token>.<signature>`. The token is 256 random bits; the store
 * keeps only its SHA-256, so a leaked database holds no usable cookie. The signature (HMAC-SHA256
 * with SESSION_SECRET) lets a forged or mangled cookie be refused without a database query.
 */
export class SessionCookies {
  constructor(private readonly secret: string) {}

  /** A fresh token, for a session that starts now (every sign-in: no session fixation). */
  issue(): NewSessionSecret {
    const token = randomId(32);
    return { cookie: `${token}.${this.sign(token)}`, tokenHash: hashToken(token) };
  }

  /** The hash of the cookie's token when its signature holds, else undefined. */
  tokenHash(cookie: string): string | undefined {
    const dot = cookie.indexOf('.');
    if (dot <= 0) return undefined;
    const token = cookie.slice(0, dot);
    const given = Buffer.from(cookie.slice(dot + 1));
    const expected = Buffer.from(this.sign(token));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return hashToken(token);
  }

  private sign(token: string): string {
    return createHmac('sha256', this.secret).update(`rk_auth:${token}`).digest('base64url');
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
