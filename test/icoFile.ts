/**
 * Icon files made in a test, as Windows writes them: a directory, then each picture as a PNG or
 * as a bitmap (a DIB whose height counts the colour rows and the AND-mask rows, bottom row first).
 */

/** RGBA, 4 bytes a pixel, top row first. */
export interface Pixels {
  width: number;
  height: number;
  rgba: Buffer;
}

export interface BitmapOptions {
  /** 1, 4, 8 (a palette is built from the pixels' colours), 24 or 32. */
  bitCount: 1 | 4 | 8 | 24 | 32;
  /** Write the AND mask from alpha (transparent where alpha < 128); true unless false. */
  mask?: boolean;
  /** 32-bit only: write alpha as 0 everywhere, leaving transparency to the mask. */
  zeroAlpha?: boolean;
}

function stride(width: number, bitCount: number): number {
  return Math.ceil((width * bitCount) / 32) * 4;
}

/** A picture as an icon's bitmap entry (BITMAPINFOHEADER, uncompressed). */
export function bitmapEntry({ width, height, rgba }: Pixels, options: BitmapOptions): Buffer {
  const { bitCount } = options;
  const palette: number[] = [];
  const paletteIndex = new Map<number, number>();
  if (bitCount <= 8) {
    for (let at = 0; at < rgba.length; at += 4) {
      const key = (rgba[at]! << 16) | (rgba[at + 1]! << 8) | rgba[at + 2]!;
      if (!paletteIndex.has(key)) {
        paletteIndex.set(key, palette.length);
        palette.push(key);
      }
    }
    if (palette.length > 2 ** bitCount) throw new Error('too many colours for the bit count');
  }
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeInt32LE(width, 4);
  header.writeInt32LE(height * 2, 8);
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(bitCount, 14);
  header.writeUInt32LE(bitCount <= 8 ? palette.length : 0, 32);
  const paletteBytes = Buffer.alloc(palette.length * 4);
  palette.forEach((key, i) => {
    paletteBytes[i * 4] = key & 0xff;
    paletteBytes[i * 4 + 1] = (key >> 8) & 0xff;
    paletteBytes[i * 4 + 2] = key >> 16;
  });
  const rowBytes = stride(width, bitCount);
  const pixels = Buffer.alloc(rowBytes * height);
  const maskRow = stride(width, 1);
  const mask = Buffer.alloc(maskRow * height);
  for (let y = 0; y < height; y++) {
    const row = (height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      const [r, g, b, a] = [rgba[at]!, rgba[at + 1]!, rgba[at + 2]!, rgba[at + 3]!];
      if (bitCount === 32 || bitCount === 24) {
        const to = row + x * (bitCount / 8);
        pixels[to] = b;
        pixels[to + 1] = g;
        pixels[to + 2] = r;
        if (bitCount === 32) pixels[to + 3] = options.zeroAlpha ? 0 : a;
      } else {
        const index = paletteIndex.get((r << 16) | (g << 8) | b)!;
        const perByte = 8 / bitCount;
        const shift = 8 - bitCount * ((x % perByte) + 1);
        pixels[row + Math.floor(x / perByte)]! |= index << shift;
      }
      if (a < 128) mask[(height - 1 - y) * maskRow + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return Buffer.concat([header, paletteBytes, pixels, ...(options.mask === false ? [] : [mask])]);
}

/** An icon file of these pictures, in this order; the directory's size bytes are 0 for 256. */
export function icoFile(
  entries: { data: Buffer; width: number; height: number; bitCount?: number }[],
): Buffer {
  const directory = Buffer.alloc(6 + entries.length * 16);
  directory.writeUInt16LE(1, 2);
  directory.writeUInt16LE(entries.length, 4);
  let offset = directory.length;
  entries.forEach((entry, i) => {
    const at = 6 + i * 16;
    directory[at] = entry.width & 0xff;
    directory[at + 1] = entry.height & 0xff;
    directory.writeUInt16LE(1, at + 4);
    directory.writeUInt16LE(entry.bitCount ?? 32, at + 6);
    directory.writeUInt32LE(entry.data.length, at + 8);
    directory.writeUInt32LE(offset, at + 12);
    offset += entry.data.length;
  });
  return Buffer.concat([directory, ...entries.map((entry) => entry.data)]);
}
