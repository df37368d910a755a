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

export const PHOTO_WIDTH = 4000;
export const PHOTO_HEIGHT = 3000;
/** Bump when the recipe changes, so an old cached photo is not reused. */
const RECIPE = 'v2-fine24-coarse55x8-q90';

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
  const dir = path.join(os.tmpdir(), 'roomkit-bench');
  const file = path.join(dir, `photo-12mp-${RECIPE}.jpg`);
  if (existsSync(file)) return readFile(file);
  const bytes = await render();
  await mkdir(dir, { recursive: true });
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
  for (let k = 0; k < count; k++) {
    const patch = {
      create: {
        width: 64,
        height: 64,
        channels: 3,
        background: { r: (k * 53) % 256, g: (k * 97) % 256, b: (k * 151) % 256 },
      },
    } as const;
    variants.push(
      await sharp(photo)
        .composite([{ input: patch, top: 64, left: 64 + 64 * k }])
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  }
  return variants;
}
