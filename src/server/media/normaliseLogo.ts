import sharp from 'sharp';
import { AppError } from '../core/AppError.js';
import { detectFileType, type ImageFormat } from './detectFileType.js';
import { decoded, MAX_LOGO_PIXELS, openImage } from './openImage.js';
import { isIco } from './readIco.js';

/** A logo is served at most this many pixels on its longer side, and an SVG rendered at it. */
export const LOGO_SIDE = 256;
/**
 * Rendering an SVG is work its author decides (filters, thousands of paths); past this it is
 * stopped. Raster logos need no such bound: their pixels are capped before decoding.
 */
const SVG_RENDER_SECONDS = 5;
/** The raster formats a logo may come in (as well as icon files and SVG). */
const RASTER: ReadonlySet<ImageFormat> = new Set(['png', 'apng', 'jpeg', 'gif', 'webp', 'avif']);
/** The density sharp takes for an SVG, in DPI; 72 renders it at its own size. */
const SVG_BASE_DENSITY = 72;
const SVG_DENSITY_RANGE = [1, 100_000] as const;

/**
 * The root of an SVG document: after an XML declaration, comments and a DOCTYPE without an
 * internal subset, the first element is `<svg>`. An HTML page with an SVG inside (a soft 404)
 * is not one.
 */
const SVG_ROOT = /^\uFEFF?(?:\s|<\?xml[^>]*\?>|<!--[\s\S]*?-->|<!doctype[^>[]*>)*<svg[\s>]/i;
/**
 * What a plain picture has no use for. librsvg runs no script and fetches nothing without a
 * base URL, which a buffer has none of; refusing these anyway keeps the renderer away from
 * entities (expansion bombs), XInclude, style sheets, embedded rasters (a pixel bomb behind a
 * `data:` URL escapes the pixel cap) and whatever a later librsvg might resolve.
 */
const NOT_PLAIN =
  /<!entity|<\?xml-stylesheet|@import|<script|<foreignobject|<xi:include|<!doctype[^>]*\[/i;
/** Every reference (`href`, `xlink:href`, `src`) must be within the document: `#id`. */
const REFERENCE = /\s(?:[\w.-]+:)?(?:href|src)\s*=\s*(["'])([\s\S]*?)\1/gi;
/** Every CSS `url(…)` likewise (`fill="url(#gradient)"`). */
const CSS_URL = /url\(\s*(['"]?)\s*([^)'"\s]?)/gi;

function notPlain(): AppError {
  return new AppError('unsupported_type', 'This SVG is not a plain picture.');
}

/**
 * A site's logo as this server serves it: a PNG of at most LOGO_SIDE on its longer side
 * (never enlarged), upright, without metadata or colour profile (converted to sRGB), the first
 * frame of an animation. Reads PNG, JPEG, GIF, WebP, AVIF, icon files (their largest picture)
 * and SVG, which is rendered here so that its longer side is LOGO_SIDE — a 16 px declared
 * size is not upscaled blurrily — and never handed out as SVG; an SVG that is more than a
 * picture (`NOT_PLAIN`, a reference outside itself) is refused. Throws 415 `unsupported_type`
 * for anything else or anything unreadable, 413 `too_large` past MAX_LOGO_PIXELS (an SVG's
 * rendering included), before any pixel is decoded.
 */
export async function normaliseLogo(bytes: Buffer): Promise<Buffer> {
  if (!isIco(bytes)) {
    const type = await detectFileType(bytes, '');
    if (type.kind === 'refused') return renderSvg(bytes);
    if (type.kind !== 'image' || !RASTER.has(type.format)) {
      throw new AppError('unsupported_type', 'A logo must be an image.');
    }
  }
  const image = await openImage(bytes);
  return decoded(() =>
    image
      .rotate()
      .resize(LOGO_SIDE, LOGO_SIDE, { fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer(),
  );
}

async function renderSvg(bytes: Buffer): Promise<Buffer> {
  const text = bytes.toString('utf8');
  if (!SVG_ROOT.test(text)) throw new AppError('unsupported_type', 'A logo must be an image.');
  if (NOT_PLAIN.test(text)) throw notPlain();
  for (const [, , value] of text.matchAll(REFERENCE)) {
    if (!value?.trimStart().startsWith('#')) throw notPlain();
  }
  for (const [, , first] of text.matchAll(CSS_URL)) if (first !== '#') throw notPlain();

  // Its own size, at 72 DPI, read without a cap so that too large is told apart from damaged.
  const { width, height } = await decoded(() =>
    sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata(),
  );
  if (!width || !height) throw new AppError('unsupported_type', 'This SVG has no size.');
  const [least, most] = SVG_DENSITY_RANGE;
  const density = Math.min(
    most,
    Math.max(least, (SVG_BASE_DENSITY * LOGO_SIDE) / Math.max(width, height)),
  );
  const scale = density / SVG_BASE_DENSITY;
  // A sliver (1×100000) at its longer side of 256 is small; clamped densities are not.
  if (Math.ceil(width * scale) * Math.ceil(height * scale) > MAX_LOGO_PIXELS) {
    throw new AppError('too_large', 'Logos may have at most 2048×2048 pixels.');
  }
  return decoded(() =>
    sharp(bytes, { density, limitInputPixels: MAX_LOGO_PIXELS, failOn: 'error' })
      .resize(LOGO_SIDE, LOGO_SIDE, { fit: 'inside', withoutEnlargement: true })
      .png()
      .timeout({ seconds: SVG_RENDER_SECONDS })
      .toBuffer(),
  );
}
