/**
 * Which checked image each remote URL gave, for the image proxy's second tier: the bytes live in
 * the blob store under `web-images/<sha256>` (content-addressed like every blob), this index
 * finds them by the URL's own SHA-256. Global, and durable where a database is configured, so a
 * persistent room's previews keep their pictures across restarts and later changes on the site.
 */
export interface WebImageStore {
  /** The SHA-256 of the bytes stored for the URL whose SHA-256 is `urlKey`. */
  get(urlKey: string): Promise<string | undefined>;
  put(urlKey: string, sha256: string, at: number): Promise<void>;
  close(): Promise<void>;
}

/** The blob-store prefix of the images WebImageStore indexes (a pseudo-room of its own). */
export const WEB_IMAGES_PREFIX = 'web-images/';
