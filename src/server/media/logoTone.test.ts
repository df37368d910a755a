/**
 * The dark variant of a site's logo: a dark mark on transparency comes back lighter (alpha
 * kept) so it shows on the web client's dark background; an opaque logo, a light or colourful
 * mark that already stands out, and an empty image come back as the very bytes given.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { bitmapEntry, icoFile } from '../../../test/icoFile.js';
import { AppError } from '../core/AppError.js';
import {
  DARK_BACKGROUND,
  MIN_CONTRAST,
  contrastRatio,
  darkVariant,
  needsInversion,
} from './logoTone.js';

/** A logo as sites draw them: a mark of `fill` in the middle of a transparent square. */
function markSvg(fill: string, second = fill): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128">` +
      `<circle cx="44" cy="64" r="28" fill="${fill}"/>` +
      `<rect x="76" y="36" width="28" height="56" rx="6" fill="${second}"/></svg>`,
  );
}

async function png(svg: Buffer): Promise<Buffer> {
  return sharp(svg).png().toBuffer();
}

/** Alpha-weighted mean WCAG luminance of the visible pixels, and the alpha channel itself. */
async function measure(bytes: Buffer): Promise<{ luminance: number; alpha: Buffer }> {
  const { data, info } = await sharp(bytes)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const linear = (v: number) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  let weight = 0;
  let light = 0;
  const alpha = Buffer.alloc(info.width * info.height);
  for (let i = 0; i < alpha.length; i++) {
    const a = data[i * 4 + 3]!;
    alpha[i] = a;
    if (a === 0) continue;
    const l =
      0.2126 * linear(data[i * 4]!) +
      0.7152 * linear(data[i * 4 + 1]!) +
      0.0722 * linear(data[i * 4 + 2]!);
    weight += a / 255;
    light += (a / 255) * l;
  }
  return { luminance: light / weight, alpha };
}

/** #15171c's luminance, worked out by hand from WCAG's formula. */
const BACKGROUND_LUMINANCE = 0.00857;

describe('darkVariant', () => {
  it('inverts a black mark on transparency: lighter, alpha untouched, a PNG', async () => {
    const logo = await png(markSvg('#000000'));
    const result = await darkVariant(logo);
    expect(result.inverted).toBe(true);
    expect(result.reading).toMatchObject({ invert: true, reason: 'faint', background: '#15171c' });
    expect(result.reading.contrast!).toBeLessThan(MIN_CONTRAST);
    expect((await sharp(result.bytes).metadata()).format).toBe('png');

    const before = await measure(logo);
    const after = await measure(result.bytes);
    expect(before.luminance).toBeLessThan(0.01);
    expect(after.luminance).toBeGreaterThan(0.9);
    expect(contrastRatio(after.luminance, BACKGROUND_LUMINANCE)).toBeGreaterThan(MIN_CONTRAST);
    expect(after.alpha).toEqual(before.alpha);
    // And the variant needs nothing more.
    expect((await needsInversion(result.bytes)).invert).toBe(false);
  });

  it('keeps a dark colour’s hue: navy becomes a light blue, not orange', async () => {
    const result = await darkVariant(await png(markSvg('#0b1f4d')));
    expect(result.inverted).toBe(true);
    const { data } = await sharp(result.bytes).raw().toBuffer({ resolveWithObject: true });
    // The circle's centre.
    const at = (64 * 128 + 44) * 4;
    const [r, g, b] = [data[at]!, data[at + 1]!, data[at + 2]!];
    expect(b).toBeGreaterThan(r);
    expect(b).toBeGreaterThan(g);
    expect(b).toBeGreaterThan(200);
  });

  it('lifts a mark that flipping lightness leaves dark (pure blue) past the contrast line', async () => {
    const logo = await png(markSvg('#0000ff'));
    expect((await needsInversion(logo)).invert).toBe(true);
    const result = await darkVariant(logo);
    const after = await measure(result.bytes);
    expect(contrastRatio(after.luminance, BACKGROUND_LUMINANCE)).toBeGreaterThan(4);
  });

  it('leaves a white mark on transparency as it is, the same bytes', async () => {
    const logo = await png(markSvg('#ffffff'));
    const result = await darkVariant(logo);
    expect(result.inverted).toBe(false);
    expect(result.bytes).toBe(logo);
    expect(result.reading.reason).toBe('contrasts');
  });

  it('leaves an opaque dark square — a logo with its own background — as it is', async () => {
    const logo = await sharp({
      create: { width: 64, height: 64, channels: 4, background: '#101010' },
    })
      .png()
      .toBuffer();
    const result = await darkVariant(logo);
    expect(result.inverted).toBe(false);
    expect(result.bytes).toBe(logo);
    expect(result.reading).toMatchObject({ reason: 'opaque', transparentShare: 0 });
    // Dark all the same: it is the opacity that decided.
    expect(result.reading.contrast!).toBeLessThan(MIN_CONTRAST);

    const jpeg = await sharp(logo).jpeg().toBuffer();
    expect((await darkVariant(jpeg)).bytes).toBe(jpeg);
  });

  it('leaves a red and blue mark that already stands out as it is', async () => {
    const logo = await png(markSvg('#ef4444', '#3b82f6'));
    const result = await darkVariant(logo);
    expect(result.inverted).toBe(false);
    expect(result.bytes).toBe(logo);
    expect(result.reading.reason).toBe('contrasts');
    expect(result.reading.contrast!).toBeGreaterThanOrEqual(MIN_CONTRAST);
  });

  it('leaves an empty image as it is, with no figures made of nothing', async () => {
    const empty = await sharp({
      create: { width: 32, height: 32, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const result = await darkVariant(empty);
    expect(result).toMatchObject({ inverted: false, bytes: empty });
    expect(result.reading).toEqual({
      invert: false,
      reason: 'empty',
      transparentShare: 1,
      luminance: null,
      contrast: null,
      background: DARK_BACKGROUND,
    });
    // A faint haze (alpha 10 of 255) is not a mark either.
    const haze = await sharp({
      create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.04 } },
    })
      .png()
      .toBuffer();
    expect((await needsInversion(haze)).reason).toBe('empty');
    // One dark pixel in a transparent field is a mark.
    const dot = Buffer.alloc(8 * 8 * 4);
    dot[3] = 255;
    const single = await sharp(dot, { raw: { width: 8, height: 8, channels: 4 } })
      .png()
      .toBuffer();
    expect((await needsInversion(single)).reason).toBe('faint');
  });

  it('measures against another background when asked, and refuses one that is no colour', async () => {
    const white = await png(markSvg('#ffffff'));
    const onLight = await darkVariant(white, { background: '#fff' });
    expect(onLight.inverted).toBe(true);
    expect(onLight.reading.background).toBe('#ffffff');
    expect((await measure(onLight.bytes)).luminance).toBeLessThan(0.2);

    await expect(needsInversion(white, { background: 'red' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it('reads icon files, and refuses bytes that are no image', async () => {
    const { data, info } = await sharp(markSvg('#000000'))
      .resize(32, 32)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const ico = icoFile([
      {
        data: bitmapEntry({ width: 32, height: 32, rgba: data }, { bitCount: 32 }),
        width: info.width,
        height: info.height,
      },
    ]);
    const result = await darkVariant(ico);
    expect(result.inverted).toBe(true);
    expect((await sharp(result.bytes).metadata()).width).toBe(32);

    const error = await darkVariant(Buffer.from('<html>not a logo</html>')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('unsupported_type');
  });

  it('refuses a logo past 2048×2048 before decoding it', async () => {
    const huge = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="4096" height="4096"><rect width="10" height="10"/></svg>',
    );
    await expect(darkVariant(huge)).rejects.toMatchObject({ code: 'too_large' });
  });
});
