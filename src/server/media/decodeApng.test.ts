/**
 * decodeApng: the frames of an animated PNG, checked against the APNG specification and composed
 * as a viewer must (regions, blending, disposal); anything damaged is not an animation, so the
 * pipeline shows the still image instead, as browsers do.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  apng,
  gpsExifBlock,
  pngChunk,
  solidPng,
  type ApngFrame,
} from '../../../test/fileHelpers.js';
import { decodeApng, parseApng } from './decodeApng.js';

const red: ApngFrame['rgba'] = [255, 0, 0, 255];
const green: ApngFrame['rgba'] = [0, 255, 0, 255];
const twoFrames = () => apng(8, 6, [{ rgba: red }, { rgba: green, delayMs: 40 }], { plays: 2 });

/** `bytes` with the `nth` chunk of `type` rewritten by `change` (its CRC made right again). */
function rewrite(bytes: Buffer, type: string, change: (data: Buffer) => Buffer, nth = 0): Buffer {
  const parts: Buffer[] = [bytes.subarray(0, 8)];
  let seen = 0;
  for (let at = 8; at < bytes.byteLength;) {
    const length = bytes.readUInt32BE(at);
    const chunkType = bytes.toString('latin1', at + 4, at + 8);
    const whole = bytes.subarray(at, at + 12 + length);
    const data = bytes.subarray(at + 8, at + 8 + length);
    parts.push(
      chunkType === type && seen++ === nth ? pngChunk(type, change(Buffer.from(data))) : whole,
    );
    at += 12 + length;
  }
  return Buffer.concat(parts);
}

/** The RGBA of pixel (x, y) of frame `frame` of a decoded animation. */
function pixel(
  animation: { width: number; height: number; pixels: Buffer },
  frame: number,
  x: number,
  y: number,
) {
  const at = ((frame * animation.height + y) * animation.width + x) * 4;
  return [...animation.pixels.subarray(at, at + 4)];
}

describe('parseApng', () => {
  it('reads the frames, their timing and the play count, and none of the metadata', async () => {
    const bytes = apng(8, 6, [{ rgba: red }, { rgba: green, delayMs: 40 }], {
      plays: 2,
      exif: await gpsExifBlock(),
      palette: true,
    });
    const parsed = parseApng(bytes);
    expect(parsed).toMatchObject({ width: 8, height: 6, plays: 2 });
    expect(parsed?.frames.map((f) => f.delayMs)).toEqual([100, 40]);
    expect(parsed?.decoding.map((chunk) => chunk.toString('latin1', 4, 8))).toEqual([
      'PLTE',
      'tRNS',
    ]);
  });

  it('is undefined for a PNG without animation, and for what is not a PNG', async () => {
    expect(parseApng(solidPng(4, 4))).toBeUndefined();
    expect(
      parseApng(
        await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
          .jpeg()
          .toBuffer(),
      ),
    ).toBeUndefined();
    expect(parseApng(Buffer.alloc(0))).toBeUndefined();
  });

  const damaged: [string, () => Buffer][] = [
    [
      'a chunk whose CRC does not match',
      () => {
        const bytes = Buffer.from(twoFrames());
        const at = bytes.indexOf('fdAT', 0, 'latin1') + 7;
        bytes[at] = (bytes[at] as number) ^ 1;
        return bytes;
      },
    ],
    [
      'a sequence number out of order',
      () => rewrite(twoFrames(), 'fdAT', (d) => (d.writeUInt32BE(7, 0), d)),
    ],
    [
      'more frames announced than there are',
      () => rewrite(twoFrames(), 'acTL', (d) => (d.writeUInt32BE(3, 0), d)),
    ],
    [
      'fewer frames announced than there are',
      () => rewrite(twoFrames(), 'acTL', (d) => (d.writeUInt32BE(1, 0), d)),
    ],
    [
      'a frame outside the canvas',
      () =>
        apng(8, 6, [{ rgba: red }, { rgba: green, region: { x: 4, y: 0, width: 8, height: 6 } }]),
    ],
    [
      'a frame of no pixels',
      () => rewrite(twoFrames(), 'fcTL', (d) => (d.writeUInt32BE(0, 4), d), 1),
    ],
    [
      'a first frame smaller than the canvas that is the still image too',
      () =>
        apng(8, 6, [{ rgba: red, region: { x: 0, y: 0, width: 4, height: 4 } }, { rgba: green }]),
    ],
    ['an unknown disposal', () => rewrite(twoFrames(), 'fcTL', (d) => ((d[24] = 3), d), 1)],
    ['an unknown blending', () => rewrite(twoFrames(), 'fcTL', (d) => ((d[25] = 2), d), 1)],
    [
      'no IEND (cut short)',
      () => {
        const bytes = twoFrames();
        return bytes.subarray(0, bytes.indexOf('IEND', 0, 'latin1') - 4);
      },
    ],
    [
      'a chunk longer than the file',
      () => {
        const bytes = Buffer.from(twoFrames());
        bytes.writeUInt32BE(0x7ffffff0, bytes.indexOf('fdAT', 0, 'latin1') - 4);
        return bytes;
      },
    ],
    [
      "a frame's data before its fcTL",
      () => {
        const bytes = twoFrames();
        const fdat = bytes.indexOf('fdAT', 0, 'latin1') - 4;
        const second = bytes.indexOf('fcTL', bytes.indexOf('fcTL', 0, 'latin1') + 1, 'latin1') - 4;
        const chunkEnd = fdat + 12 + bytes.readUInt32BE(fdat);
        return Buffer.concat([
          bytes.subarray(0, second),
          bytes.subarray(fdat, chunkEnd),
          bytes.subarray(second, fdat),
          bytes.subarray(chunkEnd),
        ]);
      },
    ],
    [
      'acTL after the image data',
      () => {
        const bytes = twoFrames();
        const actl = bytes.indexOf('acTL', 0, 'latin1') - 4;
        const idat = bytes.indexOf('IDAT', 0, 'latin1') - 4;
        const idatEnd = idat + 12 + bytes.readUInt32BE(idat);
        return Buffer.concat([
          bytes.subarray(0, actl),
          bytes.subarray(actl + 20, idatEnd),
          bytes.subarray(actl, actl + 20),
          bytes.subarray(idatEnd),
        ]);
      },
    ],
  ];
  it.each(damaged)('is undefined for %s', (_label, make) => {
    expect(parseApng(make())).toBeUndefined();
  });
});

describe('decodeApng', () => {
  it('composes frames as the specification says: regions, "over", background and previous', async () => {
    const parsed = parseApng(
      apng(8, 6, [
        { rgba: red, dispose: 2 },
        { rgba: green, region: { x: 4, y: 2, width: 2, height: 2 }, dispose: 2 },
        {
          rgba: [0, 0, 255, 128],
          region: { x: 0, y: 0, width: 2, height: 2 },
          blend: 1,
          dispose: 1,
        },
        { rgba: [255, 255, 255, 255], region: { x: 7, y: 5, width: 1, height: 1 }, blend: 1 },
      ]),
    );
    const animation = await decodeApng(parsed!);

    expect(animation.pixels.byteLength).toBe(8 * 6 * 4 * 4);
    expect(pixel(animation, 0, 4, 2)).toEqual(red);
    expect(pixel(animation, 1, 4, 2)).toEqual(green);
    // The first frame's "previous" is "background": the canvas was cleared after it.
    expect(pixel(animation, 1, 0, 0)).toEqual([0, 0, 0, 0]);
    // "Previous" put back what was under the green square: nothing.
    expect(pixel(animation, 2, 4, 2)).toEqual([0, 0, 0, 0]);
    // Half-transparent blue over a transparent canvas stays as it is.
    expect(pixel(animation, 2, 0, 0)).toEqual([0, 0, 255, 128]);
    expect(pixel(animation, 3, 0, 0)).toEqual([0, 0, 0, 0]);
    expect(pixel(animation, 3, 7, 5)).toEqual([255, 255, 255, 255]);
  });

  it('blends "over" an opaque canvas with straight alpha', async () => {
    const parsed = parseApng(apng(4, 4, [{ rgba: red }, { rgba: [0, 0, 255, 128], blend: 1 }]));
    const animation = await decodeApng(parsed!);
    expect(pixel(animation, 1, 2, 2)).toEqual([127, 0, 128, 255]);
  });

  it('leaves a still image that is not a frame out of the animation', async () => {
    const parsed = parseApng(
      apng(8, 6, [{ rgba: red }, { rgba: green }], { defaultImage: [0, 0, 0, 255] }),
    );
    const animation = await decodeApng(parsed!);
    expect(animation.delays).toHaveLength(2);
    expect(pixel(animation, 0, 3, 3)).toEqual(red);
    expect(pixel(animation, 1, 3, 3)).toEqual(green);
  });

  it('decodes palette frames with their transparency', async () => {
    const parsed = parseApng(
      apng(8, 6, [{ rgba: [10, 20, 30, 40] }, { rgba: green }], { palette: true }),
    );
    const animation = await decodeApng(parsed!);
    expect(pixel(animation, 0, 1, 1)).toEqual([10, 20, 30, 40]);
    expect(pixel(animation, 1, 1, 1)).toEqual(green);
  });

  it('throws when a frame’s pixels do not decode', async () => {
    const bytes = rewrite(twoFrames(), 'fdAT', (d) =>
      Buffer.concat([d.subarray(0, 4), Buffer.from('not zlib data')]),
    );
    const parsed = parseApng(bytes);
    expect(parsed).toBeDefined();
    await expect(decodeApng(parsed!)).rejects.toThrow();
  });
});
