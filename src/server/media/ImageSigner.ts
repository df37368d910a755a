import { createHmac, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** The proxy's path; `url`, `sig` and the optional `w` go in its query (API.md). */
export const IMAGE_PROXY_PATH = '/api/images';

/**
 * Signs the remote image URLs the server hands out (a preview's image and icon), as camo and
 * imgproxy do: `sig = base64url(HMAC-SHA256(key, url))`, covering the URL only. A signed URL is
 * fetched for anyone who has it; any other URL needs a member's session. The key is derived from
 * SESSION_SECRET for this one purpose, so every instance signs alike and a signature is never
 * a token.
 */
export class ImageSigner {
  private readonly key: Buffer;
  /**
   * Signatures made lately, by URL: the same few images are asked for again and again (every
   * member's page shows each card), and an HMAC costs more than the rest of a cached answer.
   */
  private readonly recent = new LRUCache<string, string>({ max: 10_000 });

  constructor(sessionSecret: string) {
    this.key = createHmac('sha256', sessionSecret).update('roomkit image proxy v1').digest();
  }

  sign(url: string): string {
    let signature = this.recent.get(url);
    if (signature === undefined) {
      signature = createHmac('sha256', this.key).update(url).digest('base64url');
      this.recent.set(url, signature);
    }
    return signature;
  }

  /** Whether `sig` is this server's signature of `url` (constant time; any length or junk). */
  verify(url: string, sig: string | undefined): boolean {
    if (sig === undefined) return false;
    const expected = Buffer.from(this.sign(url));
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The proxy URL (a path on this server) for a remote image, at `width` when given. */
  proxyUrl(url: string, width?: number): string {
    const query = new URLSearchParams({ url, sig: this.sign(url) });
    if (width !== undefined) query.set('w', String(width));
    return `${IMAGE_PROXY_PATH}?${query.toString()}`;
  }
}
