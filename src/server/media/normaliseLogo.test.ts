/**
 * A site's logo as the server serves it: a PNG of at most 256 px from any format a site uses
 * (icon files, SVG rendered at 256 px), and SVGs that are more than a picture refused before
 * librsvg sees them.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { photo, solidPng } from '../../../test/fileHelpers.js';
import { bitmapEntry, icoFile } from '../../../test/icoFile.js';
import { AppError } from '../core/AppError.js';
import { LOGO_SIDE, normaliseLogo } from './normaliseLogo.js';

const SVG = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';

async function codeOf(bytes: Buffer): Promise<string> {
  try {
    await normaliseLogo(bytes);
    return 'served';
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

describe('normaliseLogo', () => {
  it('makes a PNG of at most 256 px, never enlarged, without metadata', async () => {
    const large = await sharp(
      await normaliseLogo(await photo('jpeg', { width: 1000, height: 500 })),
    ).metadata();
    expect(large).toMatchObject({ format: 'png', width: LOGO_SIDE, height: 128 });
    expect(large.exif).toBeUndefined();
    const small = await sharp(
      await normaliseLogo(await photo('webp', { width: 48, height: 48 })),
    ).metadata();
    expect(small).toMatchObject({ format: 'png', width: 48 });
  });

  it('reads an icon file’s largest picture', async () => {
    const rgba = Buffer.alloc(24 * 24 * 4, 0xc0);
    const ico = icoFile([
      {
        data: bitmapEntry({ width: 24, height: 24, rgba }, { bitCount: 32 }),
        width: 24,
        height: 24,
      },
    ]);
    expect(await sharp(await normaliseLogo(ico)).metadata()).toMatchObject({
      format: 'png',
      width: 24,
    });
  });

  it('renders an SVG so that its longer side is 256 px', async () => {
    const svg = `<?xml version="1.0"?>
      <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
      <svg ${SVG} viewBox="0 0 20 10"><defs><linearGradient id="g"><stop offset="0" stop-color="red"/>
      </linearGradient><rect id="r" width="10" height="10"/></defs>
      <use xlink:href="#r" fill="url(#g)"/></svg>`;
    expect(await sharp(await normaliseLogo(Buffer.from(svg))).metadata()).toMatchObject({
      format: 'png',
      width: 256,
      height: 128,
    });
  });

  it('refuses SVGs that are more than a picture', async () => {
    const refused = [
      `<svg ${SVG} width="16" height="16"><image href="http://127.0.0.1:1/a.png" width="16" height="16"/></svg>`,
      `<svg ${SVG} width="16" height="16"><image xlink:href="file:///etc/passwd" width="16" height="16"/></svg>`,
      `<svg ${SVG} width="16" height="16"><image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/></svg>`,
      `<svg ${SVG} width="16" height="16"><style>rect { fill: url(https://example.com/p.svg#x) }</style></svg>`,
      `<svg ${SVG} width="16" height="16"><style>@import "https://example.com/a.css";</style></svg>`,
      `<!DOCTYPE svg [<!ENTITY a "aaaaaaaa">]><svg ${SVG} width="16" height="16"><text>&a;</text></svg>`,
      `<svg ${SVG} width="16" height="16"><script>alert(1)</script></svg>`,
      `<svg ${SVG} xmlns:xi="http://www.w3.org/2001/XInclude" width="16" height="16"><xi:include href="/etc/passwd" parse="text"/></svg>`,
    ];
    for (const svg of refused) expect(await codeOf(Buffer.from(svg)), svg).toBe('unsupported_type');
  });

  it('refuses a page, an unknown format and a pixel bomb', async () => {
    const html = '<!doctype html><html><body><svg width="10" height="10"></svg></body></html>';
    expect(await codeOf(Buffer.from(html))).toBe('unsupported_type');
    expect(await codeOf(Buffer.from('GIF87a but not really'))).toBe('unsupported_type');
    expect(await codeOf(solidPng(20_000, 20_000))).toBe('too_large');
    // So large that even the least density sharp takes renders it past the pixel cap.
    const hugeSvg = `<svg ${SVG} width="10000000" height="10000000"><rect width="9" height="9"/></svg>`;
    expect(await codeOf(Buffer.from(hugeSvg))).toBe('too_large');
  });
});
