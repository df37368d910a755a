import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.js';

/**
 * Whether a browser Origin may use this server with cookies: the PUBLIC_URL's origin, or, when
 * PUBLIC_URL is unset, the origin the request was addressed to (same-origin).
 */
export function isAllowedOrigin(
  origin: string | undefined,
  request: IncomingMessage,
  config: Config,
): boolean {
  if (origin === undefined) return true; // not a cross-origin browser request
  if (config.publicUrl) return origin === new URL(config.publicUrl).origin;
  const host = request.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

/**
 * The origin a browser says a request comes from: its Origin header, or else the origin of its
 * Referer (some browsers leave Origin off a same-origin request; a Referer that is not a URL
 * counts as the opaque origin `null`, which no rule allows). Undefined when it sent neither: not
 * a browser's cross-site request.
 */
export function requestOrigin(request: IncomingMessage): string | undefined {
  const { origin, referer } = request.headers;
  if (origin !== undefined || referer === undefined) return origin;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

/** The origins CORS answers for: only PUBLIC_URL's; without it, none (same-origin only). */
export function corsOrigins(config: Config): string[] {
  return config.publicUrl ? [new URL(config.publicUrl).origin] : [];
}
