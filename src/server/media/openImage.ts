import sharp, { type Sharp } from 'sharp';
import { AppError } from '../core/AppError.js';
import { isIco, readIco } from './readIco.js';

// We keep our own byte-budgeted caches; libvips' operation cache would hold memory we cannot see.
sharp.cache(false);

/**
 * A logo or favicon larger than this is not one: 2048×2048, 16 MiB once decoded to RGBA. The
 * cap holds for an SVG's rendered size too, which its own width and height decide.
 */
export const MAX_LOGO_PIXELS = 2048 * 2048;

function unreadable(cause?: unknown): AppError {
  return new AppError('unsupported_type', 'This image could not be read; it may be damaged.', {
    cause,
  });
}

/**
 * A logo's bytes as a sharp pipeline, its size checked: anything sharp reads (PNG, JPEG, WebP,
 * GIF, SVG…) or an icon file (readIco.ts, its largest picture). Unreadable bytes are 415
 * `unsupported_type`, more than MAX_LOGO_PIXELS 413 `too_large`, both before any pixel is
 * decoded. Run the pipeline through `decoded()`: damage found while decoding is an AppError too.
 */
export async function openImage(bytes: Buffer): Promise<Sharp> {
  let input = bytes;
  let raw: { width: number; height: number; channels: 4 } | undefined;
  if (isIco(bytes)) {
    const picture = readIco(bytes);
    input = picture.data;
    if (picture.format === 'rgba')
      raw = { width: picture.width, height: picture.height, channels: 4 };
  }
  const open = (limitInputPixels: number | false) =>
    sharp(input, { limitInputPixels, failOn: 'error', ...(raw ? { raw } : {}) });
  // The header alone, read without the cap so that too large is told apart from damaged.
  const { width, height } = await decoded(() => open(false).metadata());
  if (!width || !height) throw unreadable();
  if (width * height > MAX_LOGO_PIXELS) {
    throw new AppError('too_large', 'Logos may have at most 2048×2048 pixels.');
  }
  return open(MAX_LOGO_PIXELS);
}

/** Runs a sharp step; whatever sharp throws becomes 415 `unsupported_type`, not its own text. */
export async function decoded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof AppError ? error : unreadable(error);
  }
}
