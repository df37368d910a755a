import { createSecretKey, type KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';

const AUDIENCE = 'roomkit:session';

export interface MemberClaims {
  roomId: string;
  memberId: string;
  /**
   * The account session the token was issued to (an account joining); revoking the session
   * revokes the token.
   */
  sessionId?: string;
}

/**
 * Session tokens: HS256 JWTs bound to one room and one member, signed with SESSION_SECRET.
 * A token carries no expiry of its own; it is good while its member is in the room, so leaving,
 * a kick or the room's end revoke it (the caller checks membership after `verify`).
 */
export class MemberTokens {
  /** A KeyObject, so jose does not import the raw secret again on every verify. */
  private readonly key: KeyObject;
  /**
   * Tokens already verified: a media gallery sends one request per thumbnail, and checking the
   * signature was most of a cached thumbnail's cost. Claims never change for a token.
   */
  private readonly verified = new LRUCache<string, MemberClaims>({ max: 10_000 });

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  issue(claims: MemberClaims): Promise<string> {
    return new SignJWT(
      claims.sessionId === undefined
        ? { rid: claims.roomId }
        : { rid: claims.roomId, sid: claims.sessionId },
    )
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.memberId)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .sign(this.key);
  }

  /** The claims of a well-signed token, or undefined for anything else. */
  async verify(token: string): Promise<MemberClaims | undefined> {
    const known = this.verified.get(token);
    if (known) return known;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      if (typeof payload.rid !== 'string' || typeof payload.sub !== 'string') return undefined;
      if (payload.sid !== undefined && typeof payload.sid !== 'string') return undefined;
      const claims: MemberClaims = { roomId: payload.rid, memberId: payload.sub };
      if (payload.sid !== undefined) claims.sessionId = payload.sid;
      this.verified.set(token, claims);
      return claims;
    } catch {
      return undefined;
    }
  }
}
