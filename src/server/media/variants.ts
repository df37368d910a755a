import sharp, { type Sharp } from 'sharp';
import { THUMB_WIDTHS } from '../../protocol/constants.js';
import type { ThumbFormat } from '../../protocol/schemas.js';

/** A format a resized copy is written in. */
export type EncodedFormat = Exclude<ThumbFormat, 'auto'>;

const encoders: Record<EncodedFormat, (image: Sharp) => Sharp> = {
  // AVIF at effort 0 is both faster and smaller than WebP here (docs/decisions/003).
  avif: (image) => image.avif({ quality: 50, effort: 0 }),
  webp: (image) => image.webp({ quality: 75 }),
  jpeg: (image) => image.jpeg({ quality: 80, progressive: true }),
  png: (image) => image.png({ compressionLevel: 6 }),
};

/** AVIF, then WebP, then JPEG, as the client's Accept header allows. */
export function negotiate(accept: string | undefined): EncodedFormat {
  const types = (accept ?? '').toLowerCase();
  if (types.includes('image/avif')) return 'avif';
  if (types.includes('image/webp')) return 'webp';
  return 'jpeg';
}

/**
 * The width a resized copy is made at: `width` rounded up to one of THUMB_WIDTHS, and never past
 * the original's, so no one can fill a cache by asking for every size.
 */
export function snapWidth(width: number, originalWidth: number): number {
  const snapped = THUMB_WIDTHS.find((w) => w >= width) ?? THUMB_WIDTHS[THUMB_WIDTHS.length - 1];
  return Math.min(snapped as number, originalWidth);
}

/**
 * A resized copy of an image the pipeline already checked and cleaned (processImage): drawn
 * upright by its EXIF orientation, `width` wide at most, written as `format` with no metadata.
 * An animation keeps its frames only as WebP (the one animated format written here).
 */
export async function makeVariant(
  bytes: Buffer,
  width: number,
  format: EncodedFormat,
  animated = false,
): Promise<Buffer> {
  const image = sharp(bytes, { animated: animated && format === 'webp' })
    .autoOrient()
    .resize({ width, withoutEnlargement: true });
  return encoders[format](image).toBuffer();
}
