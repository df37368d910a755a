import { AppError } from '../core/AppError.js';

/**
 * One picture of an icon file, in a form sharp reads: a PNG entry as it is stored, or a bitmap
 * entry's pixels as 8-bit RGBA, top row first (`sharp(data, { raw: { …, channels: 4 } })`).
 */
export type IcoPicture =
  | { format: 'png'; width: number; height: number; data: Buffer }
  | { format: 'rgba'; width: number; height: number; data: Buffer };

/** More pictures than this is not a favicon; Windows' own icons carry a dozen or so. */
export const MAX_ICO_ENTRIES = 64;
/** The largest side the format can name (a directory byte of 0 means 256). */
export const MAX_ICO_SIDE = 256;

/** Why an icon file was refused: 415 `unsupported_type`, with the reason in `details.reason`. */
export const icoRefusals = [
  'not_ico', // no icon header
  'no_entries', // a directory of zero pictures
  'too_many_entries', // more than MAX_ICO_ENTRIES
  'truncated', // the directory, or a picture's pixels, run past the end
  'outside', // a picture's offset or size points outside the file or into the directory
  'dimensions', // a picture wider or taller than MAX_ICO_SIDE, or of no size
  'bitmap', // a bitmap header this reader does not decode (compressed, 16-bit, top-down)
] as const;
export type IcoRefusal = (typeof icoRefusals)[number];

function refused(reason: IcoRefusal): AppError {
  return new AppError('unsupported_type', 'This icon file could not be read; it may be damaged.', {
    details: { reason },
  });
}

const HEADER = 6;
const ENTRY = 16;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** BITMAPINFOHEADER and its later, longer versions (V2, V3, V4, V5). */
const DIB_HEADER_SIZES = new Set([40, 52, 56, 108, 124]);

/** Whether the bytes start like an icon file (type 1, at least one picture). */
export function isIco(bytes: Buffer): boolean {
  return (
    bytes.byteLength >= HEADER &&
    bytes.readUInt16LE(0) === 0 &&
    bytes.readUInt16LE(2) === 1 &&
    bytes.readUInt16LE(4) > 0
  );
}

interface Entry {
  data: Buffer;
  width: number;
  height: number;
  bitCount: number;
  png: boolean;
}

/**
 * The largest picture of an icon file (ties: the deeper colour), since sharp does not read the
 * format. Every directory entry is checked before any pixel is read — count, offset and size
 * inside the file and past the directory, each picture's own header naming at most 256×256 —
 * so a file that lies about any of them is refused with 415 `unsupported_type` and
 * `details.reason` (`icoRefusals`), never read out of bounds. A bitmap entry (1, 4, 8, 24 or
 * 32 bits, uncompressed) is converted with its AND mask: a 32-bit one keeps its own alpha when
 * it has any; the output is at most 256×256×4 bytes.
 */
export function readIco(bytes: Buffer): IcoPicture {
  if (!isIco(bytes)) {
    if (bytes.byteLength >= HEADER && bytes.readUInt16LE(0) === 0 && bytes.readUInt16LE(2) === 1)
      throw refused('no_entries');
    throw refused('not_ico');
  }
  const count = bytes.readUInt16LE(4);
  if (count > MAX_ICO_ENTRIES) throw refused('too_many_entries');
  const directoryEnd = HEADER + count * ENTRY;
  if (directoryEnd > bytes.byteLength) throw refused('truncated');

  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const at = HEADER + i * ENTRY;
    const size = bytes.readUInt32LE(at + 8);
    const offset = bytes.readUInt32LE(at + 12);
    if (size === 0 || offset < directoryEnd || offset + size > bytes.byteLength)
      throw refused('outside');
    entries.push(readEntry(bytes.subarray(offset, offset + size)));
  }
  const largest = entries.reduce((best, entry) => {
    const area = entry.width * entry.height;
    const bestArea = best.width * best.height;
    return area > bestArea || (area === bestArea && entry.bitCount > best.bitCount) ? entry : best;
  });
  if (largest.png) {
    return { format: 'png', width: largest.width, height: largest.height, data: largest.data };
  }
  return {
    format: 'rgba',
    width: largest.width,
    height: largest.height,
    data: decodeBitmap(largest),
  };
}

/** A picture's size and depth from its own header (the directory's bytes are only hints). */
function readEntry(data: Buffer): Entry {
  if (data.byteLength >= PNG_SIGNATURE.byteLength && data.subarray(0, 8).equals(PNG_SIGNATURE)) {
    // Signature, then IHDR: length, type, width, height, bit depth…
    if (data.byteLength < 33 || data.toString('latin1', 12, 16) !== 'IHDR')
      throw refused('truncated');
    const width = data.readUInt32BE(16);
    const height = data.readUInt32BE(20);
    checkSides(width, height);
    return { data, width, height, bitCount: 32, png: true };
  }
  if (data.byteLength < 40) throw refused('truncated');
  const headerSize = data.readUInt32LE(0);
  if (!DIB_HEADER_SIZES.has(headerSize)) throw refused('bitmap');
  if (data.byteLength < headerSize) throw refused('truncated');
  const width = data.readInt32LE(4);
  // The height counts both the colour rows and the mask rows below them.
  const doubleHeight = data.readInt32LE(8);
  const bitCount = data.readUInt16LE(14);
  const compression = data.readUInt32LE(16);
  if (doubleHeight < 0 || doubleHeight % 2 !== 0) throw refused('bitmap');
  if (compression !== 0 || ![1, 4, 8, 24, 32].includes(bitCount)) throw refused('bitmap');
  const height = doubleHeight / 2;
  checkSides(width, height);
  return { data, width, height, bitCount, png: false };
}

function checkSides(width: number, height: number): void {
  if (width < 1 || height < 1 || width > MAX_ICO_SIDE || height > MAX_ICO_SIDE)
    throw refused('dimensions');
}

/** Bitmap rows are stored bottom row first, each padded to 4 bytes. */
function rowBytes(width: number, bitCount: number): number {
  return Math.ceil((width * bitCount) / 32) * 4;
}

function decodeBitmap({ data, width, height, bitCount }: Entry): Buffer {
  const headerSize = data.readUInt32LE(0);
  const colorsUsed = data.readUInt32LE(32);
  const paletteSize = bitCount <= 8 ? colorsUsed || 2 ** bitCount : 0;
  if (paletteSize > 2 ** bitCount) throw refused('bitmap');
  const pixelsAt = headerSize + paletteSize * 4;
  const stride = rowBytes(width, bitCount);
  const maskAt = pixelsAt + stride * height;
  const maskStride = rowBytes(width, 1);
  // A 32-bit picture carries its alpha; some writers leave its AND mask out.
  const hasMask = maskAt + maskStride * height <= data.byteLength;
  if (maskAt > data.byteLength || (!hasMask && bitCount !== 32)) throw refused('truncated');

  let ownAlpha = false;
  if (bitCount === 32) {
    for (let y = 0; y < height && !ownAlpha; y++) {
      for (let x = 0; x < width; x++) {
        if (data[pixelsAt + y * stride + x * 4 + 3] !== 0) {
          ownAlpha = true;
          break;
        }
      }
    }
  }

  const out = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = pixelsAt + (height - 1 - y) * stride;
    const maskRow = maskAt + (height - 1 - y) * maskStride;
    for (let x = 0; x < width; x++) {
      const to = (y * width + x) * 4;
      let from: number;
      if (bitCount <= 8) {
        const perByte = 8 / bitCount;
        const shift = 8 - bitCount * ((x % perByte) + 1);
        const index = (data[row + Math.floor(x / perByte)]! >> shift) & (2 ** bitCount - 1);
        // An index past the palette names no colour: black, as Windows draws it.
        if (index >= paletteSize) {
          out[to + 3] = 255;
          from = -1;
        } else {
          from = headerSize + index * 4;
        }
      } else {
        from = row + x * (bitCount / 8);
      }
      if (from >= 0) {
        out[to] = data[from + 2]!;
        out[to + 1] = data[from + 1]!;
        out[to + 2] = data[from]!;
        out[to + 3] = ownAlpha ? data[from + 3]! : 255;
      }
      if (!ownAlpha && hasMask && (data[maskRow + (x >> 3)]! >> (7 - (x & 7))) & 1) {
        out[to + 3] = 0;
      }
    }
  }
  return out;
}
