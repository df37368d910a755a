/**
 * A realistic-ish 12-megapixel photo: a smooth scene (a gradient sky, a sun, a block) under two
 * layers of noise — a coarse one, like texture and foliage, that survives downscaling, and a
 * fine blurred one, like sensor noise — saved as a quality-90 JPEG. Tuned so that it compresses
 * like a phone photo: about 3 MB, with a 480 px WebP thumbnail of about 30 KB. A flat test card
 * would compress to a few hundred KB and flatter every figure. Made once, then kept in the
 * system's temp directory.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { pool } from './bench.js';

export const PHOTO_WIDTH = 4000;
export const PHOTO_HEIGHT = 3000;
/** Bump when the recipe changes, so an old cached photo is not reused. */
const RECIPE = 'v2-fine24-coarse55x8-q90';
/** Where the fixtures made once are kept between runs. */
const FIXTURES_DIR = path.join(os.tmpdir(), 'roomkit-bench');

function scene(width: number, height: number): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
      <defs><linearGradient id="sky" x1="0" y1="0" x2="1" y2="1">
        <stop offset="0" stop-color="#4a7fb5"/><stop offset="0.55" stop-color="#e8d6a8"/>
        <stop offset="1" stop-color="#3b5e2b"/>
      </linearGradient></defs>
      <rect width="100%" height="100%" fill="url(#sky)"/>
      <circle cx="${width * 0.7}" cy="${height * 0.3}" r="${height / 6}" fill="#f4e19c"/>
      <rect x="${width * 0.1}" y="${height * 0.6}" width="${width * 0.375}"
        height="${height * 0.3}" fill="#7a4b32"/>
    </svg>`,
  );
}

/** Gaussian noise made at 1/`scale` of the photo's size and smoothly upscaled to it. */
async function noise(scale: number, sigma: number, blur: number): Promise<Buffer> {
  const width = Math.round(PHOTO_WIDTH / scale);
  const height = Math.round(PHOTO_HEIGHT / scale);
  const raw = { width, height, channels: 3 } as const;
  let pixels = await sharp({
    create: { ...raw, background: '#000', noise: { type: 'gaussian', mean: 128, sigma } },
  })
    .raw()
    .toBuffer();
  if (blur > 0) pixels = await sharp(pixels, { raw }).blur(blur).raw().toBuffer();
  if (scale === 1) return pixels;
  return sharp(pixels, { raw })
    .resize(PHOTO_WIDTH, PHOTO_HEIGHT, { kernel: 'cubic' })
    .raw()
    .toBuffer();
}

async function render(): Promise<Buffer> {
  const raw = { width: PHOTO_WIDTH, height: PHOTO_HEIGHT, channels: 3 } as const;
  const coarse = await noise(8, 55, 0);
  const fine = await noise(1, 24, 0.75);
  return sharp(scene(PHOTO_WIDTH, PHOTO_HEIGHT))
    .composite([
      { input: coarse, raw, blend: 'soft-light' },
      { input: fine, raw, blend: 'overlay' },
    ])
    .withExif({ IFD0: { Make: 'RoomkitBench', Model: 'Synthetic 12MP' } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** The 12 MP JPEG (about 3 MB), from the cache when an earlier run made it. */
export async function photo12mp(): Promise<Buffer> {
  const file = path.join(FIXTURES_DIR, `photo-12mp-${RECIPE}.jpg`);
  if (existsSync(file)) return readFile(file);
  const bytes = await render();
  await mkdir(FIXTURES_DIR, { recursive: true });
  await writeFile(`${file}.tmp`, bytes);
  await rename(`${file}.tmp`, file);
  return bytes;
}

/**
 * `count` copies of the photo that differ in one small patch, so that each becomes a distinct
 * file (a room stores identical bytes once, and processing is deterministic).
 */
export async function photoVariants(photo: Buffer, count: number): Promise<Buffer[]> {
  const variants: Buffer[] = [];
  for (let k = 0; k < count; k++) variants.push(await photoVariant(photo, k));
  return variants;
}

/** The photo with patch `k` (up to 60) on it: the k-th of photoVariants. */
export function photoVariant(photo: Buffer, k: number): Promise<Buffer> {
  const patch = {
    create: {
      width: 64,
      height: 64,
      channels: 3,
      background: { r: (k * 53) % 256, g: (k * 97) % 256, b: (k * 151) % 256 },
    },
  } as const;
  return sharp(photo)
    .composite([{ input: patch, top: 64, left: 64 + 64 * k }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Writes `make()`'s bytes to `file` unless an earlier run did (whole files only). */
async function keep(file: string, make: () => Promise<Buffer>): Promise<void> {
  if (existsSync(file)) return;
  const bytes = await make();
  await writeFile(`${file}.tmp`, bytes);
  await rename(`${file}.tmp`, file);
}

/** A folder of image files, named `photo-<k>.jpg` for k from 0, as a web site would serve them. */
export interface PhotoFolder {
  dir: string;
  names: string[];
}

/**
 * `count` distinct copies of the 12 MP photo (photoVariants), one file each, kept in the
 * system's temp directory: each takes about a second of CPU to make.
 */
export async function photoFolder(photo: Buffer, count: number): Promise<PhotoFolder> {
  const dir = path.join(FIXTURES_DIR, `photos-12mp-${RECIPE}`);
  await mkdir(dir, { recursive: true });
  const names = Array.from({ length: count }, (_, k) => `photo-${k}.jpg`);
  for (const [k, name] of names.entries()) {
    await keep(path.join(dir, name), () => photoVariant(photo, k));
  }
  return { dir, names };
}

/** The size of the web photos: what a site puts in its `og:image` or an article, not a camera's. */
export const WEB_PHOTO_WIDTH = 1600;
export const WEB_PHOTO_HEIGHT = 1200;
/** Cells of the grid that makes each web photo distinct: one patch per photo, 40 × 30 of them. */
const CELL = 40;

/**
 * `count` distinct 1600 × 1200 JPEGs (quality 85) of the photo, each with one small patch in a
 * cell of its own, kept in the system's temp directory; at most 1,200. The photo is scaled down
 * once; each copy is then only encoded.
 */
export async function webPhotoFolder(photo: Buffer, count: number): Promise<PhotoFolder> {
  const columns = WEB_PHOTO_WIDTH / CELL;
  if (count > columns * (WEB_PHOTO_HEIGHT / CELL)) throw new Error('too many web photos');
  const dir = path.join(FIXTURES_DIR, `photos-${WEB_PHOTO_WIDTH}-${RECIPE}`);
  await mkdir(dir, { recursive: true });
  const names = Array.from({ length: count }, (_, k) => `photo-${k}.jpg`);
  if (names.every((name) => existsSync(path.join(dir, name)))) return { dir, names };
  const raw = { width: WEB_PHOTO_WIDTH, height: WEB_PHOTO_HEIGHT, channels: 3 } as const;
  const base = await sharp(photo).resize(raw.width, raw.height).raw().toBuffer();
  // Two at a time: sharp encodes off the main thread, so both cores work while copies are made.
  await pool(
    2,
    names.map(
      (name, k) => () =>
        keep(path.join(dir, name), () => {
          const pixels = Buffer.from(base);
          const left = (k % columns) * CELL;
          const top = Math.floor(k / columns) * CELL;
          const colour = [(k * 53) % 256, (k * 97) % 256, (k * 151) % 256];
          for (let y = top + 8; y < top + CELL - 8; y++) {
            for (let x = left + 8; x < left + CELL - 8; x++) {
              pixels.set(colour, (y * raw.width + x) * 3);
            }
          }
          return sharp(pixels, { raw }).jpeg({ quality: 85 }).toBuffer();
        }),
    ),
  );
  return { dir, names };
}
