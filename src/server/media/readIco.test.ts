/**
 * readIco: the largest picture of an icon file, as sharp reads it — a PNG entry as stored, a
 * bitmap entry as RGBA with its AND mask applied — and any file that lies about its pictures
 * (offsets, sizes, counts, dimensions) refused with 415 `unsupported_type` and a reason.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { bitmapEntry, icoFile, type Pixels } from '../../../test/icoFile.js';
import { AppError } from '../core/AppError.js';
import { decoded, openImage } from './openImage.js';
import { isIco, readIco, type IcoRefusal } from './readIco.js';

/** A picture of `width`×`height` whose pixel (x, y) is `colour(x, y)` (RGBA). */
function picture(
  width: number,
  height: number,
  colour: (x: number, y: number) => [number, number, number, number],
): Pixels {
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rgba.set(colour(x, y), (y * width + x) * 4);
  }
  return { width, height, rgba };
}

/** Odd sizes, so every row is padded; the corners differ, so a flipped or mirrored read shows. */
const corners = picture(13, 7, (x, y) => {
  if (x === 0 && y === 0) return [255, 0, 0, 255];
  if (x === 12 && y === 0) return [0, 255, 0, 255];
  if (x === 0 && y === 6) return [0, 0, 255, 255];
  if ((x + y) % 3 === 0) return [0, 0, 0, 0];
  return [240, 200, 40, 255];
});

/** What a reader should give for `pixels` when transparency is all-or-nothing. */
function expected(pixels: Pixels, bitCount: number): Buffer {
  const out = Buffer.from(pixels.rgba);
  for (let at = 0; at < out.length; at += 4) {
    if (out[at + 3]! < 128) {
      out[at + 3] = 0;
      // Below 32 bits a masked pixel keeps its colour; the test pictures give it black.
      if (bitCount < 32) out.fill(0, at, at + 3);
    } else if (bitCount < 32) {
      out[at + 3] = 255;
    }
  }
  return out;
}

async function pngOf(pixels: Pixels): Promise<Buffer> {
  const { width, height, rgba } = pixels;
  return sharp(rgba, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

function refusal(run: () => unknown): IcoRefusal | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('unsupported_type');
    return ((error as AppError).details as { reason: IcoRefusal }).reason;
  }
  return undefined;
}

describe('readIco', () => {
  it('gives a PNG entry as it is stored', async () => {
    const png = await pngOf(corners);
    const picture = readIco(icoFile([{ data: png, width: 13, height: 7 }]));
    expect(picture).toEqual({ format: 'png', width: 13, height: 7, data: png });
    expect(isIco(icoFile([{ data: png, width: 13, height: 7 }]))).toBe(true);
    expect(isIco(png)).toBe(false);
  });

  for (const bitCount of [32, 24, 8, 4] as const) {
    it(`turns a ${bitCount}-bit bitmap entry into RGBA, the right way up, its mask applied`, () => {
      const entry = bitmapEntry(corners, { bitCount });
      const picture = readIco(icoFile([{ data: entry, width: 13, height: 7, bitCount }]));
      expect(picture.format).toBe('rgba');
      expect([picture.width, picture.height]).toEqual([13, 7]);
      expect(picture.data).toEqual(expected(corners, bitCount));
    });
  }

  it('reads a 1-bit bitmap through its two-colour palette', () => {
    const twoColours = picture(9, 9, (x, y) =>
      x === y ? [255, 255, 255, 255] : x > y ? [0, 0, 0, 0] : [0, 0, 0, 255],
    );
    const entry = bitmapEntry(twoColours, { bitCount: 1 });
    const picture1 = readIco(icoFile([{ data: entry, width: 9, height: 9, bitCount: 1 }]));
    expect(picture1.data).toEqual(expected(twoColours, 1));
  });

  it('keeps a 32-bit entry’s own alpha, and uses the AND mask when its alpha is all zero', () => {
    const soft = picture(4, 4, (x) => [10, 20, 30, x * 80]);
    const withAlpha = readIco(
      icoFile([{ data: bitmapEntry(soft, { bitCount: 32 }), width: 4, height: 4 }]),
    );
    expect(withAlpha.data).toEqual(soft.rgba);
    const maskOnly = readIco(
      icoFile([
        { data: bitmapEntry(corners, { bitCount: 32, zeroAlpha: true }), width: 13, height: 7 },
      ]),
    );
    expect(maskOnly.data).toEqual(expected(corners, 32));
    // A 32-bit entry written without its mask is still whole.
    const unmasked = readIco(
      icoFile([{ data: bitmapEntry(soft, { bitCount: 32, mask: false }), width: 4, height: 4 }]),
    );
    expect(unmasked.data).toEqual(soft.rgba);
  });

  it('picks the largest picture, then the deepest colour, whatever the order', async () => {
    const small = picture(16, 16, () => [255, 0, 0, 255]);
    const large = picture(48, 48, () => [0, 0, 255, 255]);
    const file = icoFile([
      { data: await pngOf(small), width: 16, height: 16 },
      { data: bitmapEntry(large, { bitCount: 8 }), width: 48, height: 48, bitCount: 8 },
      { data: bitmapEntry(large, { bitCount: 32 }), width: 48, height: 48 },
      { data: bitmapEntry(small, { bitCount: 4 }), width: 16, height: 16, bitCount: 4 },
    ]);
    const picture48 = readIco(file);
    expect([picture48.format, picture48.width, picture48.height]).toEqual(['rgba', 48, 48]);
    // The 32-bit copy, not the 8-bit one: only the former keeps soft alpha.
    expect(picture48.data).toEqual(large.rgba);

    // The sizes come from each picture's own header: a directory claiming 255×255 changes nothing.
    const lying = Buffer.from(file);
    lying[6] = 255;
    lying[7] = 255;
    expect(readIco(lying).width).toBe(48);
  });

  it('hands sharp an image it reads with the same pixels (openImage)', async () => {
    const entry = bitmapEntry(corners, { bitCount: 32 });
    const image = await openImage(icoFile([{ data: entry, width: 13, height: 7 }]));
    const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([13, 7, 4]);
    expect(data).toEqual(expected(corners, 32));
  });
});

describe('readIco refuses files that lie', () => {
  const entry = bitmapEntry(corners, { bitCount: 32 });
  const good = icoFile([{ data: entry, width: 13, height: 7 }]);

  it('refuses what is not an icon, or an empty or crowded directory', () => {
    expect(refusal(() => readIco(Buffer.from('GIF89a, not an icon')))).toBe('not_ico');
    expect(refusal(() => readIco(Buffer.alloc(3)))).toBe('not_ico');
    expect(refusal(() => readIco(icoFile([])))).toBe('no_entries');
    const many = icoFile(Array.from({ length: 65 }, () => ({ data: entry, width: 13, height: 7 })));
    expect(refusal(() => readIco(many))).toBe('too_many_entries');
    const sixtyFour = icoFile(
      Array.from({ length: 64 }, () => ({ data: entry, width: 13, height: 7 })),
    );
    expect(readIco(sixtyFour).width).toBe(13);
  });

  it('refuses a directory longer than the file, and entries pointing outside it', () => {
    const header = Buffer.from(good.subarray(0, 6));
    header.writeUInt16LE(3, 4);
    expect(refusal(() => readIco(Buffer.concat([header, good.subarray(6, 22)])))).toBe('truncated');

    const pastEnd = Buffer.from(good);
    pastEnd.writeUInt32LE(entry.length + 1, 6 + 8);
    expect(refusal(() => readIco(pastEnd))).toBe('outside');

    const offsetPastEnd = Buffer.from(good);
    offsetPastEnd.writeUInt32LE(0xfffffff0, 6 + 12);
    expect(refusal(() => readIco(offsetPastEnd))).toBe('outside');

    // Pointing back into the directory would read the header as pixels.
    const intoDirectory = Buffer.from(good);
    intoDirectory.writeUInt32LE(0, 6 + 12);
    expect(refusal(() => readIco(intoDirectory))).toBe('outside');

    const empty = Buffer.from(good);
    empty.writeUInt32LE(0, 6 + 8);
    expect(refusal(() => readIco(empty))).toBe('outside');
  });

  it('refuses pictures of more than 256 pixels a side, or of none', async () => {
    const big = await sharp({
      create: { width: 257, height: 8, channels: 4, background: '#000' },
    })
      .png()
      .toBuffer();
    expect(refusal(() => readIco(icoFile([{ data: big, width: 0, height: 8 }])))).toBe(
      'dimensions',
    );
    const wide = Buffer.from(entry);
    wide.writeInt32LE(300, 4);
    expect(refusal(() => readIco(icoFile([{ data: wide, width: 44, height: 7 }])))).toBe(
      'dimensions',
    );
    const flat = Buffer.from(entry);
    flat.writeInt32LE(0, 8);
    expect(refusal(() => readIco(icoFile([{ data: flat, width: 13, height: 0 }])))).toBe(
      'dimensions',
    );
    // A PNG's IHDR is read, not the directory's bytes: 256 is the most there is.
    const largest = await sharp({
      create: { width: 256, height: 256, channels: 4, background: '#000' },
    })
      .png()
      .toBuffer();
    expect(readIco(icoFile([{ data: largest, width: 0, height: 0 }])).width).toBe(256);
  });

  it('refuses bitmaps it does not decode, and pixels cut short', () => {
    const change = (edit: (data: Buffer) => void): Buffer => {
      const data = Buffer.from(entry);
      edit(data);
      return icoFile([{ data, width: 13, height: 7 }]);
    };
    expect(refusal(() => readIco(change((d) => d.writeInt32LE(-14, 8))))).toBe('bitmap');
    expect(refusal(() => readIco(change((d) => d.writeInt32LE(13, 8))))).toBe('bitmap');
    expect(refusal(() => readIco(change((d) => d.writeUInt32LE(1, 16))))).toBe('bitmap');
    expect(refusal(() => readIco(change((d) => d.writeUInt16LE(16, 14))))).toBe('bitmap');
    expect(refusal(() => readIco(change((d) => d.writeUInt32LE(12, 0))))).toBe('bitmap');
    const paletted = bitmapEntry(corners, { bitCount: 4 });
    const hugePalette = Buffer.from(paletted);
    hugePalette.writeUInt32LE(17, 32);
    expect(
      refusal(() => readIco(icoFile([{ data: hugePalette, width: 13, height: 7, bitCount: 4 }]))),
    ).toBe('bitmap');
    // Colour rows cut short, and a paletted picture without its mask.
    const cut = entry.subarray(0, 40 + 13 * 4 * 3);
    expect(refusal(() => readIco(icoFile([{ data: cut, width: 13, height: 7 }])))).toBe(
      'truncated',
    );
    const unmasked = bitmapEntry(corners, { bitCount: 8, mask: false });
    expect(
      refusal(() => readIco(icoFile([{ data: unmasked, width: 13, height: 7, bitCount: 8 }]))),
    ).toBe('truncated');
  });

  it('refuses every cut of a good file cleanly, never reading past its end', async () => {
    const png = await pngOf(corners);
    const mixed = icoFile([
      { data: png, width: 13, height: 7 },
      { data: bitmapEntry(corners, { bitCount: 8 }), width: 13, height: 7, bitCount: 8 },
    ]);
    for (let length = 0; length < mixed.length; length++) {
      // A copy of exactly this length: a read past its end would throw a RangeError.
      const cut = Buffer.from(mixed.subarray(0, length));
      expect(
        refusal(() => readIco(cut)),
        `cut at ${length}`,
      ).toBeDefined();
    }
    // The directory agreeing with the cut: the picture's own header and rows must be checked.
    const paletted = bitmapEntry(corners, { bitCount: 8 });
    for (let length = 1; length < paletted.length; length++) {
      const file = icoFile([{ data: paletted.subarray(0, length), width: 13, height: 7 }]);
      expect(
        refusal(() => readIco(file)),
        `picture cut at ${length}`,
      ).toBeDefined();
    }
    // Cut in the signature, the header, before and inside the pixels: sharp's turn to refuse.
    for (const length of [8, 20, 33, 45]) {
      const file = icoFile([{ data: png.subarray(0, length), width: 13, height: 7 }]);
      const error = await openImage(file).then(
        (image) => decoded(() => image.raw().toBuffer()),
        (refused: unknown) => refused,
      );
      expect(error, `PNG cut at ${length}`).toBeInstanceOf(AppError);
    }
  });
});
