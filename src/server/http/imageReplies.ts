import type { FastifyRequest } from 'fastify';

/** What a served image or file may do if a browser renders it: nothing (no script, no forms). */
export const MEDIA_CSP =
  "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

/** Whether the request's If-None-Match names `etag`: the answer is then a 304. */
export function notModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (header === undefined) return false;
  // `*` matches any current representation (RFC 9110, 13.1.2); weak tags compare weakly.
  return header
    .split(',')
    .some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === etag);
}
