import fastifyCompress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';
import { constants } from 'node:zlib';

/** Below this a body is sent as it is: compressing it saves less than the headers cost. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * Compresses what the server makes per request — the API's JSON, metrics, a served page that
 * has no compressed copy — with Brotli or gzip, as the client's Accept-Encoding prefers, above
 * `COMPRESSION_THRESHOLD_BYTES`, with `Vary: Accept-Encoding`. Only types mime-db calls
 * compressible (text, JSON, JS, SVG…) are compressed; images, archives, octet-streams are not.
 * Left as they are: anything already encoded (the web client's `.br`/`.gz` copies), partial
 * content (206, `Content-Range`), routes that opt out with `compress: false` (stored files and
 * thumbnails), and the live transports, which never pass through a reply's `onSend`: SSE
 * hijacks its reply, Socket.IO (polling too) and collab answer on the HTTP server directly.
 * Brotli at quality 4 costs about what gzip does; request bodies are never decompressed.
 */
export async function compression(app: FastifyInstance): Promise<void> {
  await app.register(fastifyCompress, {
    global: true,
    globalDecompression: false,
    encodings: ['br', 'gzip'],
    threshold: COMPRESSION_THRESHOLD_BYTES,
    brotliOptions: { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } },
    // mime-db's `compressible` alone decides (text, JSON, JS, SVG yes; JPEG, PNG, zip, PDF,
    // `text/event-stream` no). The plugin's default list adds every octet-stream: stored files.
    customTypes: () => false,
  });
}
