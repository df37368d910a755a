import sharp from 'sharp';
import { AppError } from '../core/AppError.js';
import { decoded, openImage } from './openImage.js';

/** The web client's dark background (src/web/styles/base.css, `--bg` in the dark scheme). */
export const DARK_BACKGROUND = '#15171c';
/** WCAG's least contrast for graphics (1.4.11, non-text contrast): below it a mark fades in. */
export const MIN_CONTRAST = 3;
/**
 * What an inverted pixel is brought up to when flipping its lightness was not enough (a pure
 * blue stays pure blue): WCAG's contrast for text, so the mark clears MIN_CONTRAST with room.
 */
export const LIFTED_CONTRAST = 4.5;
/**
 * A logo with less of its area transparent than this has its own background (a full square, a
 * rounded tile whose corners are all that is transparent, about 4 %; a disc leaves 21 %), and is
 * left as its designer made it.
 */
export const MIN_TRANSPARENT_SHARE = 0.25;
/** Below this alpha (of 255) a pixel is see-through: anti-aliasing haze is not the mark. */
const SEE_THROUGH = 20;
/** Analysis needs no more than this on a side; the variant itself keeps the full size. */
const ANALYSIS_SIDE = 256;

/** What `needsInversion` measured, and why it decided as it did. */
export interface ToneReading {
  invert: boolean;
  /**
   * `empty`: nothing visible; `opaque`: less than MIN_TRANSPARENT_SHARE transparent;
   * `contrasts`: the mark already stands out; `faint`: a mark on transparency that does not.
   */
  reason: 'empty' | 'opaque' | 'contrasts' | 'faint';
  /** The share of pixels see-through (alpha under 8 %), 0–1. */
  transparentShare: number;
  /** WCAG relative luminance of the visible pixels, averaged by their alpha; null when none. */
  luminance: number | null;
  /** WCAG contrast ratio of that luminance against the background, 1–21; null when none. */
  contrast: number | null;
  /** The background measured against, as `#rrggbb`. */
  background: string;
}

export interface ToneOptions {
  /** `#rgb` or `#rrggbb`; DARK_BACKGROUND unless given. */
  background?: string;
}

/** sRGB channel (0–255) → linear light, as WCAG's relative luminance defines it. */
const LINEAR = Array.from({ length: 256 }, (_, value) => {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

function linear(value: number): number {
  return LINEAR[value]!;
}

/** Linear light → the nearest sRGB channel value. */
function encode(light: number): number {
  const c = light <= 0.0031308 ? light * 12.92 : 1.055 * light ** (1 / 2.4) - 0.055;
  return Math.max(0, Math.min(255, Math.round(c * 255)));
}

function luminanceOf(r: number, g: number, b: number): number {
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** WCAG's contrast ratio of two relative luminances. */
export function contrastRatio(a: number, b: number): number {
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

function parseBackground(background: string): { hex: string; rgb: [number, number, number] } {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(background);
  if (!match) {
    throw new AppError('invalid_request', 'The background must be a colour as #rgb or #rrggbb.');
  }
  const digits = match[1]!.length === 3 ? [...match[1]!].map((d) => d + d).join('') : match[1]!;
  const hex = `#${digits.toLowerCase()}`;
  const rgb = [0, 2, 4].map((at) => parseInt(digits.slice(at, at + 2), 16));
  return { hex, rgb: rgb as [number, number, number] };
}

/**
 * Whether a logo needs its dark variant inverted, with the figures that decided it: the logo
 * must be mostly transparent around its mark (at least MIN_TRANSPARENT_SHARE see-through), and
 * its mark's luminance — the visible pixels', weighted by alpha — must contrast with the
 * background less than MIN_CONTRAST. An opaque logo, one already standing out and an empty
 * image are left alone. Reads what openImage reads (icon files too) and throws what it throws;
 * a malformed `background` is 400 `invalid_request`.
 */
export async function needsInversion(
  bytes: Buffer,
  options: ToneOptions = {},
): Promise<ToneReading> {
  const background = parseBackground(options.background ?? DARK_BACKGROUND);
  const image = await openImage(bytes);
  const { data, info } = await decoded(() =>
    image
      .resize(ANALYSIS_SIDE, ANALYSIS_SIDE, { fit: 'inside', withoutEnlargement: true })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true }),
  );
  const pixels = info.width * info.height;
  let seeThrough = 0;
  let weight = 0;
  let light = 0;
  for (let at = 0; at < pixels * 4; at += 4) {
    const alpha = data[at + 3]!;
    if (alpha < SEE_THROUGH) {
      seeThrough++;
      continue;
    }
    weight += alpha / 255;
    light += (alpha / 255) * luminanceOf(data[at]!, data[at + 1]!, data[at + 2]!);
  }
  const transparentShare = seeThrough / pixels;
  const backgroundLuminance = luminanceOf(...background.rgb);
  const reading = { transparentShare, background: background.hex };
  if (weight === 0) {
    return { ...reading, invert: false, reason: 'empty', luminance: null, contrast: null };
  }
  const luminance = light / weight;
  const contrast = contrastRatio(luminance, backgroundLuminance);
  if (transparentShare < MIN_TRANSPARENT_SHARE) {
    return { ...reading, invert: false, reason: 'opaque', luminance, contrast };
  }
  if (contrast >= MIN_CONTRAST) {
    return { ...reading, invert: false, reason: 'contrasts', luminance, contrast };
  }
  return { ...reading, invert: true, reason: 'faint', luminance, contrast };
}

/**
 * A logo for the dark theme (DARK_BACKGROUND unless `background` says otherwise). A dark mark on
 * transparency (`needsInversion`) comes back as a PNG with each pixel's lightness flipped (HSL:
 * hue and saturation kept, so a navy mark turns light blue, black turns white) and alpha kept;
 * a pixel still short of LIFTED_CONTRAST after that (saturated blue, red) is mixed, in linear
 * light, towards white — or towards black on a light background — until it reaches it.
 * Anything else comes back as the very bytes given, `inverted: false`.
 */
export async function darkVariant(
  bytes: Buffer,
  options: ToneOptions = {},
): Promise<{ bytes: Buffer; inverted: boolean; reading: ToneReading }> {
  const reading = await needsInversion(bytes, options);
  if (!reading.invert) return { bytes, inverted: false, reading };
  const image = await openImage(bytes);
  const { data, info } = await decoded(() =>
    image.ensureAlpha().raw().toBuffer({ resolveWithObject: true }),
  );
  const backgroundLuminance = luminanceOf(...parseBackground(reading.background).rgb);
  const towardsWhite =
    contrastRatio(1, backgroundLuminance) >= contrastRatio(0, backgroundLuminance);
  // The luminance a pixel must reach (or stay under) for LIFTED_CONTRAST.
  const target = towardsWhite
    ? LIFTED_CONTRAST * (backgroundLuminance + 0.05) - 0.05
    : (backgroundLuminance + 0.05) / LIFTED_CONTRAST - 0.05;
  for (let at = 0; at < data.length; at += 4) {
    if (data[at + 3] === 0) continue;
    const r = data[at]!;
    const g = data[at + 1]!;
    const b = data[at + 2]!;
    // HSL lightness L = (max + min) / 2; keeping hue and chroma, L → 1 − L moves every
    // channel by the same amount: c + 1 − max − min, which stays within 0–255.
    const shift = 255 - Math.max(r, g, b) - Math.min(r, g, b);
    let channels = [r + shift, g + shift, b + shift];
    const luminance = luminanceOf(channels[0]!, channels[1]!, channels[2]!);
    if (towardsWhite ? luminance < target : luminance > target) {
      // Luminance is linear in linear light, so one mixing amount reaches the target exactly.
      const mix = towardsWhite ? (target - luminance) / (1 - luminance) : 1 - target / luminance;
      channels = channels.map((c) =>
        encode(towardsWhite ? linear(c) + mix * (1 - linear(c)) : linear(c) * (1 - mix)),
      );
    }
    data[at] = channels[0]!;
    data[at + 1] = channels[1]!;
    data[at + 2] = channels[2]!;
  }
  const { width, height } = info;
  const png = await decoded(() =>
    sharp(data, { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer(),
  );
  return { bytes: png, inverted: true, reading };
}
