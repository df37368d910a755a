import type decodeHeic from 'heic-decode';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { MAX_IMAGE_PIXELS, SHOWN_IMAGE_TYPES } from '../../protocol/constants.js';
import { AppError } from '../core/AppError.js';
import { decodeApng, parseApng, type ApngAnimation } from './decodeApng.js';
import type { ImageFormat } from './detectFileType.js';
import { stripMetadata } from './stripMetadata.js';

// We keep our own byte-budgeted caches; libvips' operation cache would hold memory we cannot see.
sharp.cache(false);

/** More frames than this is not a photo or a reaction GIF, it is an attack on the CPU. */
const MAX_FRAMES = 1000;
/**
 * An animated PNG is decoded frame by frame into memory (RGBA, 4 bytes a pixel) before the WebP
 * encoder takes it: at most 64 MiB. Beyond this an animated PNG is shown as its still image.
 */
const MAX_APNG_ANIMATION_PIXELS = 16_000_000;

export interface ProcessedImage {
  bytes: Buffer;
  mime: string;
  ext: string;
  width: number;
  height: number;
}

/** What the pipeline writes. */
type OutputFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif';

// What encode() writes: the types shown as images (API.md), and only those.
const processedTypes: ReadonlySet<string> = new Set(SHOWN_IMAGE_TYPES);

/** Whether a stored file is an image the pipeline made (its dimensions are known only then). */
export function isProcessedImage(file: { mime: string; width?: number | undefined }): boolean {
  return processedTypes.has(file.mime) && file.width !== undefined;
}

const animatable = new Set<ImageFormat>(['gif', 'webp']);

function tooLarge(): AppError {
  return new AppError(
    'too_large',
    `Images may have at most ${MAX_IMAGE_PIXELS / 1_000_000} megapixels.`,
  );
}

function tooManyFrames(): AppError {
  return new AppError('too_large', `Animations may have at most ${MAX_FRAMES} frames.`);
}

function unreadable(): AppError {
  return new AppError('unsupported_type', 'This image could not be read; it may be damaged.');
}

/**
 * Cleans a shared image of EXIF, GPS, XMP, IPTC and comments (the ICC colour profile is kept),
 * and of whatever was appended to the file (polyglots). A JPEG or PNG keeps its compressed pixels
 * byte for byte and its EXIF orientation as the one tag left (stripMetadata); one the walk cannot
 * vouch for is re-encoded like the other formats. Re-encoding turns the image upright by its
 * orientation and keeps animation for GIF and WebP. Formats browsers do not all show are
 * converted: iPhone HEIC/HEIF becomes a high-quality JPEG, TIFF a JPEG (a PNG when it has
 * transparency or is black and white; its first page only), an animated PNG an animated WebP.
 * `width` and `height` are always those of the upright image.
 */
export async function processImage(bytes: Buffer, format: ImageFormat): Promise<ProcessedImage> {
  switch (format) {
    case 'jpeg':
    case 'png':
      return strip(bytes, format);
    case 'heif':
      return heicToJpeg(bytes);
    case 'apng':
      return apngToWebp(bytes);
    case 'tiff':
      return reencode(bytes, false, (metadata) =>
        metadata.hasAlpha || metadata.isPalette || metadata.bitsPerSample === 1 ? 'png' : 'jpeg',
      );
    default:
      return reencode(bytes, animatable.has(format), () => format);
  }
}

/**
 * The header of an image, checked against the limits before any pixel is decoded: 413
 * `too_large` past MAX_IMAGE_PIXELS or the frame cap, 415 `unsupported_type` when unreadable.
 */
export async function checkedHeader(bytes: Buffer, animated: boolean): Promise<Metadata> {
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false, animated }).metadata();
  } catch {
    throw unreadable();
  }
  // Without `animated` only the first page is read (a TIFF's other pages are not counted).
  const pages = animated ? (metadata.pages ?? 1) : 1;
  const frameHeight = (animated ? metadata.pageHeight : undefined) ?? metadata.height ?? 0;
  if ((metadata.width ?? 0) * frameHeight > MAX_IMAGE_PIXELS) throw tooLarge();
  if (pages > MAX_FRAMES || (metadata.width ?? 0) * frameHeight * pages > 4 * MAX_IMAGE_PIXELS) {
    throw tooManyFrames();
  }
  return metadata;
}

/** The options every decode of an upload runs with. */
function decoding(bytes: Buffer, animated: boolean): Sharp {
  return sharp(bytes, { limitInputPixels: 4 * MAX_IMAGE_PIXELS, failOn: 'error', animated });
}

/** Checks the header against the limits, then decodes and writes the image as `output` says. */
async function reencode(
  bytes: Buffer,
  animated: boolean,
  output: (metadata: Metadata) => OutputFormat,
): Promise<ProcessedImage> {
  const metadata = await checkedHeader(bytes, animated);
  return encode(decoding(bytes, animated).rotate().keepIccProfile(), output(metadata));
}

/**
 * A JPEG or PNG without its metadata, its pixels untouched (decision 014). The cleaned file must
 * still decode in full, and agree with the original on size, orientation and colour profile;
 * otherwise — or when stripMetadata cannot walk the file — the original is re-encoded, as every
 * image was before.
 */
async function strip(bytes: Buffer, format: 'jpeg' | 'png'): Promise<ProcessedImage> {
  const original = await checkedHeader(bytes, false);
  const reencoded = () => reencode(bytes, false, () => format);
  const cleaned = stripMetadata(bytes, format);
  if (cleaned === undefined) return reencoded();
  let metadata: Metadata;
  try {
    metadata = await sharp(cleaned, { limitInputPixels: false }).metadata();
    // A full decode, row by row, into an 8 x 8 image that is thrown away. The extract of the
    // whole image keeps libjpeg from decoding at 1/8 scale (shrink-on-load): every pixel is
    // made. stats() reads them all too, but also measures sharpness and colours, which took
    // 5-7x as long on a 12 MP photo.
    const { width, height } = metadata;
    await decoding(cleaned, false)
      .extract({ left: 0, top: 0, width, height })
      .resize(8, 8, { fit: 'fill' })
      .raw()
      .toBuffer();
  } catch {
    return reencoded();
  }
  const agrees =
    metadata.width === original.width &&
    metadata.height === original.height &&
    (metadata.orientation ?? 1) === (original.orientation ?? 1) &&
    (metadata.icc === undefined) === (original.icc === undefined);
  if (!agrees) return reencoded();
  return {
    bytes: cleaned,
    mime: `image/${format}`,
    ext: format === 'jpeg' ? 'jpg' : 'png',
    width: metadata.autoOrient.width,
    height: metadata.autoOrient.height,
  };
}

/**
 * libvips reads only the still image of an animated PNG, so the frames are decoded here
 * (decodeApng) and written as an animated WebP, which every browser plays. A damaged animation
 * is shown as its still image, as browsers show it; so is one too big to decode in memory.
 */
async function apngToWebp(bytes: Buffer): Promise<ProcessedImage> {
  const still = () => reencode(bytes, false, () => 'png');
  const apng = parseApng(bytes);
  if (apng === undefined) return still();
  const canvas = apng.width * apng.height;
  if (canvas > MAX_IMAGE_PIXELS) throw tooLarge();
  if (apng.frames.length > MAX_FRAMES) throw tooManyFrames();
  if (canvas * apng.frames.length > MAX_APNG_ANIMATION_PIXELS) return still();
  let animation: ApngAnimation;
  try {
    animation = await decodeApng(apng);
  } catch {
    return still();
  }
  const input = sharp(animation.pixels, {
    raw: {
      width: animation.width,
      height: animation.height * apng.frames.length,
      channels: 4,
      pageHeight: animation.height,
    },
  });
  return encode(input, 'webp', { loop: animation.plays, delay: animation.delays });
}

async function encode(
  input: Sharp,
  format: OutputFormat,
  /** For a WebP made from raw frames: its play count and frame delays (ms). */
  animation?: { loop: number; delay: number[] },
): Promise<ProcessedImage> {
  // Thunks, not pipelines: every format method sets the output format of the one Sharp instance,
  // so building them all up front would encode every image as whichever was set last.
  const encoders: Record<OutputFormat, () => [Sharp, string, string]> = {
    // Huffman optimisation (sharp's default) took ~155 MiB and 2.5x the time on a 12 MP photo for
    // 5 % fewer bytes (bench/files, "upload"); without it the peak is ~18 MiB.
    jpeg: () => [
      input.jpeg({ quality: 90, chromaSubsampling: '4:4:4', optimiseCoding: false }),
      'image/jpeg',
      'jpg',
    ],
    png: () => [input.png({ compressionLevel: 6 }), 'image/png', 'png'],
    webp: () => [input.webp({ quality: 90, ...animation }), 'image/webp', 'webp'],
    gif: () => [input.gif(), 'image/gif', 'gif'],
    avif: () => [input.avif({ quality: 70, effort: 0 }), 'image/avif', 'avif'],
  };
  const [pipeline, mime, ext] = encoders[format]();
  try {
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    return { bytes: data, mime, ext, width: info.width, height: info.pageHeight ?? info.height };
  } catch (error) {
    if (error instanceof Error && /pixel limit/i.test(error.message)) throw tooLarge();
    throw unreadable();
  }
}

/**
 * The HEIC decoder (libheif compiled to WebAssembly) is loaded with the first HEIC: it takes
 * about 45 MiB and 0.4 s to load, which a server that never sees one should not pay.
 */
let heicDecoder: Promise<typeof decodeHeic> | undefined = undefined;

async function heicToJpeg(bytes: Buffer): Promise<ProcessedImage> {
  heicDecoder ??= import('heic-decode').then((module) => module.default);
  const decoder = await heicDecoder;
  let images: Awaited<ReturnType<typeof decodeHeic.all>>;
  try {
    images = await decoder.all({ buffer: bytes });
  } catch {
    throw unreadable();
  }
  try {
    const primary = images[0];
    if (!primary) throw unreadable();
    // Checked before decoding: the header states the size, the pixels would take the memory.
    if (primary.width * primary.height > MAX_IMAGE_PIXELS) throw tooLarge();
    const { width, height, data } = await primary.decode().catch(() => {
      throw unreadable();
    });
    const jpeg = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
      raw: { width, height, channels: 4 },
    })
      .jpeg({ quality: 92, chromaSubsampling: '4:4:4', optimiseCoding: false })
      .toBuffer();
    return { bytes: jpeg, mime: 'image/jpeg', ext: 'jpg', width, height };
  } finally {
    images.dispose();
  }
}
