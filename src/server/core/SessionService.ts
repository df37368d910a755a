import { jwtVerify, SignJWT } from 'jose';

const AUDIENCE = 'roomkit:session';

export interface SessionClaims {
  roomId: string;
  memberId: string;
}

/**
 * Session tokens: HS256 JWTs bound to one room and one member, signed with SESSION_SECRET.
 * A token carries no expiry of its own; it is good while its member is in the room, so leaving,
 * a kick or the room's end revoke it (the caller checks membership after `verify`).
 */
export class SessionService {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  issue(claims: SessionClaims): Promise<string> {
    return new SignJWT({ rid: claims.roomId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.memberId)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .sign(this.key);
  }

  /** The claims of a well-signed token, or undefined for anything else. */
  async verify(token: string): Promise<SessionClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      if (typeof payload.rid !== 'string' || typeof payload.sub !== 'string') return undefined;
      return { roomId: payload.rid, memberId: payload.sub };
    } catch {
      return undefined;
    }
  }
}
