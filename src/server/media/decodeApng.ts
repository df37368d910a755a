import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { pngChunk } from './pngChunk.js';

/** One frame as its fcTL chunk describes it, with its compressed pixels (IDAT or fdAT data). */
export interface ApngFrame {
  x: number;
  y: number;
  width: number;
  height: number;
  delayMs: number;
  /** 0: leave the canvas, 1: clear the frame's region, 2: put back what was under it. */
  dispose: number;
  /** 0: replace the region, 1: draw over it (alpha compositing). */
  blend: number;
  data: Buffer[];
}

/** The parts of an animated PNG that decoding needs; nothing of its metadata. */
export interface ApngStructure {
  width: number;
  height: number;
  /** Times to play; 0 is for ever. */
  plays: number;
  /** The IHDR data (13 bytes): size, bit depth, colour type, interlace. */
  header: Buffer;
  /** The chunks that change how pixels decode (palette, transparency, colour), whole. */
  decoding: Buffer[];
  frames: ApngFrame[];
}

/** An animation decoded: every frame composed onto the canvas, RGBA, one below the other. */
export interface ApngAnimation {
  width: number;
  height: number;
  pixels: Buffer;
  delays: number[];
  plays: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// Copied into every frame's PNG. Nothing else is: eXIf, text and XMP chunks stay behind.
const DECODING_CHUNKS = new Set(['PLTE', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'cICP']);

/**
 * The frames of an animated PNG, checked against the APNG specification: every chunk's CRC,
 * sequence numbers in order, as many frames as acTL announces, each inside the canvas, the
 * first one the whole canvas when it is the default image. Undefined for anything else — a PNG
 * without animation, or an animation that is damaged, which browsers show as its still image.
 * Reads only chunk headers: cheap enough to run before any limit is checked.
 */
export function parseApng(bytes: Buffer): ApngStructure | undefined {
  if (bytes.byteLength < 8 || !bytes.subarray(0, 8).equals(SIGNATURE)) return undefined;
  let header: Buffer | undefined;
  let control: { frames: number; plays: number } | undefined;
  const decoding: Buffer[] = [];
  const frames: ApngFrame[] = [];
  let sequence = 0;
  let seenImageData = false;
  let firstFrameIsDefaultImage = false;
  let ended = false;
  for (let at = 8; !ended;) {
    if (at + 12 > bytes.byteLength) return undefined;
    const length = bytes.readUInt32BE(at);
    const end = at + 12 + length;
    if (length > 0x7fffffff || end > bytes.byteLength) return undefined;
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (crc32(bytes.subarray(at + 4, end - 4)) !== bytes.readUInt32BE(end - 4)) return undefined;
    const data = bytes.subarray(at + 8, end - 4);
    const current = frames.at(-1);
    switch (type) {
      case 'IHDR':
        if (header !== undefined || length !== 13) return undefined;
        header = data;
        break;
      case 'acTL':
        if (control !== undefined || seenImageData || length !== 8) return undefined;
        control = { frames: data.readUInt32BE(0), plays: data.readUInt32BE(4) };
        break;
      case 'fcTL':
        if (length !== 26 || data.readUInt32BE(0) !== sequence++) return undefined;
        if (current !== undefined && current.data.length === 0) return undefined;
        frames.push({
          width: data.readUInt32BE(4),
          height: data.readUInt32BE(8),
          x: data.readUInt32BE(12),
          y: data.readUInt32BE(16),
          delayMs: delay(data.readUInt16BE(20), data.readUInt16BE(22)),
          dispose: data[24] as number,
          blend: data[25] as number,
          data: [],
        });
        break;
      case 'IDAT':
        // Image data before any fcTL is a default image outside the animation.
        if (!seenImageData && frames.length === 1) firstFrameIsDefaultImage = true;
        if (frames.length > 1 || (seenImageData && !firstFrameIsDefaultImage && frames.length > 0))
          return undefined;
        seenImageData = true;
        if (firstFrameIsDefaultImage) current?.data.push(data);
        break;
      case 'fdAT':
        if (current === undefined || !seenImageData || length < 4) return undefined;
        if (
          (firstFrameIsDefaultImage && frames.length === 1) ||
          data.readUInt32BE(0) !== sequence++
        )
          return undefined;
        current.data.push(data.subarray(4));
        break;
      case 'IEND':
        ended = true;
        break;
      default:
        if (!seenImageData && DECODING_CHUNKS.has(type)) decoding.push(bytes.subarray(at, end));
    }
    at = end;
  }
  if (header === undefined || control === undefined || !seenImageData) return undefined;
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  if (width === 0 || height === 0 || frames.length === 0 || control.frames !== frames.length)
    return undefined;
  for (const frame of frames) {
    if (frame.data.length === 0 || frame.width === 0 || frame.height === 0) return undefined;
    if (frame.x + frame.width > width || frame.y + frame.height > height) return undefined;
    if (frame.dispose > 2 || frame.blend > 1) return undefined;
  }
  const first = frames[0] as ApngFrame;
  if (firstFrameIsDefaultImage && (first.width !== width || first.height !== height))
    return undefined;
  return { width, height, plays: control.plays, header, decoding, frames };
}

/** A frame's delay in milliseconds; a denominator of 0 means hundredths (APNG). */
function delay(numerator: number, denominator: number): number {
  return Math.round((numerator * 1000) / (denominator || 100));
}

/**
 * Every frame decoded (by sharp, from a PNG of its own) and composed onto the canvas as the
 * APNG specification says a viewer must: blended or replacing, then disposed of. Holds
 * width × height × 4 bytes per frame; the caller bounds that before calling. Throws when a
 * frame's pixels do not decode.
 */
export async function decodeApng(apng: ApngStructure): Promise<ApngAnimation> {
  const { width, height } = apng;
  const frameBytes = width * height * 4;
  const pixels = Buffer.alloc(frameBytes * apng.frames.length);
  const canvas = Buffer.alloc(frameBytes);
  for (const [index, frame] of apng.frames.entries()) {
    const source = await decodeFrame(apng, frame);
    const under = frame.dispose === 2 && index > 0 ? region(canvas, width, frame) : undefined;
    draw(canvas, width, source, frame);
    canvas.copy(pixels, index * frameBytes);
    // "Previous" on the first frame means "background" (APNG specification, fcTL).
    if (frame.dispose === 1 || (frame.dispose === 2 && index === 0)) {
      fill(canvas, width, Buffer.alloc(frame.width * frame.height * 4), frame);
    } else if (under !== undefined) {
      fill(canvas, width, under, frame);
    }
  }
  return { width, height, pixels, delays: apng.frames.map((f) => f.delayMs), plays: apng.plays };
}

/** The frame as a PNG of its own (its size, the shared decoding chunks, its data), decoded. */
async function decodeFrame(apng: ApngStructure, frame: ApngFrame): Promise<Buffer> {
  const header = Buffer.from(apng.header);
  header.writeUInt32BE(frame.width, 0);
  header.writeUInt32BE(frame.height, 4);
  const png = Buffer.concat([
    SIGNATURE,
    pngChunk('IHDR', header),
    ...apng.decoding,
    pngChunk('IDAT', Buffer.concat(frame.data)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
  const { data, info } = await sharp(png, { failOn: 'error' })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.width !== frame.width || info.height !== frame.height || info.channels !== 4) {
    throw new Error('an APNG frame decoded to another size');
  }
  return data;
}

/** A copy of the frame's region of the canvas. */
function region(canvas: Buffer, width: number, frame: ApngFrame): Buffer {
  const rowBytes = frame.width * 4;
  const out = Buffer.alloc(rowBytes * frame.height);
  for (let row = 0; row < frame.height; row++) {
    const from = ((frame.y + row) * width + frame.x) * 4;
    canvas.copy(out, row * rowBytes, from, from + rowBytes);
  }
  return out;
}

/** The frame's region of the canvas replaced by `pixels`. */
function fill(canvas: Buffer, width: number, pixels: Buffer, frame: ApngFrame): void {
  const rowBytes = frame.width * 4;
  for (let row = 0; row < frame.height; row++) {
    pixels.copy(
      canvas,
      ((frame.y + row) * width + frame.x) * 4,
      row * rowBytes,
      (row + 1) * rowBytes,
    );
  }
}

/** The frame drawn onto the canvas: replacing its region, or over it ("over" of straight alpha). */
function draw(canvas: Buffer, width: number, source: Buffer, frame: ApngFrame): void {
  if (frame.blend === 0) {
    fill(canvas, width, source, frame);
    return;
  }
  for (let row = 0; row < frame.height; row++) {
    let to = ((frame.y + row) * width + frame.x) * 4;
    let from = row * frame.width * 4;
    for (let column = 0; column < frame.width; column++, to += 4, from += 4) {
      const alpha = source[from + 3] as number;
      if (alpha === 0) continue;
      if (alpha === 255) {
        source.copy(canvas, to, from, from + 4);
        continue;
      }
      const below = ((canvas[to + 3] as number) * (255 - alpha)) / 255;
      const out = alpha + below;
      for (let c = 0; c < 3; c++) {
        const value =
          ((source[from + c] as number) * alpha + (canvas[to + c] as number) * below) / out;
        canvas[to + c] = Math.round(value);
      }
      canvas[to + 3] = Math.round(out);
    }
  }
}
