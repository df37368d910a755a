import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { upstreamFailed } from './outboundErrors.js';

/** The codings asked for; each is decoded here, under the same cap. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

/**
 * A response body decoded and cut off at `maxBytes`: the bytes on the wire and the bytes
 * decoded from them are both counted as they arrive, and past the cap the body is destroyed
 * and the iteration throws `upstream_failed` (`too_large`) — a gzip bomb stops after at most a
 * zlib chunk (16 KiB) past the cap, whatever it would have grown to. A server may compress even
 * when asked not to, so the decoded cap holds for any Content-Encoding; one that is not
 * identity, gzip, deflate or br throws `encoding` at once, as does a Content-Length past the
 * cap. Stopping the iteration early (`break`) destroys the body too.
 */
export function cappedBody(
  source: Readable,
  contentEncoding: string | undefined,
  maxBytes: number,
  contentLength?: number,
): AsyncGenerator<Buffer, void, undefined> {
  const decoder = decoderFor(contentEncoding);
  if (!decoder && contentLength !== undefined && contentLength > maxBytes) {
    throw upstreamFailed('too_large');
  }
  return read(source, decoder, maxBytes);
}

async function* read(
  source: Readable,
  decoder: Transform | undefined,
  maxBytes: number,
): AsyncGenerator<Buffer, void, undefined> {
  let wire = 0;
  const countWire = (chunk: Buffer) => {
    wire += chunk.byteLength;
    if (wire > maxBytes) source.destroy(upstreamFailed('too_large'));
  };
  let decoded: Readable = source;
  if (decoder) {
    source.on('data', countWire);
    // Errors reach the iteration below through the decoder, which pipeline destroys with them.
    decoded = pipeline(source, decoder, () => {});
  }
  let size = 0;
  try {
    for await (const chunk of decoded as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > maxBytes) throw upstreamFailed('too_large');
      yield chunk;
    }
  } finally {
    source.off('data', countWire);
    // Unread, undici's body errors when destroyed: nobody is listening any more.
    source.on('error', () => {});
    decoder?.destroy();
    source.destroy();
  }
}

function decoderFor(contentEncoding: string | undefined): Transform | undefined {
  const coding = (contentEncoding ?? '').trim().toLowerCase();
  switch (coding) {
    case '':
    case 'identity':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      throw upstreamFailed('encoding');
  }
}
