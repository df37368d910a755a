import { Decoder, Encoder, protocol } from 'socket.io-parser';

/** The largest text packet a client may send: a text event never needs more (API.md). */
export const MAX_TEXT_PACKET_BYTES = 1024 * 1024;

/**
 * Socket.IO's parser, with limits on what one incoming packet may hold. Engine.IO's
 * `maxHttpBufferSize` bounds each frame, and it must let one file through (`file:upload`), so on
 * its own it let every text packet be as large as a file and parsed it whole, and let a binary
 * packet gather ten such buffers before it was complete. The decoder refuses, before parsing:
 *
 * - a text packet over MAX_TEXT_PACKET_BYTES;
 * - a packet with more than one binary attachment;
 * - attachments that together exceed `maxBinaryBytes`.
 *
 * A refusal throws, and Socket.IO closes the connection (as for any packet it cannot decode).
 */
export function limitedParser(maxBinaryBytes: number) {
  class LimitedDecoder extends Decoder {
    private binaryBytes = 0;

    constructor() {
      super({ maxAttachments: 1 });
    }

    override add(obj: unknown): void {
      if (typeof obj === 'string') {
        // A string's UTF-8 form is at most three bytes per UTF-16 unit: only long ones are measured.
        if (
          obj.length > MAX_TEXT_PACKET_BYTES / 3 &&
          Buffer.byteLength(obj) > MAX_TEXT_PACKET_BYTES
        ) {
          throw new Error('packet too large');
        }
        this.binaryBytes = 0;
      } else {
        this.binaryBytes += byteLengthOf(obj);
        if (this.binaryBytes > maxBinaryBytes) throw new Error('attachments too large');
      }
      super.add(obj);
    }
  }
  return { Encoder, Decoder: LimitedDecoder, protocol };
}

function byteLengthOf(data: unknown): number {
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}
