/**
 * The image proxy as the benchmarks drive it: Roomkit told to trust the local "third-party" site
 * (FETCH_ALLOW_HOSTS) and to sign with a known SESSION_SECRET, so that the benchmark can hand out
 * the same signed URLs the server puts in a link card; the same image asked of ipx; and the
 * proxy's cache figures from /metrics.
 */
import { ImageSigner } from '../../src/server/media/ImageSigner.js';
import type { ServerHandle, ServerSpec } from '../lib/servers.js';

const SESSION_SECRET = 'the-image-proxy-benchmarks-signing-secret';
const signer = new ImageSigner(SESSION_SECRET);

/** The width every benchmark asks for: one of THUMB_WIDTHS, so Roomkit serves it as asked. */
export const WIDTH = 480;
/** What a client that takes WebP sends; `format=auto` (a link card's URL) then gives WebP. */
export const ACCEPT = 'image/webp';
/**
 * Roomkit's WebP quality (src/server/media/variants.ts), for ipx's URL: the same settings on
 * both sides.
 */
const WEBP_QUALITY = 75;

/** Roomkit serving the proxy for `origin`'s images, with `env` added. */
export function proxySpec(origin: ServerHandle, env: Record<string, string> = {}): ServerSpec {
  return {
    kind: 'roomkit',
    env: { SESSION_SECRET, FETCH_ALLOW_HOSTS: `127.0.0.1:${origin.port}`, ...env },
  };
}

/** The proxy URL (a path on Roomkit) of `source`, as a link card carries it: signed, `w`, format auto. */
export const proxyPath = (source: string) => signer.proxyUrl(source, WIDTH);

/** ipx's URL for the same image: `source` a file name (its fs storage) or a URL (its http one). */
export const ipxPath = (source: string) => `/w_${WIDTH},f_webp,q_${WEBP_QUALITY}/${source}`;

/** The proxy cache's figures, from Roomkit's /metrics. */
export interface CacheFigures {
  bytes: number;
  entries: number;
  evictions: number;
  hits: number;
  misses: number;
}

export async function cacheFigures(server: ServerHandle): Promise<CacheFigures> {
  const response = await fetch(`${server.url}/metrics`);
  const text = await response.text();
  if (!response.ok) throw new Error(`/metrics: ${response.status}`);
  const read = (name: string, labels = '') => {
    const line = new RegExp(`^${name}\\{cache="remote_images"${labels}\\} (\\S+)$`, 'm');
    return Number(line.exec(text)?.[1] ?? Number.NaN);
  };
  return {
    bytes: read('roomkit_cache_bytes'),
    entries: read('roomkit_cache_entries'),
    evictions: read('roomkit_cache_evictions'),
    hits: read('roomkit_cache_requests', ',result="hit"'),
    misses: read('roomkit_cache_requests', ',result="miss"'),
  };
}
